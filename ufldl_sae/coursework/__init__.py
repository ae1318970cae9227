"""Coursework mode: the exercise's starter files and a checker that names the student's mistake.

Students doing the CS294A sparse autoencoder exercise get its starter files
(``ufldl-sae exercise init DIR``) and check what they wrote (``ufldl-sae check FILE.py`` or
:func:`check` from a notebook). The checker compares the student's function with the package's
own implementation on small problems, term by term and block by block, and recognizes the
mistakes people actually make by their signature: each is planted in a copy of the reference
(:mod:`.mistakes`) and the student's numbers are compared with it. Teachers grade a folder of
submissions with the same command, each file in its own process with time and memory limits
(:mod:`.grading`).

The checker runs the submitted code with the user's rights. It is no sandbox.

Modules: :mod:`.checker` (``check``, ``quick_check``), :mod:`.check_cost`,
:mod:`.check_patches`, :mod:`.check_numgrad`, :mod:`.mistakes`, :mod:`.report`,
:mod:`.loader`, :mod:`.calling`, :mod:`.exercise`, :mod:`.grading`, :mod:`.runner`,
:mod:`.cli` (``register`` for ``ufldl_sae.cli``).
"""

from __future__ import annotations

from .checker import check, quick_check
from .exercise import exercise_files, init_exercise
from .loader import StudentCodeError, load_student_function
from .mistakes import MISTAKES
from .report import CheckReport, Finding

__all__ = [
    "MISTAKES",
    "CheckReport",
    "Finding",
    "StudentCodeError",
    "check",
    "exercise_files",
    "init_exercise",
    "load_student_function",
    "quick_check",
]
