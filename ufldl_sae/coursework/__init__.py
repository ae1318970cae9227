"""Coursework mode: the exercise's starter files and a checker that names the student's mistake.

Students doing the CS294A sparse autoencoder exercise get its starter files
(``ufldl-sae exercise init DIR``) and check what they wrote (``ufldl-sae check FILE.py`` or
:func:`check` from a notebook). The checker compares the student's function with the package's
own implementation on small problems, term by term and block by block, and recognizes the
mistakes people actually make by their signature: each is planted in a copy of the reference
(:mod:`.mistakes`) and the student's numbers are compared with it.

:func:`check` calls the function in this process (a student checking their own work). Grading
(``ufldl-sae check`` on files, :func:`quick_check_file`, :func:`student_function`) never imports
student code here: each file is copied, then run by :mod:`.child` in a process of its own
(:mod:`.sandbox`: folder, limits, a dedicated user when root) that only sends numbers back
(:mod:`.wire`); the verdict is computed here (:mod:`.grading`, :mod:`.batch` for a class).

Modules: :mod:`.checker` (``check``, ``quick_check``), :mod:`.check_cost`, :mod:`.compare`,
:mod:`.diagnose`, :mod:`.check_patches`, :mod:`.check_numgrad`, :mod:`.mistakes`,
:mod:`.report`, :mod:`.loader`, :mod:`.calling`, :mod:`.exercise`; grading: :mod:`.grading`,
:mod:`.isolated`, :mod:`.remote`, :mod:`.wire`, :mod:`.child`, :mod:`.sandbox`,
:mod:`.sources`, :mod:`.batch`, :mod:`.autograder_example`, :mod:`.runner`.
"""

from __future__ import annotations

from .checker import check, quick_check
from .exercise import exercise_files, init_exercise
from .grading import quick_check_file
from .isolated import student_function
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
    "quick_check_file",
    "student_function",
]
