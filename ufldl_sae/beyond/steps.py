r"""The minibatch update rules: SGD with momentum and Adam, as pure functions of arrays.

Each rule takes the parameters, a minibatch gradient and the rule's state (SGD's velocity,
Adam's two moment estimates) and returns new ones; nothing is modified in place, and every
array stays on the device and in the dtype of ``theta``, so the same functions run on NumPy,
CuPy or any array-API library. :func:`step_rule` binds a rule, its options and its state into
one function ``step(theta, grad) -> theta`` for the epoch driver
(:func:`~ufldl_sae.beyond.minibatch.minimize_minibatch`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import array_namespace
from ..validation import check_int, check_real

__all__ = ["SOLVERS", "adam_step", "check_step_options", "sgd_momentum_step", "step_rule"]

#: The update rules :func:`step_rule` knows.
SOLVERS = ("adam", "sgd")

Step = Callable[[Any, Any], Any]


def sgd_momentum_step(
    theta: Any, grad: Any, velocity: Any, learning_rate: float, momentum: float
) -> tuple[Any, Any]:
    r"""One step of stochastic gradient descent with classical (heavy-ball) momentum.

    Parameters
    ----------
    theta, grad, velocity : arrays of the same shape, dtype and device
        The parameters, the minibatch gradient at ``theta`` and the velocity (zeros at the
        start). None of them is modified.
    learning_rate : float
        Step size :math:`\eta > 0`.
    momentum : float
        :math:`\mu \in [0, 1)`; 0 gives plain SGD, :math:`\theta - \eta g`.

    Returns
    -------
    theta, velocity : arrays
        The new parameters and velocity, on the device and in the dtype of ``theta``.

    Notes
    -----
    .. math:: v \leftarrow \mu v - \eta\, g, \qquad \theta \leftarrow \theta + v

    The velocity is a running sum of past steps, each weighted by :math:`\mu` once more per step,
    so a constant gradient ends up taking steps :math:`1/(1-\mu)` times larger (10 for
    :math:`\mu = 0.9`), while gradients that flip sign from batch to batch cancel.
    """
    velocity = momentum * velocity - learning_rate * grad
    return theta + velocity, velocity


def adam_step(
    theta: Any,
    grad: Any,
    m: Any,
    v: Any,
    t: int,
    learning_rate: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[Any, Any, Any]:
    r"""One step of Adam (Kingma and Ba, 2015, Algorithm 1), with bias correction.

    Parameters
    ----------
    theta, grad, m, v : arrays of the same shape, dtype and device
        The parameters, the minibatch gradient at ``theta`` and the running first and second
        moment estimates (zeros at the start). None of them is modified.
    t : int
        The step number, starting at 1 (the bias correction divides by :math:`1 - \beta^t`).
    learning_rate : float
        Step size :math:`\alpha > 0`: the largest a coordinate usually moves in one step.
    beta1, beta2 : float
        Decay rates of the moment estimates, in [0, 1).
    eps : float
        :math:`\epsilon > 0`, keeps the division finite where :math:`\hat v` is 0.

    Returns
    -------
    theta, m, v : arrays
        The new parameters and moment estimates, on the device and in the dtype of ``theta``.

    Notes
    -----
    .. math:: m \leftarrow \beta_1 m + (1-\beta_1)\, g, \qquad
              v \leftarrow \beta_2 v + (1-\beta_2)\, g^2

    .. math:: \hat m = \frac{m}{1-\beta_1^t}, \qquad \hat v = \frac{v}{1-\beta_2^t}, \qquad
              \theta \leftarrow \theta - \alpha\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    The moments start at 0, so without the correction they would be biased towards 0 in the
    first steps; with it, the first step is :math:`\alpha\, g/(|g| + \epsilon)`: every coordinate
    moves by :math:`\alpha` against the sign of its gradient, whatever the gradient's scale.
    """
    t = check_int("t", t)
    xp = array_namespace(theta, grad, m, v)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * (grad * grad)
    m_hat = m / (1 - beta1**t)  # Python floats: the arrays keep their dtype
    v_hat = v / (1 - beta2**t)
    return theta - learning_rate * (m_hat / (xp.sqrt(v_hat) + eps)), m, v


def check_step_options(
    solver: Any, learning_rate: Any, momentum: Any, beta1: Any, beta2: Any, eps: Any
) -> None:
    """Validate a rule's options once, before any step; each message names the option and value."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    check_real("learning_rate", learning_rate, low=0.0, low_open=True)
    check_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    check_real("beta1", beta1, low=0.0, high=1.0, high_open=True)
    check_real("beta2", beta2, low=0.0, high=1.0, high_open=True)
    check_real("eps", eps, low=0.0, low_open=True)


def step_rule(
    solver: str,
    theta0: Any,
    *,
    learning_rate: float,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> Step:
    """The update of ``solver`` as ``step(theta, grad) -> theta``, holding its own state.

    The state starts at zero, shaped like ``theta0`` and on its device: SGD's velocity
    (``momentum`` is used), or Adam's two moment estimates and its step counter ``t``, which
    runs on across epochs (``beta1``, ``beta2`` and ``eps`` are used). The options are taken as
    validated (:func:`check_step_options`).
    """
    xp = array_namespace(theta0)
    if solver == "sgd":
        velocity = xp.zeros_like(theta0)

        def sgd(theta: Any, grad: Any) -> Any:
            nonlocal velocity
            theta, velocity = sgd_momentum_step(theta, grad, velocity, learning_rate, momentum)
            return theta

        return sgd
    if solver != "adam":
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    m, v, t = xp.zeros_like(theta0), xp.zeros_like(theta0), 0

    def adam(theta: Any, grad: Any) -> Any:
        nonlocal m, v, t
        t += 1
        theta, m, v = adam_step(theta, grad, m, v, t, learning_rate, beta1, beta2, eps)
        return theta

    return adam
