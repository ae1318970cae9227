"""An independent, example-by-example implementation of the notes, for the tests only.

It loops over the examples as the notes' first backpropagation algorithm does, accumulating
Delta W and Delta b, so it shares no code and no vectorization with ``ufldl_sae.model``. A ``bug``
argument plants the classic mistakes, to prove the gradient check catches them.
"""

from __future__ import annotations

import numpy as np

BUGS = (None, "rho-hat-per-example", "sparsity-missing-from-delta2", "weight-decay-on-biases")


def matlab_theta(W1, W2, b1, b2) -> np.ndarray:
    """theta built as MATLAB builds it: [W1(:); W2(:); b1; b2] with column-major W(:)."""
    return np.concatenate([W1.flatten(order="F"), W2.flatten(order="F"), b1, b2])


def matlab_unpack(theta, v, h):
    hv = h * v
    W1 = theta[:hv].reshape((h, v), order="F")
    W2 = theta[hv : 2 * hv].reshape((v, h), order="F")
    return W1, W2, theta[2 * hv : 2 * hv + h], theta[2 * hv + h :]


def f(z):
    return 1.0 / (1.0 + np.exp(-z))


def reference_cost(theta, v, h, lambda_, rho, beta, data, bug=None):
    """Cost and gradient, one example at a time, with an optional planted bug."""
    W1, W2, b1, b2 = matlab_unpack(np.asarray(theta, dtype=np.float64), v, h)
    m = data.shape[1]
    a2s = [f(W1 @ data[:, i] + b1) for i in range(m)]
    rho_hat = sum(a2s) / m
    dW1, dW2 = np.zeros_like(W1), np.zeros_like(W2)
    db1, db2 = np.zeros_like(b1), np.zeros_like(b2)
    squared_error = 0.0
    for i in range(m):
        x, a2 = data[:, i], a2s[i]
        a3 = f(W2 @ a2 + b2)
        squared_error += 0.5 * np.sum((a3 - x) ** 2)
        delta3 = -(x - a3) * a3 * (1 - a3)
        if bug == "rho-hat-per-example":
            sparse = beta * (-rho / a2 + (1 - rho) / (1 - a2))
        elif bug == "sparsity-missing-from-delta2":
            sparse = 0.0
        else:
            sparse = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        delta2 = (W2.T @ delta3 + sparse) * a2 * (1 - a2)
        dW2 += np.outer(delta3, a2)
        db2 += delta3
        dW1 += np.outer(delta2, x)
        db1 += delta2
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    cost = squared_error / m + lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2)) + beta * kl.sum()
    grads = [dW1 / m + lambda_ * W1, dW2 / m + lambda_ * W2, db1 / m, db2 / m]
    if bug == "weight-decay-on-biases":  # decays the biases in the gradient, not in the cost
        grads[2] = grads[2] + lambda_ * b1
        grads[3] = grads[3] + lambda_ * b2
    return cost, matlab_theta(*grads)
