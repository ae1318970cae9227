"""A correct, vectorized sparse_autoencoder_cost: the honest classmate of the attack tests.

The grading tests build each adversarial submission from an attack followed by this text, so
that the attack is the only thing that can change the verdict.
"""

import numpy as np


def sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data):
    h, v = hidden_size, visible_size
    W1 = theta[: h * v].reshape(h, v, order="F")
    W2 = theta[h * v : 2 * h * v].reshape(v, h, order="F")
    b1, b2 = theta[2 * h * v : 2 * h * v + h], theta[2 * h * v + h :]
    m, rho = data.shape[1], sparsity_param
    a2 = 1 / (1 + np.exp(-(W1 @ data + b1[:, None])))
    a3 = 1 / (1 + np.exp(-(W2 @ a2 + b2[:, None])))
    rho_hat = a2.mean(axis=1)
    kl = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    decay = lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2))
    cost = 0.5 / m * np.sum((a3 - data) ** 2) + decay + beta * kl
    delta3 = -(data - a3) * a3 * (1 - a3)
    sparse = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
    delta2 = (W2.T @ delta3 + sparse[:, None]) * a2 * (1 - a2)
    W1grad = delta2 @ data.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2
    grad = np.concatenate(
        [W1grad.ravel(order="F"), W2grad.ravel(order="F"), delta2.mean(1), delta3.mean(1)]
    )
    return float(cost), grad
