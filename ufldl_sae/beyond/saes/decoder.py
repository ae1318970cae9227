r"""The unit-norm decoder constraint, and the bookkeeping of dead latents.

**Unit-norm decoder.** TopK, BatchTopK and JumpReLU (and ReLU + plain L1, to stop the norm
cheat, see :func:`~ufldl_sae.beyond.saes.models.relu_l1_cost`) keep every decoder column
:math:`d_j` on the unit sphere. Minibatch training does it in two moves per step: the gradient
of each column loses its component along the column (:func:`project_decoder_gradient`), the
tangent part that moves the column *around* the sphere rather than off it,

.. math:: g_j \leftarrow g_j - (d_j^T g_j)\, d_j ,

and after the step the columns are scaled back to norm 1 (:func:`normalize_decoder`). The
projected gradient is exactly the gradient of the reparametrised objective
:math:`\tilde J(W) = J(W \operatorname{diag}(1/\lVert w_j\rVert))` at a unit-norm :math:`W`,
since the Jacobian of :math:`w \mapsto w/\lVert w\rVert` at :math:`\lVert w\rVert = 1` is
:math:`I - w w^T`: the gradient check differentiates :math:`\tilde J` by finite differences.

**Dead latents.** A latent that has not fired for many samples is *dead*: no gradient reaches
it through the code, so it stays dead. :class:`DeadLatents` counts, for each latent, the
samples since it last fired; the cure used here is AuxK
(:func:`~ufldl_sae.beyond.saes.models.auxk_cost`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...backend import array_namespace, to_host
from ...validation import check_int

__all__ = ["DeadLatents", "normalize_decoder", "project_decoder_gradient"]


def _decoder_rows(theta: Any, visible_size: int, hidden_size: int) -> tuple[slice, Any]:
    """The decoder's slice of theta and its columns as the rows of a (hidden, visible) view:
    ``W2(:)`` is column-major, so column j of ``W2`` is contiguous in theta."""
    xp = array_namespace(theta)
    hv = hidden_size * visible_size
    block = slice(hv, 2 * hv)
    return block, xp.reshape(theta[block], (hidden_size, visible_size))


def _replace(theta: Any, block: slice, rows: Any) -> Any:
    xp = array_namespace(theta)
    return xp.concat([theta[: block.start], xp.reshape(rows, (-1,)), theta[block.stop :]])


def normalize_decoder(theta: Any, visible_size: int, hidden_size: int) -> Any:
    r"""``theta`` with every decoder column scaled to norm 1 (a new array)."""
    xp = array_namespace(theta)
    block, rows = _decoder_rows(theta, visible_size, hidden_size)
    norms = xp.sqrt(xp.sum(rows * rows, axis=1, keepdims=True))
    return _replace(theta, block, rows / norms)


def project_decoder_gradient(grad: Any, theta: Any, visible_size: int, hidden_size: int) -> Any:
    r"""``grad`` with each decoder column's component along that (unit) column removed.

    Assumes the columns of ``theta``'s decoder have norm 1 (:func:`normalize_decoder`).
    """
    xp = array_namespace(grad, theta)
    block, rows = _decoder_rows(theta, visible_size, hidden_size)
    _, g = _decoder_rows(grad, visible_size, hidden_size)
    along = xp.sum(rows * g, axis=1, keepdims=True)
    return _replace(grad, block, g - along * rows)


class DeadLatents:
    """Samples since each latent last fired, on the host; dead past ``dead_after`` samples.

    Parameters
    ----------
    hidden_size : int
    dead_after : int
        A latent is dead once this many samples have passed without it firing (Gao et al.
        use 10 million tokens; the toy's 100,000 samples call for a smaller window).
    """

    def __init__(self, hidden_size: int, dead_after: int) -> None:
        self.hidden_size = check_int("hidden_size", hidden_size)
        self.dead_after = check_int("dead_after", dead_after)
        self.samples_since_fired = np.zeros(self.hidden_size, dtype=np.int64)

    def update(self, code: Any) -> None:
        """Count one batch: ``code`` of shape (hidden, m); a latent fires where it is > 0."""
        xp = array_namespace(code)
        fired = to_host(xp.any(code > 0, axis=1))
        self.samples_since_fired += code.shape[1]
        self.samples_since_fired[fired] = 0

    def dead(self) -> np.ndarray:
        """The boolean mask of dead latents (host)."""
        return self.samples_since_fired >= self.dead_after

    @property
    def dead_fraction(self) -> float:
        """The share of latents that are dead now."""
        return float(np.mean(self.dead()))
