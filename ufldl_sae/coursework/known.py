r"""Known quantities and known wrong versions of each term and block, for the relation probes.

For one small problem, the notes' forward pass gives every quantity a slip could add, drop or
replace: :math:`\lambda W`, :math:`\lambda b`, the sparsity term placed outside :math:`f'(z_2)`,
:math:`\hat\rho` taken from one example, :math:`f'(z)` written as :math:`a` alone. Each is
computed here from the notes' equations,

.. math::

    \delta_3 = -(x - a_3) \odot f'(z_3), \qquad
    \delta_2 = (W_2^T \delta_3 + \beta(-\rho/\hat\rho + (1-\rho)/(1-\hat\rho))) \odot f'(z_2),

so that :mod:`.relations` can tell which one the student's block equals. Plain NumPy float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import sigmoid
from ..params import unpack
from .compare import Problem


@dataclass(frozen=True)
class Alternative:
    """A named wrong version of a term's block: its code, its words and the variable it is in."""

    code: str
    words: str
    variable: str
    value: np.ndarray


def forward(problem: Problem) -> dict[str, np.ndarray]:
    """The notes' forward pass on the problem: W1, W2, b1, b2, x, z2, a2, z3, a3, rho_hat.

    The package's :func:`~ufldl_sae.params.unpack` and :func:`~ufldl_sae.model.sigmoid`, with
    the pre-activations z2 and z3 kept (the probes and :mod:`.nonfinite` need them).
    """
    theta, x = problem.arrays()
    W1, W2, b1, b2 = unpack(theta, problem.visible, problem.hidden)
    z2 = W1 @ x + b1[:, None]
    a2 = sigmoid(z2)
    z3 = W2 @ a2 + b2[:, None]
    a3 = sigmoid(z3)
    return {
        "W1": W1, "W2": W2, "b1": b1, "b2": b2, "x": x,
        "z2": z2, "a2": a2, "z3": z3, "a3": a3, "rho_hat": a2.mean(axis=1),
    }  # fmt: skip


def _grads(f: dict[str, np.ndarray], delta3: np.ndarray, delta2: np.ndarray) -> dict:
    m = f["x"].shape[1]
    return {
        "W1": (delta2 @ f["x"].T / m).ravel(order="F"),
        "W2": (delta3 @ f["a2"].T / m).ravel(order="F"),
        "b1": delta2.sum(axis=1) / m,
        "b2": delta3.sum(axis=1) / m,
    }


def data_gradient(f: dict[str, np.ndarray], fprime3: np.ndarray, fprime2: np.ndarray) -> dict:
    """The data term's gradient, by block, with the given f'(z3) and f'(z2)."""
    delta3 = -(f["x"] - f["a3"]) * fprime3
    return _grads(f, delta3, (f["W2"].T @ delta3) * fprime2)


def sparsity_gradient(
    f: dict[str, np.ndarray],
    rho: float,
    beta: float,
    rho_hat: np.ndarray,
    inside: bool = True,
    fprime2: np.ndarray | None = None,
) -> dict:
    """The sparsity term's gradient, by block, with the given rho_hat and f'(z2), inside or not."""
    rho_hat = rho_hat if rho_hat.ndim == 2 else rho_hat[:, None]
    term = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) * np.ones_like(f["a2"])
    fp2 = f["a2"] * (1 - f["a2"]) if fprime2 is None else fprime2
    delta2 = term * fp2 if inside else term
    return _grads(f, np.zeros_like(f["a3"]), delta2)


def kl_cost(rho: float, beta: float, rho_hat: np.ndarray) -> float:
    """beta * sum_j KL(rho || rho_hat_j), averaged over columns when rho_hat is (hidden, m)."""
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    return float(beta * np.sum(kl) / (1 if rho_hat.ndim == 1 else rho_hat.shape[1]))


def alternatives(problem: Problem) -> dict[tuple[str, str], list[Alternative]]:
    """The named wrong versions of each (term, block), from the notes' quantities."""
    f = forward(problem)
    rho, beta = problem.rho, problem.beta
    a2, a3 = f["a2"], f["a3"]
    fp2, fp3 = a2 * (1 - a2), a3 * (1 - a3)
    out: dict[tuple[str, str], list[Alternative]] = {}

    def add(term: str, code: str, words: str, variable: str, blocks: dict) -> None:
        for block, value in blocks.items():
            out.setdefault((term, block), []).append(
                Alternative(code, words, variable, np.atleast_1d(value))
            )

    for fp, words in (
        (a3, "f'(z3) is written as a3 alone: the factor (1 - a3) of a3(1 - a3) is missing"),
        (1 - a3, "f'(z3) is written as (1 - a3) alone: the factor a3 of a3(1 - a3) is missing"),
        (np.ones_like(a3), "delta3 has no f'(z3): the notes' delta3 = -(y - a3) .* a3(1 - a3)"),
    ):  # fmt: skip
        add("data term", "missing-term", words, "delta3", data_gradient(f, fp, fp2))
    for fp, words in (
        (a2, "f'(z2) is written as a2 alone: the factor (1 - a2) of a2(1 - a2) is missing"),
        (np.ones_like(a2), "delta2 has no f'(z2): the notes' delta2 = (W2^T delta3) .* a2(1 - a2)"),
    ):  # fmt: skip
        grads = data_gradient(f, fp3, fp)
        add("data term", "missing-term", words, "delta2", {"W1": grads["W1"], "b1": grads["b1"]})
        grads = sparsity_gradient(f, rho, beta, f["rho_hat"], fprime2=fp)
        add("sparsity", "missing-term", words, "delta2", {"W1": grads["W1"], "b1": grads["b1"]})

    one = {0: "the first example, a2[:, 0]", a2.shape[1] - 1: "the last example, a2[:, -1]"}
    for k, which in one.items():
        words = (
            f"rho_hat is taken from {which}, not averaged over the m examples: the notes' "
            "rho_hat_j = (1/m) sum_i a2_j(x_i)"
        )
        grads = sparsity_gradient(f, rho, beta, a2[:, k])
        add("sparsity", "one-example", words, "rho_hat", {"W1": grads["W1"], "b1": grads["b1"]})
        add("sparsity", "one-example", words, "rho_hat", {"cost": kl_cost(rho, beta, a2[:, k])})
    grads = sparsity_gradient(f, rho, beta, f["rho_hat"], inside=False)
    add(
        "sparsity",
        "sparsity-outside-derivative",
        "the sparsity term beta(-rho/rho_hat + (1-rho)/(1-rho_hat)) is added to delta2 after the "
        "product with f'(z2); in the notes it is inside: (W2^T delta3 + beta(...)) .* f'(z2)",
        "delta2",
        {"W1": grads["W1"], "b1": grads["b1"]},
    )
    for fixed in (0.01, 0.05, 0.1, 0.035):
        if abs(fixed - rho) < 1e-12:
            continue
        words = f"rho is fixed at {fixed:g} instead of the argument sparsity_param"
        grads = sparsity_gradient(f, fixed, beta, f["rho_hat"])
        blocks = {"W1": grads["W1"], "b1": grads["b1"], "cost": kl_cost(fixed, beta, f["rho_hat"])}
        add("sparsity", "hard-coded", words, "rho", blocks)
    rh = f["rho_hat"][:, None]
    half = beta * (rho / rh + (1 - rho) / (1 - rh)) * fp2
    add(
        "sparsity",
        "sign-flipped",
        "the sign of -rho/rho_hat is flipped: the notes' derivative is "
        "beta(-rho/rho_hat + (1-rho)/(1-rho_hat))",
        "sparsity",
        {"W1": (half @ f["x"].T / a2.shape[1]).ravel(order="F"), "b1": half.mean(axis=1)},
    )
    return out


#: The weights added to the gradient without lambda: seen in the data term (lambda = 0 there).
WITHOUT_LAMBDA = {
    "W1": "W1 without its factor lambda (the notes add lambda * W1)",
    "W2": "W2 without its factor lambda (the notes add lambda * W2)",
}

#: The penalty whose factor is missing, by the words of the data term's extra quantity.
UNSCALED = {"lambda": "weight decay", "beta": "sparsity"}


def quantities(problem: Problem) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """Named additive quantities per (term, block): what a slip adds or drops."""
    f = forward(problem)
    lam = problem.lambda_
    outside = sparsity_gradient(f, problem.rho, problem.beta, f["rho_hat"], inside=False)
    unscaled = sparsity_gradient(f, problem.rho, 1.0, f["rho_hat"])
    no_beta = "the sparsity derivative without its factor beta (the notes' is beta(...))"
    return {
        ("data term", "W1"): {
            WITHOUT_LAMBDA["W1"]: f["W1"].ravel(order="F"),
            no_beta: unscaled["W1"],
        },
        ("data term", "W2"): {WITHOUT_LAMBDA["W2"]: f["W2"].ravel(order="F")},
        ("data term", "b1"): {no_beta: unscaled["b1"]},
        ("data term", "cost"): {
            "the KL sparsity term without its factor beta": np.atleast_1d(
                kl_cost(problem.rho, 1.0, f["rho_hat"])
            ),
            "the weight decay term without its factor lambda": np.atleast_1d(
                0.5 * (np.sum(f["W1"] ** 2) + np.sum(f["W2"] ** 2))
            ),
        },
        ("weight decay", "b1"): {"lambda * b1": lam * f["b1"]},
        ("weight decay", "b2"): {"lambda * b2": lam * f["b2"]},
        ("weight decay", "cost"): {
            "(lambda/2)(sum(b1.^2) + sum(b2.^2))": np.atleast_1d(
                lam / 2 * (np.sum(f["b1"] ** 2) + np.sum(f["b2"] ** 2))
            ),
            "(lambda/2) sum(b1.^2)": np.atleast_1d(lam / 2 * np.sum(f["b1"] ** 2)),
            "(lambda/2) sum(W1.^2)": np.atleast_1d(lam / 2 * np.sum(f["W1"] ** 2)),
            "(lambda/2) sum(W2.^2)": np.atleast_1d(lam / 2 * np.sum(f["W2"] ** 2)),
        },
        ("sparsity", "W1"): {"the sparsity term outside f'(z2)": outside["W1"]},
        ("sparsity", "b1"): {"the sparsity term outside f'(z2)": outside["b1"]},
    }


def constants(problem: Problem) -> dict[str, float]:
    """The constants a factor may be, by name; the probe problems keep them all distinct."""
    m, beta, lam = problem.m, problem.beta, problem.lambda_
    return {
        "m": m, "1/m": 1 / m, "2": 2.0, "1/2": 0.5, "beta": beta, "1/beta": 1 / beta,
        "lambda": lam, "1/lambda": 1 / lam, "4": 4.0, "1/4": 0.25, "m/2": m / 2, "2/m": 2 / m,
    }  # fmt: skip
