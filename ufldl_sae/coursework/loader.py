"""Import a student's file and find their function, with errors a student can act on.

``load_student_function("sparse_autoencoder_cost.py:sparse_autoencoder_cost")`` runs the file as
a fresh module and returns the function. When the file does not import (a syntax error, an
exception or ``sys.exit`` at import time) or the function is missing, it raises
:class:`StudentCodeError` carrying the student's own short traceback and line number: the frames
of the checker and of importlib are cut, since they only hide the line to fix.

This runs the student's code with the user's own rights. It is no sandbox: only load files you
are willing to run.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

#: The functions the course's exercises ask for, in the course's order.
KNOWN_FUNCTIONS = ("sample_patches", "sparse_autoencoder_cost", "compute_numerical_gradient")


class StudentCodeError(ValueError):
    """The student's file cannot be imported, or the function asked for is not in it.

    A ``ValueError``, so that a command line that turns ``ValueError`` into exit status 2 (as
    ``ufldl-sae train --cost`` does) reports it in one line without a Python traceback.

    Attributes
    ----------
    path : str
        The student's file.
    lineno : int or None
        The line of the student's file where it went wrong, when there is one.
    details : str
        The short traceback (student frames only) or the explanation.
    code : str
        ``import-error``, ``file-not-found`` or ``function-missing``: the finding's code.
    """

    def __init__(
        self, path: str, lineno: int | None, details: str, code: str = "import-error"
    ) -> None:
        self.path, self.lineno, self.details, self.code = path, lineno, details, code
        where = f"{path}, line {lineno}" if lineno is not None else path
        # A traceback reads best on lines of its own; a one-line reason after a colon.
        separator = "\n" if "\n" in details else ": "
        super().__init__(f"{where}{separator}{details}")


def split_spec(spec: str) -> tuple[Path, str | None]:
    """``"dir/file.py:func"`` -> ``(Path("dir/file.py"), "func")``; the function is optional.

    The split is on the last colon only when what follows is a Python name, so a Windows path
    such as ``C:\\work\\file.py`` keeps its drive letter.
    """
    head, sep, tail = spec.rpartition(":")
    if sep and tail.isidentifier() and head:
        return Path(head), tail
    return Path(spec), None


def student_traceback(error: BaseException, path: Path) -> tuple[str, int | None]:
    """The traceback cut down to the frames in the student's file, and the last such line.

    A ``SyntaxError`` has no frame in the file (the parser raised it), so its own ``filename``
    and ``lineno`` are used, with the offending line and a caret as Python prints them.
    """
    target = str(path.resolve())
    if (
        isinstance(error, SyntaxError)
        and error.filename
        and Path(error.filename).resolve() == Path(target)
    ):
        text = "".join(traceback.format_exception_only(type(error), error)).rstrip()
        return text, error.lineno
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if f.filename and Path(f.filename).resolve() == Path(target)
    ]
    lineno = frames[-1].lineno if frames else None
    lines = traceback.format_list(frames) if frames else []
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip(), lineno


def import_student_file(path: Path) -> ModuleType:
    """Execute the student's file as a new module, under a fresh name each time.

    The fresh name means a file edited between two checks in one notebook is read again.
    The file's folder is put first on ``sys.path`` during the import, so a student's own helper
    modules beside it are found, as MATLAB finds functions in the current folder.
    """
    path = Path(path)
    if not path.is_file():
        raise StudentCodeError(str(path), None, "no such file", "file-not-found")
    name = f"ufldl_sae_student_{path.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise StudentCodeError(
            str(path), None, "not a Python file (it should end in .py)", "file-not-found"
        )
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    sys.modules[name] = module  # as a normal import does: dataclasses and pickle look it up
    try:
        spec.loader.exec_module(module)
    except SystemExit as error:  # sys.exit() at import time must not end the checker
        sys.modules.pop(name, None)
        _, lineno = student_traceback(error, path)
        raise StudentCodeError(
            str(path), lineno, f"the file called sys.exit({error.code!r}) while being imported"
        ) from None
    except BaseException as error:  # noqa: BLE001 - any failure of the student's import
        sys.modules.pop(name, None)
        if isinstance(error, KeyboardInterrupt):
            raise
        details, lineno = student_traceback(error, path)
        raise StudentCodeError(str(path), lineno, details) from None
    finally:
        if sys.path and sys.path[0] == folder:
            del sys.path[0]
    return module


def default_function_name(path: Path, module: ModuleType) -> str | None:
    """The function to check when the spec names none: the file's stem, else the one known name.

    ``sparse_autoencoder_cost.py`` holds ``sparse_autoencoder_cost``; a file with another name is
    searched for exactly one of the exercise's functions.
    """
    if callable(getattr(module, path.stem, None)):
        return path.stem
    found = [n for n in KNOWN_FUNCTIONS if callable(getattr(module, n, None))]
    return found[0] if len(found) == 1 else None


def load_student_function(spec: str) -> Callable[..., Any]:
    """The student's function from ``"FILE.py[:FUNCTION]"``, ready to be called or checked.

    Raises
    ------
    StudentCodeError
        The file is missing, does not import (with the student's short traceback and line), or
        does not define the function.
    """
    path, name = split_spec(spec)
    module = import_student_file(path)
    if name is None:
        name = default_function_name(path, module)
        if name is None:
            raise StudentCodeError(
                str(path),
                None,
                "cannot tell which function to check; name it as FILE.py:FUNCTION "
                f"(the exercise's functions are {', '.join(KNOWN_FUNCTIONS)})",
                "function-missing",
            )
    func = getattr(module, name, None)
    if not callable(func):
        defined = sorted(
            k
            for k, v in vars(module).items()
            if callable(v) and getattr(v, "__module__", None) == module.__name__
        )
        listed = ", ".join(defined) if defined else "none"
        raise StudentCodeError(
            str(path),
            None,
            f"no function named {name!r} in the file (functions defined: {listed})",
            "function-missing",
        )
    try:
        func.__ufldl_source__ = f"{path}:{name}"  # read by the report's heading
    except AttributeError:  # a builtin or a callable object: the qualified name will do
        pass
    return func
