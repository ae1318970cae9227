"""Call the checker from an autograder's test cell: otter-grader, nbgrader, or plain pytest.

The check is the one ``ufldl-sae check`` runs: the student's function runs in a process of its
own and only sends numbers back (:mod:`.grading`), so a notebook that patches NumPy or the
checker cannot make its own test pass. :func:`passes` returns ``True`` or ``False`` and prints
the report only when the check fails, which suits a doctest.

otter-grader: put :data:`OTTER_TEST` in ``tests/sparse_autoencoder_cost.py`` of the assignment
(otter's ``OK_FORMAT`` test files are Python files defining ``test``)::

    OK_FORMAT = True
    test = {...}  # OTTER_TEST below

nbgrader: an autograder test cell (read-only, with points) holding :data:`NBGRADER_CELL`::

    from ufldl_sae.coursework.autograder_example import passes
    assert passes(sparse_autoencoder_cost), "see the report printed above"

Gradescope without otter: ``ufldl-sae check /autograder/submission/*.py --gradescope
/autograder/results/results.json`` writes the results file itself (:mod:`.batch`).
"""

from __future__ import annotations

import inspect
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .grading import grade

#: The preamble a function's source is run with when :func:`passes` is given the function
#: itself (its notebook's other cells are not sent along).
PREAMBLE = "import numpy as np\n\n"

#: otter-grader's test for the cost, in its ``OK_FORMAT`` (a doctest case per check).
OTTER_TEST = {
    "name": "sparse_autoencoder_cost",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": (
                        ">>> from ufldl_sae.coursework.autograder_example import passes\n"
                        ">>> passes('sparse_autoencoder_cost.py')\n"
                        "True"
                    ),
                    "hidden": False,
                    "locked": False,
                }
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}

#: nbgrader's autograder test cell for a function defined in the notebook.
NBGRADER_CELL = (
    "from ufldl_sae.coursework.autograder_example import passes\n"
    'assert passes(sparse_autoencoder_cost), "see the report printed above"\n'
)


def passes(
    submission: str | Path | Callable[..., Any],
    exercise: str | None = None,
    *,
    time_limit: float = 120.0,
    speed: bool = False,
) -> bool:
    """True when the check passes; else prints the report and returns False.

    Parameters
    ----------
    submission : str, Path or callable
        ``FILE.py[:FUNCTION]``, or the function itself (a notebook's): its source is written
        to a file with :data:`PREAMBLE` and checked from there, never called in this process.
    exercise : str, optional
        What the function computes, when its name does not say.
    time_limit : float, keyword-only
        Seconds for the whole check.
    speed : bool, keyword-only
        Add the timing note at the exercise's size.
    """
    if callable(submission):
        name = submission.__name__
        source = PREAMBLE + textwrap.dedent(inspect.getsource(submission))
        with tempfile.TemporaryDirectory(prefix="ufldl-sae-cell-") as folder:
            path = Path(folder) / f"{name}.py"
            path.write_text(source)
            return passes(f"{path}:{name}", exercise, time_limit=time_limit, speed=speed)
    graded = grade(str(submission), exercise, time_limit=time_limit, speed=speed)
    if not graded.report.passed:
        print(graded.report)
    return graded.report.passed
