"""The simple relations between a student's block of numbers and the notes' block.

When the student's W1grad (or b1grad, or a term of the cost) differs from the notes', the
difference is rarely arbitrary: the sign is flipped, a constant factor such as m or 1/2 is off,
the entries are in another order, an additive term is missing or extra, or the block is zero.
:func:`relation` tries each in an order that keeps them apart and returns the first that holds
exactly (to rounding), or ``None`` and what it ruled out.

Plain NumPy float64 on small arrays: the evidence, not the speed, matters here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Two arrays are equal to rounding when their difference is below this, relative to their size.
EXACT = 1e-7


@dataclass(frozen=True)
class Relation:
    """How the student's block relates to the notes': ``kind`` and the words for it.

    ``kind`` is one of ``zero``, ``sign``, ``factor``, ``reordered``, ``extra``, ``missing``,
    ``alternative`` (equals a named wrong version), or ``none``. ``factor`` holds the constant
    (for ``factor``), ``name`` the named constant or quantity, and ``ruled_out`` what was tried
    and failed (for ``none``).
    """

    kind: str
    name: str = ""
    factor: float = 1.0
    ruled_out: tuple[str, ...] = field(default_factory=tuple)


def close(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> bool:
    """``a`` equals ``b`` to rounding (relative to the larger, plus an absolute ``floor``)."""
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    if a.shape != b.shape:
        return False
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    return float(np.linalg.norm(a - b)) <= EXACT * scale + floor


def named_constant(value: float, constants: dict[str, float]) -> str | None:
    """The name of the constant ``value`` equals (to 1e-6 relative), or None."""
    for name, c in constants.items():
        if c != 0 and abs(value - c) <= 1e-6 * abs(c):
            return name
    return None


def least_squares_factor(student: np.ndarray, notes: np.ndarray) -> float:
    """The constant c minimizing ||student - c notes|| (0 when the notes' block is zero)."""
    denominator = float(np.dot(notes.ravel(), notes.ravel()))
    if denominator == 0.0:
        return 0.0
    return float(np.dot(student.ravel(), notes.ravel())) / denominator


def orderings(notes: np.ndarray, shape: tuple[int, int] | None) -> dict[str, np.ndarray]:
    """The notes' block read in other orders: C instead of F, and reversed (a 1-D block)."""
    if shape is None:
        return {"reversed": notes[::-1]} if notes.size > 1 else {}
    matrix = notes.reshape(shape, order="F")
    return {"row-major (C order, the transpose of the notes' layout)": matrix.ravel(order="C")}


def relation(
    student: np.ndarray,
    notes: np.ndarray,
    *,
    constants: dict[str, float],
    quantities: dict[str, np.ndarray],
    alternatives: dict[str, np.ndarray],
    shape: tuple[int, int] | None = None,
    floor: float = 0.0,
) -> Relation:
    """The first simple relation that holds between the student's block and the notes'.

    Parameters
    ----------
    student, notes : ndarray
        The same block (or the scalar cost term, as a 1-element array) of both.
    constants : dict
        Named constants a factor may equal (``"m"``, ``"1/2"``, ``"beta"``, ...).
    quantities : dict
        Named arrays an additive term may equal (``"lambda * W1"``, ...).
    alternatives : dict
        Named wrong versions of the whole block (the sparsity term outside f'(z2), rho_hat from
        one example, ...): the student's block equals one of them.
    shape : tuple, optional
        The block's matrix shape (W1, W2), to try the other order.
    floor : float
        Absolute tolerance, from the size of the whole gradient (so that rounding in a tiny
        block is not a difference).

    Notes
    -----
    The order matters only where two relations could both hold: a zero block is missing rather
    than a factor 0; the sign (c = -1) is named before a general factor.
    """
    s, r = np.atleast_1d(student).astype(np.float64), np.atleast_1d(notes).astype(np.float64)
    if close(s, r, floor):
        return Relation("equal")
    if close(s, np.zeros_like(s), floor):
        return Relation("zero")
    if close(s, -r, floor):
        return Relation("sign", factor=-1.0)
    for name, alternative in alternatives.items():
        if close(s, alternative, floor):
            return Relation("alternative", name=name)
    for name, q in quantities.items():
        if close(s, r + q, floor):
            return Relation("extra", name=name)
        if close(s, r - q, floor):
            return Relation("missing", name=name)
    for name, ordered in orderings(r, shape).items():
        if close(s, ordered, floor):
            return Relation("reordered", name=name)
    c = least_squares_factor(s, r)
    if c != 0.0 and close(s, c * r, floor):
        # A negative factor is a sign and a factor together (two slips): named by its size.
        return Relation("factor", name=named_constant(abs(c), constants) or "", factor=c)
    ruled_out = [
        "the opposite sign",
        f"a constant factor (the best one, {c:.3g}, leaves "
        f"{readable_difference(s, c * r)} of difference)",
        "zero",
    ]
    if shape is not None:
        ruled_out.append("another order of the entries (C/F, transposed)")
    ruled_out += [f"an extra or missing {name}" for name in quantities]
    ruled_out += list(alternatives)
    return Relation("none", ruled_out=tuple(ruled_out))


def readable_difference(student: np.ndarray, notes: np.ndarray) -> str:
    """How far the student's numbers are from the notes', in words a student can read.

    A relative difference over 1 says little ("1.63e+06"): then the sizes are compared instead,
    and a flipped sign is called that.
    """
    s, r = np.atleast_1d(student).ravel(), np.atleast_1d(notes).ravel()
    norm_r = float(np.linalg.norm(r))
    if norm_r == 0.0:
        return "nonzero where the notes' are zero"
    if close(s, -r):
        return "opposite sign"
    relative = float(np.linalg.norm(s - r)) / norm_r
    if relative <= 1:
        return f"{relative:.1%}" if relative >= 1e-3 else f"{relative:.1e} (relative)"
    ratio = float(np.linalg.norm(s)) / norm_r
    sign = ", mostly of the opposite sign" if float(np.dot(s, r)) < 0 else ""
    if abs(ratio - 1) > 0.05:
        return f"{ratio:.3g} times as large{sign}"
    return f"as large, but other values{sign}"
