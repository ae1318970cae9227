r"""The mistakes students make in ``sparse_autoencoder_cost``, each as a variant of the reference.

A mistake is recognized by its signature: the student's cost and gradient equal, to rounding,
what the reference computes with that mistake planted. :func:`variant_cost` is the course's
computation with switches; each switch is one slip, and :data:`MISTAKES` lists, for each stable
code, the switch combinations that count as that mistake (a slip in the cost only, in the
gradient only, or in both, consistently), with the words for the student.

The variant is plain NumPy on the host in float64: the checker feeds the student small NumPy
problems, and a reference that cannot be wrong in a new way is worth more here than speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The switches of :func:`variant_cost`; each is one way of going wrong.
SWITCHES = (
    "rho_hat_per_example_delta",  # delta2's sparsity term uses a2, not rho_hat
    "rho_hat_per_example_cost",  # the KL term of the cost uses a2 (averaged over m), not rho_hat
    "no_sparsity_in_delta2",  # KL in the cost, its derivative never added to delta2
    "sparsity_after_fprime",  # beta(...) added to delta2 after the product with f'(z2)
    "decay_biases_cost",  # (lambda/2)(b1^2 + b2^2) added to the cost
    "decay_biases_grad",  # lambda * b added to the bias gradients
    "decay_without_half_cost",  # lambda * sum(W^2) in the cost
    "decay_without_half_grad",  # 2 * lambda * W in the gradient (consistent with the above)
    "sum_data_cost",  # the data term summed over the examples, not averaged
    "sum_grad",  # the backpropagated gradient summed over the examples, not averaged
    "unpack_row_major",  # W1 and W2 read from theta in C order
    "pack_row_major",  # W1grad and W2grad written in C order
    "fprime_of_z3",  # f'(z3) computed as z3 (1 - z3)
    "fprime_of_z2",  # f'(z2) computed as z2 (1 - z2)
)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # exact rewrite of 1/(1+exp(-z)), never overflows


def variant_cost(
    theta: np.ndarray,
    visible_size: int,
    hidden_size: int,
    lambda_: float,
    sparsity_param: float,
    beta: float,
    data: np.ndarray,
    switches: frozenset[str] = frozenset(),
) -> tuple[float, np.ndarray]:
    r"""The course's :math:`J_{sparse}` and its gradient, with the slips named in ``switches``.

    With no switch this is the same computation as :func:`ufldl_sae.model.sparse_autoencoder_cost`
    (the tests hold it to that), written again so that each slip is one ``if`` beside the line of
    the notes it breaks.

    Returns
    -------
    cost : float
    grad : float64 array of shape (2*hidden*visible + hidden + visible,)
    """
    unknown = set(switches) - set(SWITCHES)
    if unknown:
        raise ValueError(f"switches must be among SWITCHES, got unknown {sorted(unknown)}")
    on = switches.__contains__
    h, v = hidden_size, visible_size
    hv = h * v
    order = "C" if on("unpack_row_major") else "F"
    W1 = theta[:hv].reshape(h, v, order=order)  # (hidden, visible)
    W2 = theta[hv : 2 * hv].reshape(v, h, order=order)  # (visible, hidden)
    b1 = theta[2 * hv : 2 * hv + h]
    b2 = theta[2 * hv + h :]
    m = data.shape[1]
    rho = sparsity_param

    z2 = W1 @ data + b1[:, None]  # (hidden, m)
    a2 = _sigmoid(z2)
    z3 = W2 @ a2 + b2[:, None]  # (visible, m)
    a3 = _sigmoid(z3)
    rho_hat = a2.mean(axis=1)  # (hidden,)

    # The cost, term by term.
    data_term = 0.5 * np.sum((a3 - data) ** 2)
    cost = data_term if on("sum_data_cost") else data_term / m
    decay = np.sum(W1**2) + np.sum(W2**2)
    cost += (lambda_ if on("decay_without_half_cost") else lambda_ / 2) * decay
    if on("decay_biases_cost"):
        cost += lambda_ / 2 * (np.sum(b1**2) + np.sum(b2**2))
    if beta > 0:
        if on("rho_hat_per_example_cost"):
            kl = rho * np.log(rho / a2) + (1 - rho) * np.log((1 - rho) / (1 - a2))
            cost += beta * np.sum(kl) / m
        else:
            kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
            cost += beta * np.sum(kl)

    # Backpropagation.
    fprime3 = z3 * (1 - z3) if on("fprime_of_z3") else a3 * (1 - a3)
    fprime2 = z2 * (1 - z2) if on("fprime_of_z2") else a2 * (1 - a2)
    delta3 = -(data - a3) * fprime3  # (visible, m)
    if on("rho_hat_per_example_delta"):
        sparsity = beta * (-rho / a2 + (1 - rho) / (1 - a2))  # (hidden, m)
    else:
        sparsity = (beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)))[:, None]  # (hidden, 1)
    if beta == 0 or on("no_sparsity_in_delta2"):
        delta2 = (W2.T @ delta3) * fprime2
    elif on("sparsity_after_fprime"):
        delta2 = (W2.T @ delta3) * fprime2 + sparsity
    else:
        delta2 = (W2.T @ delta3 + sparsity) * fprime2  # (hidden, m)

    scale = 1.0 if on("sum_grad") else 1.0 / m
    decay_factor = 2 * lambda_ if on("decay_without_half_grad") else lambda_
    W1grad = scale * delta2 @ data.T + decay_factor * W1
    W2grad = scale * delta3 @ a2.T + decay_factor * W2
    b1grad = scale * delta2.sum(axis=1)
    b2grad = scale * delta3.sum(axis=1)
    if on("decay_biases_grad"):
        b1grad = b1grad + lambda_ * b1
        b2grad = b2grad + lambda_ * b2
    out = "C" if on("pack_row_major") else "F"
    grad = np.concatenate([W1grad.ravel(order=out), W2grad.ravel(order=out), b1grad, b2grad])
    return float(cost), grad


@dataclass(frozen=True)
class Mistake:
    """A known mistake: its stable code, the switch sets that produce it, and its explanation."""

    code: str
    signatures: tuple[frozenset[str], ...]
    title: str
    explanation: str

    def message(self) -> str:
        return f"{self.title}\n{self.explanation}"


def _sig(*groups: str) -> tuple[frozenset[str], ...]:
    """Switch sets from ``"a+b"`` strings (one set per string)."""
    return tuple(frozenset(g.split("+")) for g in groups)


#: The known mistakes, by code. The codes are part of the checker's interface.
MISTAKES: dict[str, Mistake] = {
    m.code: m
    for m in (
        Mistake(
            "rho-hat-per-example",
            _sig(
                "rho_hat_per_example_delta",
                "rho_hat_per_example_cost+rho_hat_per_example_delta",
                "rho_hat_per_example_cost",
            ),
            "The sparsity term uses each example's own activation a2 instead of rho_hat.",
            "rho_hat_j is the AVERAGE activation of hidden unit j over all m examples, "
            "rho_hat_j = (1/m) sum_i a2_j(x_i), and both KL(rho || rho_hat_j) and its derivative "
            "beta(-rho/rho_hat_j + (1-rho)/(1-rho_hat_j)) use that one number per hidden unit. "
            "Compute rho_hat = mean(a2, axis=1) after the forward pass over the whole batch, and "
            "use it (broadcast over the columns) in delta2.",
        ),
        Mistake(
            "sparsity-missing-from-delta2",
            _sig("no_sparsity_in_delta2"),
            "The KL sparsity penalty is in your cost, but its derivative is not in delta2.",
            "The notes' backpropagation for the sparse autoencoder changes delta2 to "
            "delta2 = (W2^T delta3 + beta(-rho/rho_hat + (1-rho)/(1-rho_hat))) .* f'(z2). "
            "Without the beta(...) term the gradient is that of the cost with no sparsity "
            "penalty, so the hidden units are never pushed towards rho.",
        ),
        Mistake(
            "sparsity-outside-derivative",
            _sig("sparsity_after_fprime"),
            "The sparsity term beta(-rho/rho_hat + (1-rho)/(1-rho_hat)) is added to delta2 after "
            "the product with f'(z2), instead of before.",
            "In the notes it sits inside the parentheses: "
            "delta2 = (W2^T delta3 + beta(-rho/rho_hat + (1-rho)/(1-rho_hat))) .* f'(z2). "
            "The chain rule multiplies the whole derivative with respect to a2 by f'(z2).",
        ),
        Mistake(
            "weight-decay-on-biases",
            _sig(
                "decay_biases_cost+decay_biases_grad",
                "decay_biases_grad",
                "decay_biases_cost",
            ),
            "Your weight decay also decays the biases b1 and b2.",
            "The notes' weight decay term (lambda/2) sum_l sum_i sum_j (W_ji^(l))^2 sums over "
            "the weights W1 and W2 only; the biases are not decayed, so the bias gradients are "
            "just (1/m) sum_i delta_i, with no lambda * b.",
        ),
        Mistake(
            "weight-decay-without-half",
            _sig(
                "decay_without_half_cost+decay_without_half_grad",
                "decay_without_half_cost",
                "decay_without_half_grad",
            ),
            "Your weight decay term is lambda * sum(W^2) instead of (lambda/2) * sum(W^2).",
            "The notes define the weight decay term as (lambda/2)(sum(W1.^2) + sum(W2.^2)); "
            "the 1/2 is there so that its derivative is exactly lambda * W. The cost and the "
            "gradient must use the same convention.",
        ),
        Mistake(
            "not-averaged-over-m",
            _sig("sum_data_cost", "sum_grad", "sum_data_cost+sum_grad"),
            "The data term (or its gradient) is summed over the m examples instead of averaged.",
            "The notes' cost is J = (1/m) sum_i (1/2)||h(x_i) - x_i||^2 + ..., and the gradient "
            "is (1/m) Delta W + lambda W: divide the squared error and the accumulated "
            "delta products by m (the number of columns of data), but not the weight decay.",
        ),
        Mistake(
            "theta-row-major",
            _sig("unpack_row_major+pack_row_major", "unpack_row_major", "pack_row_major"),
            "theta is unpacked (or the gradient packed) in C, row-major order.",
            "The course's layout is theta = [W1(:); W2(:); b1; b2], where W(:) stacks the "
            "COLUMNS of W (MATLAB's column-major order). In NumPy read W1 with "
            "theta[:h*v].reshape(h, v, order='F') and write it back with W1grad.ravel(order='F'); "
            "a plain reshape(h, v) reads the rows instead.",
        ),
        Mistake(
            "sigmoid-derivative-of-z",
            _sig("fprime_of_z2+fprime_of_z3", "fprime_of_z3", "fprime_of_z2"),
            "f'(z) is computed as z(1 - z) instead of a(1 - a).",
            "For the sigmoid f(z) = 1/(1 + exp(-z)) the derivative is f'(z) = f(z)(1 - f(z)), "
            "which is a(1 - a) with the activation a = f(z), not z(1 - z) with the input z. "
            "Use a3 .* (1 - a3) in delta3 and a2 .* (1 - a2) in delta2.",
        ),
    )
}
