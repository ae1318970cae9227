"""The checker's front door: ``check(func, exercise=...)`` and ``quick_check`` for ``train``.

The exercise tells which function is being checked. It is inferred from the function's name
(``sparse_autoencoder_cost``, ``sample_patches``, ``compute_numerical_gradient``, or the course's
MATLAB names) or given: either the function's name, or an exercise of ``exercise init``
(``sparse-autoencoder``, ``vectorization``), which then still needs the function's name to tell
which of its files this is.

:func:`check` calls the function it is given in this process: fine for a student checking their
own work, never for grading. Grading (:mod:`.grading`) passes :func:`check` a stand-in that runs
the student's file in a process of its own and returns only its numbers (:mod:`.remote`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .check_cost import check_sparse_autoencoder_cost
from .check_numgrad import check_compute_numerical_gradient
from .check_patches import check_sample_patches
from .compare import make_problems
from .report import CheckReport, Finding

#: The functions that can be checked, by name.
TASKS = ("sample_patches", "sparse_autoencoder_cost", "compute_numerical_gradient")

#: The exercises of ``exercise init`` and the functions each asks for.
EXERCISES = {
    "sparse-autoencoder": TASKS,
    "vectorization": ("sparse_autoencoder_cost",),
}

#: Other spellings of the functions' names: the course's MATLAB names, the data layer's name.
ALIASES = {
    "sampleimages": "sample_patches",
    "sample_images": "sample_patches",
    "sparseautoencodercost": "sparse_autoencoder_cost",
    "computenumericalgradient": "compute_numerical_gradient",
}


def task_name(name: str) -> str | None:
    """The checkable function a name refers to (``"sparse-autoencoder-cost"`` works), or None."""
    key = name.strip().lower().replace("-", "_")
    if key in TASKS:
        return key
    return ALIASES.get(key, ALIASES.get(key.replace("_", "")))


def resolve_task(func_name: str, exercise: str | None) -> str:
    """Which checker to run, from the function's name and the optional exercise.

    Raises
    ------
    ValueError
        The exercise is unknown, or the function cannot be told from it.
    """
    from_name = task_name(func_name)
    if exercise is None:
        if from_name is None:
            raise ValueError(
                f"cannot tell what {func_name!r} should compute from its name; pass "
                f"exercise= one of {', '.join(TASKS)}"
            )
        return from_name
    given = task_name(exercise)
    if given is not None:
        return given
    key = exercise.strip().lower().replace("_", "-")
    if key not in EXERCISES:
        raise ValueError(
            f"unknown exercise {exercise!r}: use one of {', '.join(EXERCISES)} or a function "
            f"name, {', '.join(TASKS)}"
        )
    functions = EXERCISES[key]
    if from_name in functions:
        return from_name
    if len(functions) == 1:
        return functions[0]
    raise ValueError(
        f"the {key} exercise has several functions ({', '.join(functions)}); {func_name!r} is "
        "none of them: name the function as FILE.py:FUNCTION or pass its name as the exercise"
    )


def _source(func: Callable[..., Any]) -> str:
    return getattr(func, "__ufldl_source__", None) or getattr(func, "__qualname__", repr(func))


def check(
    func: Callable[..., Any],
    exercise: str | None = None,
    *,
    speed: bool = True,
    seed: int | None = None,
) -> CheckReport:
    """Check a student's function against the package's and name the mistake it makes.

    Parameters
    ----------
    func : callable
        The student's ``sparse_autoencoder_cost``, ``sample_patches`` or
        ``compute_numerical_gradient``, with the course's arguments.
    exercise : str, optional
        What ``func`` should compute: a function name or an exercise name. Inferred from
        ``func.__name__`` when omitted.
    speed : bool, keyword-only
        Time the cost at the exercise's size (64-25, m = 10,000) and add a note when it is far
        slower than the package's. Never a failure.
    seed : int, optional, keyword-only
        Draw the small problems' data (and the patches' generator) from this seed; the default
        uses the fixed problems. The batch grader draws a fresh seed per batch and records it.

    Returns
    -------
    CheckReport
        ``passed``, and ``findings`` each with a stable ``code``, a message for the student and
        ``where`` it was seen. ``print(report)`` gives the text the command line prints.

    Notes
    -----
    The function runs in this process with your rights; the checker is no sandbox.
    """
    name = getattr(func, "__name__", "")
    task = resolve_task(name, exercise)
    start = time.perf_counter()
    if task == "sparse_autoencoder_cost":
        findings = check_sparse_autoencoder_cost(func, speed=speed, problems=make_problems(seed))
    elif task == "sample_patches":
        findings = check_sample_patches(func, 0 if seed is None else seed)
    else:
        findings = check_compute_numerical_gradient(func)
    report = CheckReport(task, _source(func), findings, time.perf_counter() - start)
    return report


def quick_check(func: Callable[..., Any], exercise: str | None = None) -> CheckReport:
    """The checks that take well under a second: for ``train --cost`` before it trains.

    Everything :func:`check` does except the timing at the exercise's size. When ``passed`` is
    False, ``train --cost`` prints the report and a warning but trains all the same: seeing the
    noisy filters a wrong gradient learns is part of the lesson, and the report says why.
    """
    return check(func, exercise, speed=False)


def failure_report(
    exercise: str, source: str, finding: Finding, seconds: float = 0.0
) -> CheckReport:
    """A report holding one finding: for a file that did not import, a crash, a time limit."""
    return CheckReport(exercise, source, [finding], seconds)
