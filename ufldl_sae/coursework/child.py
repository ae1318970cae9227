"""The only code that runs beside a submission: import it, call it, send back numbers.

The grader (:mod:`.grading`) copies this file into the submission's fresh working folder and
runs it as a script, ``python -I child.py --path NUMPY_DIR``, so that no part of the checker is
imported here: no reference cost, no mistakes, no report, no verdict. Everything this process
sends is data the grader judges; whatever the student's code changes in this process (NumPy's
functions, this module's own) can only change the numbers sent, never the verdict.

Protocol (the grader's side is :mod:`.wire`): on both pipes a frame is the 4 bytes ``UFS1``, the
header's length as a little-endian ``uint32``, a JSON header, then the raw little-endian float64
bytes of the arrays the header lists (``{"name", "shape"}`` each, in order). At start the
protocol pipes are moved away from file descriptors 0 and 1; the student's ``print`` then goes
to the grader's bounded capture pipe (descriptor 2) and ``input()`` reads an empty stdin.

Requests: ``load`` (import the file, find the function), ``call`` (one call of the function on
the arrays sent; the reply carries the result and the input arrays as they are after the call),
``modules`` (which ``ufldl_sae`` modules are loaded). Stdlib and NumPy only.
"""

import importlib.util
import json
import os
import struct
import sys
import time
import traceback

MAGIC = b"UFS1"
TEXT_CAP = 4000


def read_exact(fd, n):
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the grader closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd, np):
    head = read_exact(fd, 8)
    if head[:4] != MAGIC:
        raise EOFError("bad frame from the grader")
    header = json.loads(read_exact(fd, struct.unpack("<I", head[4:])[0]))
    arrays = {}
    for spec in header.get("arrays", []):
        shape = tuple(spec["shape"])
        count = 1
        for s in shape:
            count *= s
        raw = read_exact(fd, 8 * count)
        arrays[spec["name"]] = np.frombuffer(raw, dtype="<f8").reshape(shape).copy()
    return header, arrays


def send(fd, header, arrays, np):
    specs, payload = [], []
    for name, value in arrays:
        a = np.asarray(value, dtype="<f8")
        specs.append({"name": name, "shape": list(a.shape)})
        payload.append(a.tobytes())
    header = dict(header, arrays=specs)
    text = json.dumps(header).encode()
    data = MAGIC + struct.pack("<I", len(text)) + text + b"".join(payload)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def student_frames(error, path):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == path]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "".join(lines)[-TEXT_CAP:], (frames[-1].lineno if frames else None)


def load(header, state):
    path = header["path"]
    name = "student_" + "".join(c if c.isalnum() else "_" for c in os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return {"kind": "import-failed", "code": "file-not-found", "details": "not a .py file"}
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SystemExit as error:
        _, line = student_frames(error, path)
        details = f"the file called sys.exit({error.code!r}) while being imported"
        return {"kind": "import-failed", "code": "import-error", "details": details, "line": line}
    except BaseException as error:  # noqa: BLE001 - any failure of the student's import
        text, line = student_frames(error, path)
        if isinstance(error, SyntaxError) and error.filename == path:
            text, line = "".join(traceback.format_exception_only(type(error), error)), error.lineno
        return {"kind": "import-failed", "code": "import-error", "details": text, "line": line}
    wanted = header.get("function")
    if wanted is None:
        stem = os.path.basename(path)[:-3]
        known = [n for n in header.get("known", []) if callable(getattr(module, n, None))]
        wanted = stem if callable(getattr(module, stem, None)) else None
        if wanted is None and len(known) == 1:
            wanted = known[0]
        if wanted is None:
            return {"kind": "import-failed", "code": "function-missing", "details": "unnamed"}
    func = getattr(module, wanted, None)
    if not callable(func):
        defined = sorted(
            k
            for k, v in vars(module).items()
            if callable(v) and getattr(v, "__module__", None) == name
        )
        return {
            "kind": "import-failed",
            "code": "function-missing",
            "details": "missing",
            "function": wanted,
            "defined": defined[:50],
        }
    state["func"], state["path"] = func, path
    return {"kind": "loaded", "function": wanted}


def quadratic(x, np):
    return x[0] ** 2 + 3 * x[0] * x[1], np.array([2 * x[0] + 3 * x[1], 3 * x[0]])


def curved(x, np):
    return float(np.sum(np.exp(x / 2)) + np.sum(x**3) / 3), np.exp(x / 2) / 2 + x**2


def describe(value, np, out):
    """The returned value as data: arrays where it reads as numbers, else its type's name."""

    def item(v):
        try:
            out.append((f"result{len(out)}", np.asarray(v, dtype=np.float64)))
            return {"array": len(out) - 1}
        except BaseException:  # noqa: BLE001 - any object at all may come back
            return {"type": type(v).__name__[:80]}

    if isinstance(value, tuple | list) and len(value) == 2:
        return {"form": "pair", "items": [item(value[0]), item(value[1])]}
    if isinstance(value, tuple | list):
        return {"form": "other", "type": type(value).__name__[:80], "len": len(value)}
    got = item(value)
    if "array" in got:
        return {"form": "array", "array": got["array"]}
    try:
        length = len(value)
    except BaseException:  # noqa: BLE001
        length = None
    return {"form": "other", "type": got["type"], "len": length}


def call(header, arrays, state, np):
    func, task, s = state["func"], header["task"], header.get("scalars", {})
    if task == "cost":
        args = (arrays["theta"], s["visible"], s["hidden"], s["lambda"], s["rho"], s["beta"])
        args += (arrays["data"],)
    elif task == "patches":
        rng = np.random.default_rng(header["seed"])
        args = (arrays["images"], s["patch_size"], s["num_patches"], rng)
    else:
        test = quadratic if header["J"] == "quadratic" else curved
        args = (lambda x: test(x, np), arrays["theta"])
    start = time.perf_counter()
    try:
        value = func(*args)
    except BaseException as error:  # noqa: BLE001 - SystemExit from student code included
        text, line = student_frames(error, state["path"])
        message = str(error)[:TEXT_CAP] if not isinstance(error, SystemExit) else repr(error.code)
        reply = {"kind": "raised", "type": type(error).__name__[:80], "message": message}
        return dict(reply, traceback=text, line=line), []
    seconds = time.perf_counter() - start
    out = []
    shape = describe(value, np, out)
    echoes = [("echo:" + k, v) for k, v in arrays.items()]
    return {"kind": "returned", "value": shape, "seconds": seconds}, out + echoes


def main():
    proto_in, proto_out = os.dup(0), os.dup(1)
    quiet = os.open(os.devnull, os.O_RDONLY)
    os.dup2(quiet, 0)
    os.dup2(2, 1)
    if "--path" in sys.argv:
        sys.path.append(sys.argv[sys.argv.index("--path") + 1])
    import numpy as np

    state = {}
    while True:
        try:
            header, arrays = receive(proto_in, np)
        except EOFError:
            return 0
        op = header.get("op")
        if op == "load":
            reply, out = load(header, state), []
        elif op == "call":
            with np.errstate(all="ignore"):
                reply, out = call(header, arrays, state, np)
        elif op == "modules":
            names = sorted(n for n in list(sys.modules) if n.split(".")[0] == "ufldl_sae")
            reply, out = {"kind": "modules", "names": names[:200]}, []
        else:
            return 0
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - the student may have replaced the stream
                pass
        send(proto_out, reply, out, np)


if __name__ == "__main__":
    sys.exit(main())
