r"""The notebooks' exercises: one step of the notes at a time, checked, with the slip named.

Notebooks 1 to 5 hold "your turn" cells. In the notebook sources (``notebooks/0N_name.py``) each
is marked like this::

    # YOUR TURN: a2, the hidden activations: the sigmoid of z2, elementwise.
    # BLANK: a2 = ...
    a2 = sigmoid(z2)  # (hidden, m)
    # END YOUR TURN

The committed notebooks run the solution (the lines between the ``BLANK`` line and ``END YOUR
TURN``), so they show the solved state. :func:`blank_source` turns a source into the student's
copy: each solution is replaced by its blank (``a2 = ...``), and the solutions are collected for
a separate file; :func:`write_student_notebooks` does that for every notebook that has
exercises. The cell right below each exercise calls :func:`check_step`, which compares the
student's array with the step computed here and, when it is wrong, recognizes the usual slips
by their values (each slip is the reference computed the wrong way, as
:mod:`ufldl_sae.coursework.mistakes` does for the whole cost) and names the one it matches.

The references are plain NumPy on the host in float64, as in :mod:`.mistakes`: the notebooks'
problems are a few numbers, and a reference that is written out beside each slip is worth more
here than speed or a second backend.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Markers of an exercise in a notebook source (a comment line each).
BEGIN, BLANK, END = "# YOUR TURN:", "# BLANK: ", "# END YOUR TURN"
#: Relative tolerance of a correct answer: the student's line and the reference differ only in
#: the order of the floating-point operations, so agreement is to a few units of roundoff.
RTOL = 1e-9


class WrongStep(AssertionError):
    """The student's value for a step is wrong; the message names the slip when it is known.

    An ``AssertionError``, so that the check cell of a notebook fails the way a failed
    ``assert`` does, and the run stops at the first wrong step.
    """


@dataclass(frozen=True)
class Slip:
    """A known wrong way of computing a step: a stable code, the words, the wrong computation."""

    code: str
    says: str
    compute: Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class Step:
    """One step of the notes: what it needs, its reference computation and its known slips."""

    name: str
    needs: tuple[str, ...]
    reference: Callable[[dict[str, Any]], Any]
    slips: tuple[Slip, ...]
    hint: str


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


def _kl(rho: float, q: Any) -> Any:
    return rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))


def _kl_slope(c: dict[str, Any], q: Any) -> Any:
    """beta times the derivative of KL(rho || q) with respect to q."""
    return c["beta"] * (-c["rho"] / q + (1 - c["rho"]) / (1 - q))


def _delta2(c: dict[str, Any], sparse: Any, inside: bool = True) -> Any:
    back, fprime = c["W2"].T @ c["delta3"], c["a2"] * (1 - c["a2"])
    return (back + sparse) * fprime if inside else back * fprime + sparse


def _centered(c: dict[str, Any], step: Callable[[Any, Any, float], float]) -> np.ndarray:
    """The numerical gradient of J at theta with a finite-difference rule ``step``."""
    theta = np.asarray(c["theta"], dtype=float)
    out = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = c["epsilon"]
        out[i] = step(theta, e, c["epsilon"])
    return out


def _cost(c: dict[str, Any], theta: Any) -> float:
    value = c["J"](theta)
    return float(value[0] if isinstance(value, tuple) else value)


def _rel(a: Any, b: Any) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(a + b))


def _mean_cols(c: dict[str, Any], x: Any) -> Any:
    return x.sum(axis=1) / c["data"].shape[1]


def _interval(c: dict[str, Any]) -> float:
    """initializeParameters.m's r: weights uniform in [-r, r], fan-in plus fan-out plus one."""
    return float(np.sqrt(6 / (c["visible_size"] + c["hidden_size"] + 1)))


def _decay_at_init(c: dict[str, Any], half: float = 0.5, layers: int = 2,
                   mean_square: float = 1 / 3) -> float:
    """(lambda/2) sum W^2 expected at theta0: layers * v * h weights of E[w^2] = r^2/3 each.

    The keywords let a slip change one factor at a time (the half, a layer, the uniform's
    second moment).
    """
    count = layers * c["visible_size"] * c["hidden_size"]
    return half * c["lambda_"] * count * mean_square * _interval(c) ** 2


def _a2_all(c: dict[str, Any], bias: bool = True) -> Any:
    """The hidden activations of every example (column) of ``data`` at once: (hidden, m)."""
    z2 = c["W1"] @ c["data"] + (c["b1"][:, None] if bias else 0.0)
    return _sigmoid(z2)


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("a2", ("z2",), lambda c: _sigmoid(c["z2"]), (
            Slip("no-sigmoid", "a2 is z2 itself: the activation f is missing.", lambda c: c["z2"]),
            Slip("sigmoid-sign", "a2 = 1/(1 + exp(z2)): the sign in the exponent is flipped "
                 "(that is f(-z2)).", lambda c: _sigmoid(-c["z2"])),
            Slip("tanh", "a2 = tanh(z2): the notes' f here is the sigmoid 1/(1 + exp(-z)).",
                 lambda c: np.tanh(c["z2"])),
        ), "a2 = f(z2) with f(z) = 1 / (1 + exp(-z)), elementwise"),
        Step("rho_hat", ("a2",), lambda c: c["a2"].mean(axis=1), (
            Slip("mean-over-units", "that is the mean over the hidden units (axis 0), one number "
                 "per example; rho_hat_j averages unit j over the examples (axis 1).",
                 lambda c: c["a2"].mean(axis=0)),
            Slip("sum-not-mean", "that is the sum over the examples; rho_hat_j is their mean "
                 "(divide by m).", lambda c: c["a2"].sum(axis=1)),
            Slip("mean-of-everything", "that is one mean over every activation; rho_hat has one "
                 "value per hidden unit.", lambda c: c["a2"].mean()),
        ), "rho_hat_j = (1/m) sum_i a2_j(x_i): a2.mean(axis=1)"),
        Step("reconstruction", ("a3", "data"),
             lambda c: np.sum((c["a3"] - c["data"]) ** 2) / (2 * c["data"].shape[1]), (
            Slip("half-missing", "the factor 1/2 of (1/2)||a3 - x||^2 is missing.",
                 lambda c: np.sum((c["a3"] - c["data"]) ** 2) / c["data"].shape[1]),
            Slip("sum-not-mean", "the squared errors are summed over the examples; the notes "
                 "average them (divide by m).", lambda c: np.sum((c["a3"] - c["data"]) ** 2) / 2),
            Slip("mean-over-entries", "np.mean divides by m times the number of outputs; the "
                 "notes sum over the outputs and average over the examples only.",
                 lambda c: np.mean((c["a3"] - c["data"]) ** 2) / 2),
        ), "(1/m) sum_i (1/2) ||a3(x_i) - x_i||^2"),
        Step("sparsity", ("rho", "rho_hat", "beta"),
             lambda c: c["beta"] * np.sum(_kl(c["rho"], c["rho_hat"])), (
            Slip("kl-arguments-swapped", "that is KL(rho_hat || rho); the notes' penalty is "
                 "KL(rho || rho_hat) = rho log(rho/rho_hat) + (1-rho) log((1-rho)/(1-rho_hat)).",
                 lambda c: c["beta"] * np.sum(
                     c["rho_hat"] * np.log(c["rho_hat"] / c["rho"])
                     + (1 - c["rho_hat"]) * np.log((1 - c["rho_hat"]) / (1 - c["rho"])))),
            Slip("kl-second-term-missing", "only rho log(rho/rho_hat) is there; KL between two "
                 "Bernoulli variables also has (1-rho) log((1-rho)/(1-rho_hat)).",
                 lambda c: c["beta"] * np.sum(c["rho"] * np.log(c["rho"] / c["rho_hat"]))),
            Slip("beta-missing", "the KL sum is not multiplied by beta.",
                 lambda c: np.sum(_kl(c["rho"], c["rho_hat"]))),
            Slip("mean-not-sum", "the KL terms are averaged over the units; the notes sum them.",
                 lambda c: c["beta"] * np.mean(_kl(c["rho"], c["rho_hat"]))),
        ), "beta * sum_j KL(rho || rho_hat_j)"),
        Step("delta3", ("a3", "data"), lambda c: -(c["data"] - c["a3"]) * c["a3"] * (1 - c["a3"]), (
            Slip("delta3-sign", "the sign is flipped: delta3 = -(x - a3) .* f'(z3).",
                 lambda c: (c["data"] - c["a3"]) * c["a3"] * (1 - c["a3"])),
            Slip("fprime-missing", "the factor f'(z3) = a3 (1 - a3) is missing.",
                 lambda c: -(c["data"] - c["a3"])),
        ), "delta3 = -(x - a3) .* a3 (1 - a3)"),
        Step("delta2", ("W2", "delta3", "a2", "rho", "rho_hat", "beta"),
             lambda c: _delta2(c, _kl_slope(c, c["rho_hat"])[:, None]), (
            Slip("sparsity-outside-derivative", "beta(-rho/rho_hat + (1-rho)/(1-rho_hat)) is "
                 "added after the product with f'(z2); the chain rule puts it inside, with "
                 "W2^T delta3 (notebook 2's derivation).",
                 lambda c: _delta2(c, _kl_slope(c, c["rho_hat"])[:, None], inside=False)),
            Slip("sparsity-missing-from-delta2", "the sparsity term is missing: that is the "
                 "delta2 of the cost without its penalty.", lambda c: _delta2(c, 0.0)),
            Slip("rho-hat-per-example", "the sparsity term uses each example's a2, not the "
                 "batch average rho_hat.", lambda c: _delta2(c, _kl_slope(c, c["a2"]))),
            Slip("fprime-missing", "the factor f'(z2) = a2 (1 - a2) is missing.",
                 lambda c: c["W2"].T @ c["delta3"] + _kl_slope(c, c["rho_hat"])[:, None]),
        ), "delta2 = (W2^T delta3 + beta(-rho/rho_hat + (1-rho)/(1-rho_hat))) .* a2 (1 - a2)"),
        Step("W1grad", ("delta2", "data", "W1", "lambda_"),
             lambda c: c["delta2"] @ c["data"].T / c["data"].shape[1] + c["lambda_"] * c["W1"], (
            Slip("weight-decay-missing", "lambda * W1 is missing.",
                 lambda c: c["delta2"] @ c["data"].T / c["data"].shape[1]),
            Slip("weight-decay-without-half", "2 lambda W1 is the gradient of lambda sum W^2; "
                 "the notes' term (lambda/2) sum W^2 gives lambda W1.",
                 lambda c: c["delta2"] @ c["data"].T / c["data"].shape[1]
                 + 2 * c["lambda_"] * c["W1"]),
            Slip("sum-not-mean", "the examples' contributions are summed, not averaged "
                 "(divide delta2 x^T by m).",
                 lambda c: c["delta2"] @ c["data"].T + c["lambda_"] * c["W1"]),
        ), "W1grad = delta2 x^T / m + lambda W1"),
        Step("b1grad", ("delta2", "data"), lambda c: _mean_cols(c, c["delta2"]), (
            Slip("sum-not-mean", "delta2 is summed over the examples, not averaged.",
                 lambda c: c["delta2"].sum(axis=1)),
            Slip("mean-over-units", "that averages over the hidden units (axis 0); the bias "
                 "gradient averages over the examples (axis 1).",
                 lambda c: c["delta2"].mean(axis=0)),
        ), "b1grad = (1/m) sum_i delta2(x_i)"),
        Step("numgrad", ("J", "theta", "epsilon"), lambda c: _centered(
            c, lambda t, e, eps: (_cost(c, t + e) - _cost(c, t - e)) / (2 * eps)), (
            Slip("one-sided", "that is the one-sided difference (J(theta + eps e_i) - J(theta)) / "
                 "eps, accurate only to O(eps); the notes' centered difference is "
                 "(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps), accurate to O(eps^2).",
                 lambda c: _centered(c, lambda t, e, eps: (_cost(c, t + e) - _cost(c, t)) / eps)),
            Slip("factor-two-missing", "the difference is divided by eps; the two points are "
                 "2 eps apart, so divide by 2 eps.",
                 lambda c: _centered(
                     c, lambda t, e, eps: (_cost(c, t + e) - _cost(c, t - e)) / eps)),
            Slip("numgrad-sign", "the difference is taken the wrong way round: "
                 "J(theta + eps e_i) comes first.",
                 lambda c: _centered(
                     c, lambda t, e, eps: (_cost(c, t - e) - _cost(c, t + e)) / (2 * eps))),
        ), "(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps), for every i"),
        Step("relative_difference", ("numerical", "analytical"),
             lambda c: _rel(c["numerical"], c["analytical"]), (
            Slip("norm-of-one-side", "divided by ||numerical|| alone; the course divides by "
                 "||numerical + analytical||.", lambda c: float(
                     np.linalg.norm(c["numerical"] - c["analytical"])
                     / np.linalg.norm(c["numerical"]))),
            Slip("max-not-norm", "that is the largest absolute difference; the course's figure is "
                 "a ratio of norms.", lambda c: float(np.max(np.abs(c["numerical"]
                                                                  - c["analytical"])))),
        ), "||numerical - analytical|| / ||numerical + analytical||"),
        Step("block_difference", ("numerical", "analytical", "block"),
             lambda c: _rel(c["numerical"][c["block"]], c["analytical"][c["block"]]), (
            Slip("whole-vector", "that is the overall figure; slice both vectors with the "
                 "block's slice first.", lambda c: _rel(c["numerical"], c["analytical"])),
        ), "the relative difference of numerical[block] and analytical[block]"),
        Step("init_interval", ("visible_size", "hidden_size"), _interval, (
            Slip("plus-one-missing", "that is sqrt(6 / (visible + hidden)); the course's "
                 "initializeParameters.m adds 1: r = sqrt(6) / sqrt(hidden + visible + 1).",
                 lambda c: np.sqrt(6 / (c["visible_size"] + c["hidden_size"]))),
            Slip("six-missing", "that is 1 / sqrt(visible + hidden + 1): the 6 is missing.",
                 lambda c: 1 / np.sqrt(c["visible_size"] + c["hidden_size"] + 1)),
            Slip("square-root-missing", "that is r^2, 6 / (visible + hidden + 1): take its "
                 "square root.", lambda c: _interval(c) ** 2),
        ), "r = sqrt(6 / (visible + hidden + 1))"),
        Step("weight_decay_at_init", ("lambda_", "visible_size", "hidden_size"), _decay_at_init, (
            Slip("half-missing", "the 1/2 of (lambda/2) sum W^2 is missing.",
                 lambda c: _decay_at_init(c, half=1.0)),
            Slip("one-layer-only", "that counts one layer's visible * hidden weights; W1 and W2 "
                 "hold that many each, 2 * visible * hidden in all.",
                 lambda c: _decay_at_init(c, layers=1)),
            Slip("uniform-second-moment", "a weight uniform in [-r, r] has E[w^2] = r^2/3, not "
                 "r^2.", lambda c: _decay_at_init(c, mean_square=1.0)),
        ), "(lambda/2) * 2 * visible * hidden * r^2/3"),
        Step("rho_hat_all", ("W1", "b1", "data"), lambda c: _a2_all(c).mean(axis=1), (
            Slip("bias-missing", "b1 is missing from z2 = W1 x + b1: add b1[:, None], a column "
                 "that broadcasts over the m examples.",
                 lambda c: _a2_all(c, bias=False).mean(axis=1)),
            Slip("mean-over-units", "that is the mean over the hidden units (axis 0), one number "
                 "per example; rho_hat_j averages unit j over the examples (axis 1).",
                 lambda c: _a2_all(c).mean(axis=0)),
            Slip("sum-not-mean", "that is the sum over the examples; rho_hat_j is their mean "
                 "(divide by m).", lambda c: _a2_all(c).sum(axis=1)),
            Slip("loop-skips-first", "the first example (column 0) is left out of the sum: a "
                 "loop's off-by-one, range(1, m) for range(m).",
                 lambda c: _a2_all(c)[:, 1:].sum(axis=1) / c["data"].shape[1]),
            Slip("loop-skips-last", "the last example is left out of the sum: a loop's "
                 "off-by-one, range(m - 1) for range(m).",
                 lambda c: _a2_all(c)[:, :-1].sum(axis=1) / c["data"].shape[1]),
        ), "rho_hat = sigmoid(W1 @ data + b1[:, None]).mean(axis=1), no loop"),
    )
}


def _close(value: Any, target: Any) -> bool:
    value, target = np.asarray(value, dtype=float), np.asarray(target, dtype=float)
    if value.shape != target.shape:
        return False
    scale = max(float(np.max(np.abs(target), initial=0.0)), 1e-300)
    return bool(np.max(np.abs(value - target), initial=0.0) <= RTOL * scale)


def check_step(step: str, value: Any, **context: Any) -> str:
    """Check the student's ``value`` for one step of the notes; name the slip when it is wrong.

    Parameters
    ----------
    step : str
        One of :data:`STEPS` (``"a2"``, ``"rho_hat"``, ``"delta2"``, ...).
    value : array or float
        What the student computed; ``...`` (the blank of the student's copy) is reported as
        not yet written.
    **context
        The quantities the step is computed from (``STEPS[step].needs``), as the notebook holds
        them.

    Returns
    -------
    str
        A line saying the step is correct.

    Raises
    ------
    WrongStep
        When the value is still the blank, has the wrong shape, or differs from the reference;
        the message names the known slip it matches (its code and what went wrong), or says
        where the largest difference is.
    ValueError
        When ``step`` is unknown or a needed quantity is missing from ``context``.
    """
    if step not in STEPS:
        raise ValueError(f"step={step!r} is not an exercise; expected one of {sorted(STEPS)}")
    spec = STEPS[step]
    missing = [name for name in spec.needs if name not in context]
    if missing:
        raise ValueError(f"check_step({step!r}) needs {missing} in its keyword arguments")
    if value is Ellipsis:
        raise WrongStep(f"{step}: still the blank `...`; write {spec.hint} in the cell above")
    reference = spec.reference(context)
    if _close(value, reference):
        return f"{step}: correct"
    # Before the shape: some slips (a wrong axis) change it. All that match are named: on a
    # small problem two slips can give the same number (beta = 3 over 3 units makes
    # beta * mean(KL) equal sum(KL)).
    matches = [s for s in spec.slips if _close(value, s.compute(context))]
    if matches:
        raise WrongStep(f"{step}: wrong " + "; or ".join(f"[{s.code}]: {s.says}" for s in matches))
    got, want = np.shape(value), np.shape(reference)
    if got != want:
        transposed = " (the transpose of the expected shape)" if got == want[::-1] else ""
        raise WrongStep(f"{step}: shape {got}, expected {want}{transposed}; {spec.hint}")
    error = np.abs(np.asarray(value, dtype=float) - np.asarray(reference, dtype=float))
    where = np.unravel_index(int(np.argmax(error)), error.shape) if error.ndim else ()
    raise WrongStep(
        f"{step}: wrong, and not one of the usual slips ({', '.join(s.code for s in spec.slips)});"
        f" largest difference {float(np.max(error)):.3g} at index {where}; expected {spec.hint}"
    )


@dataclass(frozen=True)
class Exercise:
    """One "your turn" block of a source: its title, the blank and the solution lines."""

    title: str
    blank: tuple[str, ...]
    solution: tuple[str, ...]


_INDENT = re.compile(r"^(\s*)")


def blank_source(text: str, name: str = "source") -> tuple[str, list[Exercise]]:
    """The student's copy of a notebook source: each solution replaced by its blank.

    Returns the new text and the exercises found, in order (their solutions go to a separate
    file). ``name`` only labels errors. Raises ``ValueError`` on a malformed block: a ``BEGIN``
    without ``BLANK`` lines right after it, or without a matching ``END``.
    """
    lines, out, exercises = text.splitlines(keepends=True), [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith(BEGIN):
            indent = _INDENT.match(line).group(1)
            start, blank = i + 1, []
            out.append(line)
            i += 1
            while i < len(lines) and lines[i].strip().startswith(BLANK.strip()):
                blank.append(lines[i].strip()[len(BLANK.strip()):].strip())
                i += 1
            if not blank:
                raise ValueError(f"{name} line {start}: '{BEGIN}' must be followed by "
                                 f"'{BLANK.strip()}' lines, the student's blank")
            solution = []
            while i < len(lines) and not lines[i].strip().startswith(END):
                solution.append(lines[i].rstrip("\n"))
                i += 1
            if i == len(lines):
                raise ValueError(f"{name} line {start}: '{BEGIN}' has no '{END}'")
            out.extend(f"{indent}{code}\n" for code in blank)
            title = line.strip()[len(BEGIN):].strip()
            exercises.append(Exercise(title, tuple(blank), tuple(solution)))
        else:
            out.append(line)
        i += 1
    return "".join(out), exercises


#: Where a wheel installs the notebooks' sources, relative to its installation prefix.
INSTALLED_NOTEBOOKS = ("share", "ufldl-sae", "notebooks")


def default_notebooks_dir() -> Path:
    """The notebooks' sources: ``notebooks/`` of the source checkout this package was imported
    from, else the copy an installed wheel put under ``share/ufldl-sae/notebooks`` (found
    through the distribution's own file list, so a venv, ``--user`` or ``--prefix`` install
    all work). The checkout's path is returned when neither holds a source, so the error
    names the folder a developer expects."""
    checkout = Path(__file__).resolve().parents[2] / "notebooks"
    if any(checkout.glob("[0-9][0-9]_*.py")):
        return checkout
    return installed_notebooks_dir() or checkout


def installed_notebooks_dir() -> Path | None:
    """The folder where the installed distribution put the notebooks' sources, or None."""
    from importlib import metadata

    try:
        files = metadata.files("ufldl-sae") or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if tuple(file.parts[-4:-1]) == INSTALLED_NOTEBOOKS and file.name[:2].isdigit():
            return Path(str(file.locate())).resolve().parent
    return None


def write_student_notebooks(
    dest: str | Path, notebooks_dir: str | Path | None = None
) -> list[Path]:
    """Write the student's copies of the notebooks that have exercises, and their solutions.

    Each ``0N_name.py`` source of ``notebooks_dir`` (default: :func:`default_notebooks_dir`)
    with at least one exercise becomes ``dest/0N_name.py`` with the blanks (jupytext's percent
    format: JupyterLab with jupytext, or VS Code, opens it as a notebook) and, when
    ``jupytext`` is installed, ``dest/0N_name.ipynb`` too, without outputs;
    ``dest/SOLUTIONS.md`` holds every solution. Returns the paths written. Raises
    ``ValueError`` when ``notebooks_dir`` holds no source, or ``dest`` already holds one of
    the files (a student's work is never overwritten).
    """
    source_dir = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    sources = sorted(source_dir.glob("[0-9][0-9]_*.py"))
    if not sources:
        raise ValueError(f"notebooks_dir={str(source_dir)!r} holds no notebook source "
                         "0N_name.py; expected the repository's notebooks/ folder")
    dest = Path(dest)
    blanked = {}
    for source in sources:
        text, exercises = blank_source(source.read_text(encoding="utf-8"), source.name)
        if exercises:
            blanked[source] = (text, exercises)
    try:
        import jupytext
    except ImportError:  # the .py copies are enough; jupytext is in the notebooks extra
        jupytext = None
    targets = [dest / s.name for s in blanked] + [dest / "SOLUTIONS.md"]
    if jupytext is not None:
        targets += [dest / f"{s.stem}.ipynb" for s in blanked]
    taken = [str(t) for t in targets if t.exists()]
    if taken:
        raise ValueError(f"dest={str(dest)!r} already holds {taken}; expected a fresh folder")
    dest.mkdir(parents=True, exist_ok=True)
    solutions = ["# Solutions to the notebooks' exercises\n"]
    for source, (text, exercises) in blanked.items():
        (dest / source.name).write_text(text, encoding="utf-8")
        if jupytext is not None:
            jupytext.write(jupytext.reads(text, fmt="py:percent"), dest / f"{source.stem}.ipynb")
        for number, exercise in enumerate(exercises, 1):
            code = "\n".join(exercise.solution)
            solutions.append(f"\n## {source.stem}, exercise {number}: {exercise.title}\n\n"
                             f"```python\n{code}\n```\n")
    (dest / "SOLUTIONS.md").write_text("".join(solutions), encoding="utf-8")
    return targets
