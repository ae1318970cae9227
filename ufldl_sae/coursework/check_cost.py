r"""Check a student's ``sparse_autoencoder_cost`` and name the mistake it makes.

The checks, in order (each stops the next when it fails, since their results would be noise):

1. What comes back: a ``(cost, grad)`` pair, a scalar cost, a gradient of theta's length (a
   column vector is accepted with a note), all finite, and the inputs left unmodified.
2. The cost and gradient against the package's on small problems, at four settings: the data
   term alone (:math:`\lambda = \beta = 0`), each penalty alone, and all three terms.
3. If they disagree: the known mistakes of :mod:`.mistakes`, alone or two together, each
   recognized when the student's numbers equal that mistake's to rounding.
4. Then the layout of theta (row-major blocks, bias-first packing, W1 and W2 swapped:
   :mod:`.layouts`) and, in the student's own layout, controlled probes (:mod:`.probes`): each
   term switched on alone, each block compared, and the relation between the student's block
   and the notes' found (a sign, a constant factor confirmed on a second problem with another
   m, a reordering, a missing or extra known term, one example only: :mod:`.relations`), turned
   into one sentence by :mod:`.tutor`, with the line of the student's assignment
   (:mod:`.source_lines`). Whether the student's gradient matches the numerical gradient of
   their own cost (:func:`~ufldl_sae.gradcheck.gradient_pair`) separates "the cost is wrong"
   from "the backpropagation does not match the cost"; a non-finite result is traced to the
   quantity that left its domain first (:mod:`.nonfinite`).
5. Speed, at the exercise's size (64 visible, 25 hidden, m = 10,000): a note, never a failure.

Steps 1 and 2 live in :mod:`.compare`, 3 and 4 in :mod:`.diagnose`; this module runs them in
order and times the cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ..model import sparse_autoencoder_cost
from ..params import initialize_parameters
from .calling import StudentFailed, call_student
from .compare import PROBLEMS, CostFunction, Problem, agrees, collect, reference
from .diagnose import diagnose
from .report import NOTE, Finding

__all__ = ["PROBLEMS", "check_sparse_autoencoder_cost", "speed_notes"]

#: The speed note is given when the student's cost is this many times slower than the package's
#: and takes at least :data:`SLOW_SECONDS` at the exercise's size. With one BLAS thread a loop
#: over the 10,000 examples is 15 to 50 times slower than the package; a vectorized cost written
#: less carefully (np.tile, recomputed products) within 3 times.
SLOW_RATIO, SLOW_SECONDS = 5.0, 0.2


def check_sparse_autoencoder_cost(
    func: CostFunction, *, speed: bool = True, problems: tuple[Problem, ...] = PROBLEMS
) -> list[Finding]:
    """All the checks of this module on the student's cost function; returns the findings.

    ``speed=False`` skips the timing at the exercise's size (the quick check before training).
    ``problems`` are the small problems compared on (:func:`~.compare.make_problems` draws
    fresh ones from a seed).
    """
    try:
        results, notes = collect(func, problems)
    except StudentFailed as failure:
        return [failure.finding]
    correct = all(
        agrees(
            result, reference(problems[p], problems[p].settings()[name], frozenset()), problems[p]
        )
        for (p, name), result in results.items()
    )
    if not correct:
        return diagnose(func, results, problems) + notes
    return notes + (speed_notes(func) if speed else [])


def speed_notes(func: CostFunction, repeats: int = 3) -> list[Finding]:
    """Time one evaluation at the exercise's size against the package's; a note when far slower.

    Both run on one BLAS thread (threadpoolctl), so that the ratio measures the code and not
    how many cores are free. The package's time is the best of ``repeats``; the student's is one
    call, plus a second only when the first is quick, since a looped version can take seconds.
    """
    visible, hidden, m = 64, 25, 10_000
    rng = np.random.default_rng(0)
    theta = initialize_parameters(hidden, visible, rng)
    data = rng.uniform(0.1, 0.9, (visible, m))
    args = (theta, visible, hidden, 1e-4, 0.01, 3.0, data)

    def student_call(*a: Any) -> Any:
        return call_student(func, *a, what="sparse_autoencoder_cost")

    with threadpool_limits(limits=1):
        package = min(_timed(sparse_autoencoder_cost, args) for _ in range(repeats))
        try:
            student = _timed(student_call, args)
            if student < 1.0:
                student = min(student, _timed(student_call, args))
        except StudentFailed as failure:
            return [failure.finding]
    if student < SLOW_SECONDS or student < SLOW_RATIO * package:
        return []
    return [
        Finding(
            "slow-not-vectorized",
            f"Your cost is correct, but one evaluation at the exercise's size (64 visible, 25 "
            f"hidden, m = 10,000) takes {student:.2f} s against {package * 1e3:.1f} ms for the "
            f"package ({student / package:.0f} times slower): most likely a Python loop over the "
            "examples. Training calls it hundreds of times. The vectorization exercise shows how "
            "to process all m columns at once with matrix products "
            "(ufldl-sae exercise init DIR --exercise vectorization).",
            severity=NOTE,
            where={"seconds": round(student, 3), "package_seconds": round(package, 4)},
        )
    ]


def _timed(func: Callable[..., Any], args: tuple[Any, ...]) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start
