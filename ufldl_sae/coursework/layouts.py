"""Other readings of theta: find the layout a student's function uses, and adapt it to the notes'.

The notes pack theta as ``[W1(:); W2(:); b1; b2]`` with MATLAB's column-major ``(:)``. A student
who reads it another way (row-major blocks, biases first as in other courses' ``[b W]`` matrices,
W1 and W2 swapped) writes a function that is right in its own layout and wrong in the notes'. Each
layout here is a permutation: ``theta_student = theta_notes[perm]``, so the student's gradient
comes back to the notes' layout as ``grad_notes[perm] = grad_student``. :func:`in_layout` wraps the
student's function so that the rest of the diagnosis sees it in the notes' layout, and one slip
(the layout) never hides another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

#: The layouts tried, with the words for the student: what the layout is and how to fix it.
LAYOUTS: dict[str, str] = {
    "row-major": (
        "W1 and W2 are read from theta (or written into grad) in C, row-major order, which is "
        "the same as storing their transposes column by column. The notes' theta is "
        "[W1(:); W2(:); b1; b2] with MATLAB's column-major (:): in NumPy use "
        "theta[:h*v].reshape(h, v, order='F') and W1grad.ravel(order='F')."
    ),
    "bias-first": (
        "theta is read as [b1 W1] and [b2 W2] matrices (biases in the first column, as in other "
        "courses' exercises). The notes keep the biases apart, at the end: "
        "theta = [W1(:); W2(:); b1; b2]."
    ),
    "bias-first-row-major": (
        "theta is read as [b1 W1] and [b2 W2] matrices flattened row by row (biases first, "
        "row-major). The notes keep the biases apart, at the end, and the weights column-major: "
        "theta = [W1(:); W2(:); b1; b2]."
    ),
    "W1-W2-swapped": (
        "theta is read with W2 first and W1 second. The notes' order is "
        "theta = [W1(:); W2(:); b1; b2]: W1 (hidden x visible) takes the first hidden*visible "
        "entries."
    ),
}


def _blocks(visible: int, hidden: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The notes' positions of W1 (h, v), W2 (v, h), b1 and b2 inside theta."""
    h, v = hidden, visible
    hv = h * v
    W1 = np.arange(hv).reshape(h, v, order="F")
    W2 = (hv + np.arange(hv)).reshape(v, h, order="F")
    b1 = 2 * hv + np.arange(h)
    b2 = 2 * hv + h + np.arange(v)
    return W1, W2, b1, b2


def permutation(layout: str, visible: int, hidden: int) -> np.ndarray:
    """``perm`` with ``theta_student = theta_notes[perm]`` for one of :data:`LAYOUTS`.

    Raises
    ------
    ValueError
        ``layout`` is not one of :data:`LAYOUTS`.
    """
    W1, W2, b1, b2 = _blocks(visible, hidden)
    if layout == "row-major":
        parts = [W1.ravel(order="C"), W2.ravel(order="C"), b1, b2]
    elif layout == "bias-first":
        parts = [np.column_stack([b1, W1]).ravel(order="F"), np.column_stack([b2, W2]).ravel("F")]
    elif layout == "bias-first-row-major":
        parts = [np.column_stack([b1, W1]).ravel(order="C"), np.column_stack([b2, W2]).ravel("C")]
    elif layout == "W1-W2-swapped":
        parts = [W2.ravel(order="F"), W1.ravel(order="F"), b1, b2]
    else:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    return np.concatenate(parts)


def in_layout(func: Callable[..., Any], layout: str) -> Callable[..., Any]:
    """The student's cost function seen in the notes' layout, when it uses ``layout``.

    The wrapper permutes theta into the student's layout before the call and the gradient back
    after it; whatever cannot be read as a pair with a gradient of theta's length is returned
    as it came, for the usual checks to report.
    """

    def adapted(theta: Any, visible: int, hidden: int, *rest: Any) -> Any:
        perm = permutation(layout, visible, hidden)
        value = func(np.asarray(theta)[perm], visible, hidden, *rest)
        if not isinstance(value, tuple | list) or len(value) != 2:
            return value
        cost, grad = value
        try:
            flat = np.asarray(grad, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            return value
        if flat.size != perm.size:
            return value
        back = np.empty_like(flat)
        back[perm] = flat
        return cost, back

    adapted.__name__ = getattr(func, "__name__", "sparse_autoencoder_cost")
    adapted.__ufldl_layout__ = layout
    return adapted
