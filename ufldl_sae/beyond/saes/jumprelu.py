r"""JumpReLU (Rajamanoharan et al., 2024): learned thresholds, trained by straight-through.

.. math:: f_{ji} = z_{ji}\, H(z_{ji} - \theta_j), \qquad
          J = \frac{1}{2m}\lVert \hat X - X\rVert_F^2
          + \frac{\lambda}{m}\sum_{i,j} H(z_{ji} - \theta_j),

with :math:`H` the Heaviside step, :math:`\theta_j = e^{\ell_j} > 0` each latent's threshold
(theta stores :math:`\ell = \log\theta`) and the second term the L0 norm of the code, penalized
directly. In :math:`W_{enc}, W_{dec}, b_{enc}, b_{dec}`, away from the jumps, :math:`J` is as
smooth as the other models and its gradient is exact (gate :math:`G = H(z - \theta)`; the L0
term is piecewise constant and gives nothing). In :math:`\theta` the true derivative is 0
almost everywhere: :math:`J` moves only when a pre-activation crosses a threshold, by a jump.
So training uses the *straight-through pseudo-derivatives* with a kernel :math:`K` of
bandwidth :math:`\varepsilon`,

.. math:: \frac{\eth f_{ji}}{\eth\theta_j} := -\frac{\theta_j}{\varepsilon}
          K\!\left(\frac{z_{ji}-\theta_j}{\varepsilon}\right), \qquad
          \frac{\eth H(z_{ji}-\theta_j)}{\eth\theta_j} := -\frac{1}{\varepsilon}
          K\!\left(\frac{z_{ji}-\theta_j}{\varepsilon}\right),

with the rectangle :math:`K(u) = [|u| < 1/2]`: the jump of height :math:`\theta_j` (the code
goes from 0 to :math:`\theta_j`) is spread over a window of width :math:`\varepsilon` around
the threshold, and only the examples inside that window vote on moving it. The
pseudo-derivatives act on :math:`\theta` only; the L0 term passes nothing to :math:`z`.

**What a finite difference cannot check.** A finite difference of :math:`J` in :math:`\ell`
is 0 (no crossing within the step) or huge (a crossing): it measures the true derivative,
which the estimator deliberately replaces. There is nothing for it to agree with. What *can*
be checked is the smoothed surrogate the estimator stands for (:func:`jumprelu_surrogate`):
the exact derivative of the surrogate in :math:`\ell` must equal the pseudo-gradient, to
1e-9, and the rest of the gradient is checked against :math:`J` itself, away from the jumps.
"""

from __future__ import annotations

from typing import Any

from ...backend import array_namespace
from ...validation import check_real
from .core import backward, encoder_pass, gate_of, reconstruct, result

__all__ = ["DEFAULT_BANDWIDTH", "jumprelu_cost", "jumprelu_surrogate", "smoothed_step"]

#: The kernel's bandwidth :math:`\varepsilon`. The paper uses 0.001 on activations normalized
#: to unit mean squared norm; the toy's pre-activations are of order 1 and its thresholds of
#: order 0.1, so a wider window (more examples voting per step) trains steadier.
DEFAULT_BANDWIDTH = 0.05


def _rectangle(u: Any) -> Any:
    xp = array_namespace(u)
    return xp.astype(xp.abs(u) < 0.5, u.dtype)


def smoothed_step(u: Any, bandwidth: float) -> Any:
    r""":math:`S_\varepsilon(u) = \min(\max(u/\varepsilon + 1/2, 0), 1)`: the step :math:`H`
    convolved with the rectangle kernel, whose derivative is :math:`K(u/\varepsilon)/\varepsilon`.
    """
    xp = array_namespace(u)
    return xp.clip(u / bandwidth + 0.5, 0.0, 1.0)


def _thresholds(theta: Any, hidden_size: int) -> Any:
    xp = array_namespace(theta)
    return xp.exp(theta[theta.shape[0] - hidden_size :])


def jumprelu_cost(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    data: Any,
    l0_coefficient: float,
    *,
    bandwidth: float = DEFAULT_BANDWIDTH,
    return_code: bool = False,
) -> tuple:
    r"""JumpReLU's cost and its gradient, straight-through in the thresholds.

    Parameters
    ----------
    theta : 1-D array
        ``[W1(:); W2(:); b1; b2; log_threshold]``.
    visible_size, hidden_size : int
    data : array of shape (visible, m)
    l0_coefficient : float
        :math:`\lambda \ge 0`, the weight of the L0 penalty.
    bandwidth : float, keyword-only
        :math:`\varepsilon > 0`, the width of the rectangle kernel.
    return_code : bool, keyword-only
        Also return the code and the reconstruction.

    Returns
    -------
    cost : 0-d array
        The true cost :math:`J` (module docstring).
    grad : 1-D array
        Exact in the four notes' blocks; in ``log_threshold``,

        .. math:: g_{\ell_j} = \theta_j \sum_i \left(\delta^f_{ji}\,
                  \frac{-\theta_j}{\varepsilon} - \frac{\lambda}{m\varepsilon}\right)
                  K\!\left(\frac{z_{ji}-\theta_j}{\varepsilon}\right)

        with :math:`\delta^f = W_{dec}^T \delta^{out}` and the leading :math:`\theta_j` the
        chain rule through :math:`\theta = e^{\ell}`.
    """
    check_real("l0_coefficient", l0_coefficient, low=0.0)
    bandwidth = check_real("bandwidth", bandwidth, low=0.0, low_open=True)
    xp = array_namespace(theta, data)
    m = data.shape[1]
    p = encoder_pass(theta, visible_size, hidden_size, data)
    threshold = _thresholds(theta, hidden_size)[:, None]
    gate = gate_of(p.z > threshold, p.z)
    f = p.z * gate
    error = reconstruct(p.blocks, f) - data
    delta_out = error / m
    cost = xp.sum(error * error) / (2 * m) + l0_coefficient * xp.sum(gate) / m
    delta_f = p.blocks["W2"].T @ delta_out  # dJ/df: the backward pass and the thresholds
    grads = backward(p, f, gate, delta_out, delta_f=delta_f)
    kernel = _rectangle((p.z - threshold) / bandwidth) / bandwidth
    per_threshold = xp.sum((-threshold * delta_f - l0_coefficient / m) * kernel, axis=1)
    grads["log_threshold"] = threshold[:, 0] * per_threshold
    return result(cost, grads, f, error + data, return_code)


def jumprelu_surrogate(
    log_threshold: Any,
    theta_at: Any,
    visible_size: int,
    hidden_size: int,
    data: Any,
    l0_coefficient: float,
    *,
    bandwidth: float = DEFAULT_BANDWIDTH,
) -> Any:
    r"""The smoothed objective whose exact gradient in :math:`\ell` the estimator computes.

    Parameters
    ----------
    log_threshold : array of shape (hidden,)
        Where to evaluate, :math:`\ell`; everything else comes from ``theta_at``.
    theta_at : 1-D array
        The JumpReLU theta at which the pseudo-gradient was taken (its thresholds
        :math:`\bar\theta`).
    visible_size, hidden_size, data, l0_coefficient, bandwidth
        As :func:`jumprelu_cost`.

    Returns
    -------
    0-d array

    Notes
    -----
    With the pre-activations :math:`z` and thresholds :math:`\bar\theta` of ``theta_at``
    held fixed and :math:`\theta = e^{\ell}`,

    .. math:: \tilde f_{ji} = z_{ji} H(z_{ji} - \bar\theta_j) + \bar\theta_j
              \left(S_\varepsilon(z_{ji}-\theta_j) - S_\varepsilon(z_{ji}-\bar\theta_j)\right),

    .. math:: \tilde J(\ell) = \frac{1}{2m}\lVert W_{dec}\tilde f + b_{dec} - X\rVert_F^2
              + \frac{\lambda}{m}\sum_{i,j} S_\varepsilon(z_{ji} - \theta_j).

    At :math:`\ell = \log\bar\theta`, :math:`\tilde f = f` (same residual) and the jump of each
    unit, of height :math:`\bar\theta_j`, is a ramp of width :math:`\varepsilon`; so
    :math:`\partial\tilde J/\partial\ell_j` there is exactly the pseudo-gradient of
    :func:`jumprelu_cost`. :math:`S_\varepsilon` is piecewise linear, so a finite difference of
    :math:`\tilde J` is exact as long as no :math:`z` crosses a window's edge within the step.
    """
    xp = array_namespace(log_threshold, theta_at)
    m = data.shape[1]
    p = encoder_pass(theta_at, visible_size, hidden_size, data)
    fixed = _thresholds(theta_at, hidden_size)[:, None]
    moving = xp.exp(log_threshold)[:, None]
    ramp = smoothed_step(p.z - moving, bandwidth)
    f = p.z * gate_of(p.z > fixed, p.z) + fixed * (ramp - smoothed_step(p.z - fixed, bandwidth))
    error = reconstruct(p.blocks, f) - data
    return xp.sum(error * error) / (2 * m) + l0_coefficient * xp.sum(ramp) / m
