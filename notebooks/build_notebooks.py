"""Write the seven teaching notebooks from the Python source below, and optionally run them.

The notebooks are generated, so their text lives here, under review like any other code::

    python notebooks/build_notebooks.py              # write notebooks/*.ipynb, without outputs
    python notebooks/build_notebooks.py --execute    # write them, then run each at full size

``--execute`` runs every notebook in a fresh kernel with nbclient and saves it with its outputs:
that is how the committed files are made (the full-size runs, never the quick ones). Name
notebooks to build only those (``--only 04``). ``tests/test_notebooks.py`` runs the committed
notebooks again in quick mode (``UFLDL_SAE_NOTEBOOK_QUICK=1``) and checks that their cells are
still the ones written here.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

#: First cell of every notebook that plots: small inline figures keep the repository light.
PLOT_SETUP = """\
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (5, 3.2)})"""

#: Read by the notebooks that train: the one documented size parameter.
QUICK_SETUP = """\
import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1\""""


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip())


# ---------------------------------------------------------------------------------------------
# 1. Forward pass and cost
# ---------------------------------------------------------------------------------------------

NB01 = [
    md(r"""
    # 1. Forward pass and cost

    This notebook walks through the cost of the sparse autoencoder on a network small enough to
    check by hand: 4 inputs, 3 hidden units, 4 outputs, 3 examples. Keep the CS294A notes open at
    the sections *Neural networks* (the feedforward pass) and *Autoencoders and sparsity* (the
    cost $J_{sparse}$). Every function used here comes from the `ufldl_sae` package; the notebook
    recomputes each step with plain NumPy beside it, so you can see that the package does
    nothing more than the equations.
    """),
    code(f"""
    import numpy as np

    from ufldl_sae import pack, sparse_autoencoder_cost, sparse_autoencoder_cost_terms
    from ufldl_sae.model import forward, kl_divergence, sigmoid, sparsity_cost

    np.set_printoptions(precision=4, suppress=True)
    {PLOT_SETUP.replace(chr(10), chr(10) + "    ")}
    """),
    md(r"""
    ## A 4-3-4 network with round numbers

    As in the course's code, examples are the **columns** of `data` (visible x m), $W^{(1)}$ is
    hidden x visible (row $j$ holds the weights into hidden unit $j$) and $W^{(2)}$ is
    visible x hidden. The weights are multiples of 0.1 so that the first products can be done on
    paper.
    """),
    code("""
    W1 = np.array([[0.1, -0.2, 0.3, 0.0],
                   [0.0, 0.1, -0.1, 0.2],
                   [-0.3, 0.0, 0.1, 0.1]])  # (hidden, visible) = (3, 4)
    b1 = np.array([0.0, 0.1, -0.1])  # (hidden,)
    W2 = np.array([[0.2, 0.0, -0.1],
                   [0.1, 0.1, 0.0],
                   [0.0, -0.2, 0.3],
                   [-0.1, 0.2, 0.1]])  # (visible, hidden) = (4, 3)
    b2 = np.array([0.0, 0.1, 0.0, -0.1])  # (visible,)
    data = np.array([[0.2, 0.8, 0.5],
                     [0.4, 0.1, 0.5],
                     [0.6, 0.3, 0.5],
                     [0.8, 0.9, 0.5]])  # (visible, m): three examples, one per column
    visible_size, hidden_size = W1.shape[1], W1.shape[0]
    m = data.shape[1]
    print(f"{visible_size}-{hidden_size}-{visible_size} autoencoder, m = {m} examples")
    """),
    md(r"""
    ## The feedforward pass, one unit by hand

    The notes' feedforward equations are
    $z^{(2)} = W^{(1)} x + b^{(1)}$, $a^{(2)} = f(z^{(2)})$,
    $z^{(3)} = W^{(2)} a^{(2)} + b^{(2)}$, $a^{(3)} = f(z^{(3)})$,
    with the sigmoid $f(z) = 1 / (1 + e^{-z})$. Hidden unit 1 (index 0 in Python) on the first
    example is a dot
    product of the first row of `W1` with the first column of `data`, plus the bias; the cell
    writes the sum out.
    """),
    code("""
    x = data[:, 0]
    products = " + ".join(f"({w:g})({v:g})" for w, v in zip(W1[0], x))
    z = W1[0] @ x + b1[0]
    print(f"z2[0] = {products} + ({b1[0]:g}) = {z:.4f}")
    print(f"a2[0] = f(z2[0]) = 1 / (1 + exp({-z:.4f})) = {1 / (1 + np.exp(-z)):.6f}")
    """),
    md(r"""
    ## All units and all examples at once

    Stacking the examples as columns turns the per-example equations into matrix products: one
    column of `z2` per example. The bias is added to every column (`b1[:, None]` broadcasts a
    column vector). The last lines check the package's `forward` against these four lines.
    """),
    code("""
    z2 = W1 @ data + b1[:, None]  # (hidden, m)
    a2 = sigmoid(z2)  # (hidden, m)
    z3 = W2 @ a2 + b2[:, None]  # (visible, m)
    a3 = sigmoid(z3)  # (visible, m)
    for name, value in [("z2", z2), ("a2", a2), ("z3", z3), ("a3", a3)]:
        print(f"{name} {value.shape} =\\n{value}\\n")

    a2_pkg, a3_pkg = forward(W1, W2, b1, b2, data)
    assert np.allclose(a2_pkg, a2, rtol=0, atol=1e-15)
    assert np.allclose(a3_pkg, a3, rtol=0, atol=1e-15)
    print("ufldl_sae.model.forward gives the same a2 and a3")
    """),
    md(r"""
    ## The three cost terms, separately

    The notes' cost of the sparse autoencoder is

    $$J_{sparse}(W,b) = \underbrace{\frac{1}{m}\sum_{i=1}^m
    \frac{1}{2}\left\lVert a^{(3)}(x^{(i)}) - x^{(i)}\right\rVert^2}_{\text{reconstruction}}
    + \underbrace{\frac{\lambda}{2}\sum_{l}\sum_{i,j}
    \left(W^{(l)}_{ji}\right)^2}_{\text{weight decay}}
    + \underbrace{\beta\sum_{j=1}^{s_2}\mathrm{KL}(\rho\,\|\,\hat\rho_j)}_{\text{sparsity}}$$

    with $\hat\rho_j = \frac{1}{m}\sum_{i=1}^m a^{(2)}_j(x^{(i)})$ and
    $\mathrm{KL}(\rho\,\|\,\hat\rho_j) = \rho\log\frac{\rho}{\hat\rho_j}
    + (1-\rho)\log\frac{1-\rho}{1-\hat\rho_j}$.
    The weight decay covers the weights only, never the biases. The settings are those of the
    course's vectorization exercise (MNIST): $\lambda = 3\cdot 10^{-3}$, $\rho = 0.1$,
    $\beta = 3$.
    """),
    code("""
    lambda_, rho, beta = 3e-3, 0.1, 3.0

    reconstruction = np.sum((a3 - data) ** 2) / (2 * m)
    weight_decay = lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2))
    rho_hat = a2.mean(axis=1)  # (hidden,): one average per hidden unit, over all m examples
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    sparsity = beta * kl.sum()

    print(f"reconstruction  {reconstruction:.12f}")
    print(f"weight decay    {weight_decay:.12f}")
    print(f"sparsity        {sparsity:.12f}   (rho_hat = {rho_hat})")
    """),
    md(r"""
    The package takes the parameters as one vector, in the course's layout
    `theta = [W1(:); W2(:); b1; b2]` (MATLAB's column-major `W(:)`: `theta` starts with the first
    *column* of `W1`). The sum of the three terms above is the cost that
    `sparse_autoencoder_cost` returns; the `assert` fails the notebook if it is not.
    """),
    code("""
    theta = pack(W1, W2, b1, b2)
    assert np.array_equal(theta[:hidden_size], W1[:, 0])  # column-major: W1's first column first
    cost, grad = sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, rho, beta, data)

    total = reconstruction + weight_decay + sparsity
    print(f"sum of the three terms   {total:.12f}")
    print(f"sparse_autoencoder_cost  {float(cost):.12f}")
    assert abs(total - float(cost)) < 1e-12

    terms = sparse_autoencoder_cost_terms(theta, visible_size, hidden_size, lambda_, rho, beta,
                                          data)
    print(terms)
    assert np.allclose(terms, [reconstruction, weight_decay, sparsity], rtol=1e-12, atol=0)
    """),
    md(r"""
    ## What $\hat\rho_j$ is, and why it needs the whole batch

    $\hat\rho_j$ is the **average activation of hidden unit $j$ over the training set**. The
    sparsity penalty asks that average to be close to $\rho$: a unit may fire strongly, but on few
    examples. The dots below are the activations $a^{(2)}_j(x^{(i)})$ of each unit on each
    example, the bars their averages $\hat\rho_j$, the dashed line the target $\rho$.
    """),
    code("""
    fig, ax = plt.subplots()
    units = np.arange(hidden_size)
    ax.bar(units, rho_hat, width=0.5, color="tab:blue", alpha=0.5,
           label=r"$\\hat\\rho_j$ (average)")
    for i in range(m):
        ax.plot(units, a2[:, i], "o", label=f"$a^{{(2)}}_j$ on example {i + 1}")
    ax.axhline(rho, color="tab:red", linestyle="--", label=r"target $\\rho$")
    ax.set(title="Hidden activations and their averages", xlabel="hidden unit j",
           ylabel="activation", xticks=units, ylim=(0, 1))
    ax.legend(fontsize=8, loc="upper right")
    plt.show()
    """),
    md(r"""
    The reconstruction term is an average of one number per example, so it could be accumulated
    example by example. The sparsity term is not: $\mathrm{KL}$ is applied to the *average*
    $\hat\rho_j$, and the KL of an average is not the average of the KLs. The cell below computes
    both. Because the penalty couples all examples, the notes point out that a full forward pass
    over every example must come first, to know $\hat\rho$, before backpropagation can form any
    $\delta^{(2)}$ (notebook 2).
    """),
    code("""
    per_example = [beta * kl_divergence(rho, a2[:, i]).sum() for i in range(m)]
    print(f"beta * sum_j KL(rho || rho_hat_j)                      = "
          f"{float(sparsity_cost(rho, rho_hat, beta)):.6f}   <- the cost's sparsity term")
    print(f"mean over examples of beta * sum_j KL(rho || a2_j(x_i)) = "
          f"{np.mean(per_example):.6f}   <- not the same")

    # Adding one example changes rho_hat, hence the penalty, for every unit at once:
    extra = np.array([[0.9], [0.9], [0.1], [0.1]])
    a2_more, _ = forward(W1, W2, b1, b2, np.hstack([data, extra]))
    print(f"rho_hat with {m} examples: {rho_hat}")
    print(f"rho_hat with {m + 1} examples: {a2_more.mean(axis=1)}")
    """),
    md(r"""
    ## Summary

    * The forward pass is two matrix products and two sigmoids for the whole batch;
    * $J_{sparse}$ is reconstruction + weight decay + sparsity, and the package's cost is exactly
      their sum (asserted above);
    * $\hat\rho$ is a per-unit average over **all** examples, which is why the sparse autoencoder
      needs a full-batch forward pass before its backward pass. Notebook 2 derives that backward
      pass.
    """),
]

# ---------------------------------------------------------------------------------------------
# 2. Backpropagation and the sparsity delta
# ---------------------------------------------------------------------------------------------

NB02 = [
    md(r"""
    # 2. Backpropagation and the sparsity delta

    The gradient of $J_{sparse}$, derived by hand as in the notes' section *Backpropagation
    algorithm*, with the change that the section *Autoencoders and sparsity* makes to
    $\delta^{(2)}$. We reuse the 4-3-4 network of notebook 1, and at the end compare every
    gradient with the package's `sparse_autoencoder_cost`.
    """),
    code(f"""
    import numpy as np

    from ufldl_sae import pack, sparse_autoencoder_cost, unpack
    from ufldl_sae.model import forward, kl_divergence, sparsity_delta

    np.set_printoptions(precision=5, suppress=True)
    {PLOT_SETUP.replace(chr(10), chr(10) + "    ")}
    """),
    code("""
    W1 = np.array([[0.1, -0.2, 0.3, 0.0], [0.0, 0.1, -0.1, 0.2], [-0.3, 0.0, 0.1, 0.1]])  # (3, 4)
    b1 = np.array([0.0, 0.1, -0.1])
    W2 = np.array([[0.2, 0.0, -0.1], [0.1, 0.1, 0.0], [0.0, -0.2, 0.3], [-0.1, 0.2, 0.1]])  # (4, 3)
    b2 = np.array([0.0, 0.1, 0.0, -0.1])
    data = np.array([[0.2, 0.8, 0.5], [0.4, 0.1, 0.5], [0.6, 0.3, 0.5], [0.8, 0.9, 0.5]])  # (4, m)
    visible_size, hidden_size, m = 4, 3, data.shape[1]
    lambda_, rho, beta = 3e-3, 0.1, 3.0

    a2, a3 = forward(W1, W2, b1, b2, data)  # (hidden, m), (visible, m)
    rho_hat = a2.mean(axis=1)  # (hidden,): needs the whole batch, see notebook 1
    print("rho_hat =", rho_hat)
    """),
    md(r"""
    ## $\delta^{(3)}$: the output layer

    For the squared error and the sigmoid, whose derivative is $f'(z) = f(z)(1 - f(z))$, the
    notes give $\delta^{(3)} = -(y - a^{(3)}) \bullet f'(z^{(3)})$. An autoencoder's target is
    its input, $y = x$, so
    $\delta^{(3)} = -(x - a^{(3)}) \bullet a^{(3)}(1 - a^{(3)})$, one column per example.
    """),
    code("""
    delta3 = -(data - a3) * a3 * (1 - a3)  # (visible, m)
    print(f"delta3 {delta3.shape} =\\n{delta3}")
    """),
    md(r"""
    ## $\delta^{(2)}$ without and with the sparsity term

    Plain backpropagation sends $\delta^{(3)}$ back through $W^{(2)}$:
    $\delta^{(2)} = \left((W^{(2)})^T\delta^{(3)}\right) \bullet f'(z^{(2)})$.
    The sparsity penalty depends on $a^{(2)}$ through $\hat\rho_j$, so its derivative joins the
    back-propagated error **inside the parentheses, before the product with $f'(z^{(2)})$**:

    $$\delta^{(2)}_i = \left(\sum_{j=1}^{s_3} W^{(2)}_{ji}\,\delta^{(3)}_j
    + \beta\left(-\frac{\rho}{\hat\rho_i} + \frac{1-\rho}{1-\hat\rho_i}\right)\right)
    f'(z^{(2)}_i).$$

    The added term, `sparsity_delta`, is one number per hidden unit: it is the same for every
    example (it depends on $\hat\rho$, not on $x$), so it is broadcast across the columns.
    """),
    code("""
    f_prime2 = a2 * (1 - a2)  # (hidden, m)
    delta2_plain = (W2.T @ delta3) * f_prime2  # (hidden, m), beta = 0
    sparse = sparsity_delta(rho, rho_hat, beta)  # (hidden,)
    assert np.all(rho_hat > rho) and np.all(sparse > 0)  # used in the text below
    delta2 = (W2.T @ delta3 + sparse[:, None]) * f_prime2  # (hidden, m)

    print("beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) =", sparse)
    print(f"delta2 without the sparsity term =\\n{delta2_plain}")
    print(f"delta2 with it =\\n{delta2}")
    assert np.allclose(delta2 - delta2_plain, sparse[:, None] * f_prime2)
    """),
    md(r"""
    Every $\hat\rho_j$ above is larger than $\rho$ (the cell above prints them), so every
    entry of `sparsity_delta` is positive: the gradient step $-\alpha\nabla J$ lowers the bias
    of each hidden unit, and its incoming weights (the inputs here are all positive), so its
    average activation falls towards $\rho$. The next figure shows why, for every value of
    $\hat\rho$.

    ## The KL penalty and its derivative

    Left: $\mathrm{KL}(\rho\,\|\,\hat\rho)$ as a function of $\hat\rho$, zero at $\hat\rho =
    \rho$ and growing without bound towards 0 and 1. Right: its derivative
    $-\rho/\hat\rho + (1-\rho)/(1-\hat\rho)$, the term of $\delta^{(2)}$ (with $\beta = 1$):
    negative below $\rho$ (gradient descent raises the activation), positive above it (lowers
    it).
    """),
    code("""
    grid = np.linspace(0.002, 0.998, 500)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    for target, color in ((rho, "tab:blue"), (0.01, "tab:orange")):
        left.plot(grid, kl_divergence(target, grid), color=color, label=rf"$\\rho$ = {target:g}")
        right.plot(grid, sparsity_delta(target, grid, 1.0), color=color,
                   label=rf"$\\rho$ = {target:g}")
        for ax in (left, right):
            ax.axvline(target, color=color, linestyle=":", linewidth=1)  # the minimum, the zero
    left.set(title=r"penalty KL($\\rho\\,\\|\\,\\hat\\rho$)", xlabel=r"$\\hat\\rho$", ylabel="KL",
             ylim=(0, 3))
    right.axhline(0, color="grey", linewidth=0.8)
    right.set(title=r"derivative $-\\rho/\\hat\\rho + (1-\\rho)/(1-\\hat\\rho)$",
              xlabel=r"$\\hat\\rho$", ylabel=r"d KL / d$\\hat\\rho$", ylim=(-20, 20))
    for ax in (left, right):
        ax.legend()
    fig.tight_layout()
    plt.show()

    print(f"derivative at rho_hat = rho: {sparsity_delta(rho, np.array([rho]), 1.0)[0]:.1e}")
    """),
    md(r"""
    ## The gradients of $W^{(1)}, W^{(2)}, b^{(1)}, b^{(2)}$

    With the deltas, the notes' batch gradient is

    $$\nabla_{W^{(l)}} J = \frac{1}{m}\,\delta^{(l+1)} (a^{(l)})^T + \lambda W^{(l)}, \qquad
    \nabla_{b^{(l)}} J = \frac{1}{m}\sum_{i=1}^m \delta^{(l+1)}(x^{(i)}),$$

    with $a^{(1)} = x$. The matrix product $\delta^{(l+1)}(a^{(l)})^T$ is the sum over
    examples of the notes' per-example $\Delta W^{(l)} \mathrel{+}= \delta^{(l+1)}(a^{(l)})^T$;
    the loop below checks that too. The biases get no weight decay.
    """),
    code("""
    W1grad = delta2 @ data.T / m + lambda_ * W1  # (hidden, visible)
    W2grad = delta3 @ a2.T / m + lambda_ * W2  # (visible, hidden)
    b1grad = delta2.sum(axis=1) / m  # (hidden,)
    b2grad = delta3.sum(axis=1) / m  # (visible,)

    # The notes' accumulation, one example at a time, gives the same W1 gradient:
    Delta_W1 = np.zeros_like(W1)
    for i in range(m):
        Delta_W1 += np.outer(delta2[:, i], data[:, i])
    assert np.allclose(Delta_W1 / m + lambda_ * W1, W1grad)

    names = ("W1grad", "W2grad", "b1grad", "b2grad")
    for name, value in zip(names, (W1grad, W2grad, b1grad, b2grad)):
        print(f"{name} =\\n{value}")
    """),
    md(r"""
    ## The same numbers from the package

    `sparse_autoencoder_cost` returns the gradient as one vector in the layout of `theta`;
    `unpack` cuts it back into the four blocks. The asserts compare each block with the cell above.
    Leaving `sparse[:, None]` out of `delta2` would give the gradient of the cost *without* its
    sparsity term, a classic bug that notebook 3 catches with a gradient check.
    """),
    code("""
    theta = pack(W1, W2, b1, b2)
    cost, grad = sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, rho, beta, data)
    for name, ours, theirs in zip(("W1", "W2", "b1", "b2"), (W1grad, W2grad, b1grad, b2grad),
                                  unpack(grad, visible_size, hidden_size)):
        assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-15), name
        print(f"{name}: largest difference from the package {np.abs(ours - theirs).max():.1e}")

    _, grad_no_sparsity = sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, rho,
                                                  0.0, data)
    W1_no_sparsity = unpack(grad_no_sparsity, visible_size, hidden_size)[0]
    assert np.allclose(W1_no_sparsity, delta2_plain @ data.T / m + lambda_ * W1)
    print("with beta = 0 the package's W1 gradient is the one built from delta2 without the term")
    """),
    md(r"""
    ## Summary

    * $\delta^{(3)} = -(x - a^{(3)})\bullet a^{(3)}(1-a^{(3)})$; the autoencoder's target is its
      input.
    * The sparsity term $\beta(-\rho/\hat\rho + (1-\rho)/(1-\hat\rho))$ is added to
      $(W^{(2)})^T\delta^{(3)}$ **before** the product with $f'(z^{(2)})$, one value per hidden
      unit shared by all examples.
    * The gradients are averages over examples, plus $\lambda W$ for the weights only.
    """),
]

# ---------------------------------------------------------------------------------------------
# 3. Gradient checking
# ---------------------------------------------------------------------------------------------

NB03 = [
    md(r"""
    # 3. Gradient checking

    A hand-derived gradient is easy to get almost right. The notes' section *Gradient checking
    and advanced optimization* compares it with a numerical estimate,

    $$\frac{\partial J}{\partial\theta_i} \approx
    \frac{J(\theta + \epsilon e_i) - J(\theta - \epsilon e_i)}{2\epsilon},$$

    and the course's exercise reports $\lVert g_{num} - g\rVert / \lVert g_{num} + g\rVert$.
    This notebook runs the course's own check, then the autoencoder's, block by block and term by
    term, then plants three classic bugs and watches the check fail.
    """),
    code(f"""
    import numpy as np

    from ufldl_sae import (check_numerical_gradient, compute_numerical_gradient, gradient_check,
                           initialize_parameters, pack, relative_difference,
                           sparse_autoencoder_cost, unpack)
    from ufldl_sae.data import load_natural_images, normalize_data, sample_images
    from ufldl_sae.model import (forward, reconstruction_cost, sparsity_cost, sparsity_delta,
                                 weight_decay_cost)
    from ufldl_sae.params import block_slices

    {QUICK_SETUP.replace(chr(10), chr(10) + "    ")}
    {PLOT_SETUP.replace(chr(10), chr(10) + "    ")}
    """),
    md(r"""
    ## The course's check of the checker

    `checkNumericalGradient.m` first tests the numerical gradient on a function whose gradient is
    known: $h(x) = x_1^2 + 3x_1x_2$ at $x = (4, 10)$, gradient $(2x_1 + 3x_2,\ 3x_1) = (38, 12)$.
    The course prints a relative difference of 2.1452e-12 there, and asks for less than 1e-9.
    """),
    code("""
    diff = check_numerical_gradient()
    assert diff < 1e-9
    """),
    md(r"""
    The cell above prints the two gradients side by side and their relative difference, to be
    compared with the course's 2.1452e-12.

    ## The autoencoder, with the course's centered difference

    The course's problem: 8x8 patches of the whitened natural images, 25 hidden units,
    $\rho = 0.01$, $\lambda = 10^{-4}$, $\beta = 3$, and only 10 patches (the check costs two cost
    evaluations per parameter, and the gradient's correctness does not depend on $m$). The biases
    are drawn at random instead of zero, so that every block of the gradient is exercised.
    """),
    code("""
    visible_size, hidden_size, lambda_, rho, beta = 64, 25, 1e-4, 0.01, 3.0
    patches = normalize_data(sample_images(load_natural_images(), 8, 10, rng=0))  # (64, 10)
    rng = np.random.default_rng(0)
    theta = initialize_parameters(hidden_size, visible_size, rng)
    theta[2 * hidden_size * visible_size:] = rng.normal(0, 0.2, hidden_size + visible_size)

    def J(t):
        return sparse_autoencoder_cost(t, visible_size, hidden_size, lambda_, rho, beta, patches)

    numgrad = compute_numerical_gradient(J, theta, epsilon=1e-4)  # the course's centered difference
    diff = relative_difference(numgrad, J(theta)[1])
    print(f"{theta.size} parameters, relative difference {diff:.3e}")
    """),
    md(r"""
    ## Block by block and term by term

    The overall figure hides small blocks: $b^{(1)}$ and $b^{(2)}$ are 89 of 3,289 numbers, so a
    wrong bias gradient hardly moves it. `gradient_check` therefore reports each block on its own,
    and each term of the cost on its own: the data term alone ($\lambda = \beta = 0$), then with
    weight decay, then with sparsity. A failure then names the block and the term to look at. It
    uses a five-point stencil, whose error shrinks as $\epsilon^4$ instead of $\epsilon^2$, so that
    a correct gradient stays below the float64 threshold of 1e-9 even in blocks whose gradient is
    small.
    """),
    code("""
    # Quick mode checks a random sample of 15 coordinates per block instead of all 3,289.
    report = gradient_check(theta, visible_size, hidden_size, lambda_, rho, beta, patches,
                            num_checks=15 if QUICK else None, rng=0)
    print(report)
    assert report.passed
    """),
    md(r"""
    ## Three classic bugs, planted on purpose

    Below are three **deliberately wrong copies** of the cost. Each computes the cost correctly
    (so the numerical gradient is the true one) and gets one line of the gradient wrong, the way
    students do:

    1. **$\hat\rho$ per example**: the sparsity term of $\delta^{(2)}$ uses each example's own
       $a^{(2)}$ instead of the batch average $\hat\rho$;
    2. **sparsity term missing from $\delta^{(2)}$**: the gradient of the cost without its penalty;
    3. **weight decay on the biases**: $\lambda b$ added to the bias gradients, though the cost
       does not decay the biases.

    They share the correct forward pass and cost; only the marked line differs. A smaller
    problem (8 inputs, 5 hidden units, 10 examples in [0, 0.45]) keeps the check instant.
    """),
    code("""
    def forward_and_cost(theta, v, h, lambda_, rho, beta, data):
        \"\"\"The correct forward pass and cost, shared by the wrong copies below.\"\"\"
        W1, W2, b1, b2 = unpack(theta, v, h)
        a2, a3 = forward(W1, W2, b1, b2, data)  # (h, m), (v, m)
        rho_hat = a2.mean(axis=1)  # (h,)
        cost = (reconstruction_cost(a3, data) + weight_decay_cost(W1, W2, lambda_)
                + sparsity_cost(rho, rho_hat, beta))
        delta3 = -(data - a3) * a3 * (1 - a3)  # (v, m)
        return W1, W2, b1, b2, a2, rho_hat, cost, delta3


    def wrong_cost_rho_hat_per_example(theta, v, h, lambda_, rho, beta, data):
        \"\"\"DELIBERATELY WRONG COPY (bug 1): delta2's sparsity term uses a2, not rho_hat.\"\"\"
        parts = forward_and_cost(theta, v, h, lambda_, rho, beta, data)
        W1, W2, b1, b2, a2, rho_hat, cost, delta3 = parts
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, a2, beta)) * a2 * (1 - a2)  # BUG: a2
        m = data.shape[1]
        return cost, pack(delta2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                          delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)


    def wrong_cost_sparsity_missing(theta, v, h, lambda_, rho, beta, data):
        \"\"\"DELIBERATELY WRONG COPY (bug 2): the sparsity term is left out of delta2.\"\"\"
        parts = forward_and_cost(theta, v, h, lambda_, rho, beta, data)
        W1, W2, b1, b2, a2, rho_hat, cost, delta3 = parts
        delta2 = (W2.T @ delta3) * a2 * (1 - a2)  # BUG: the sparsity_delta term is missing
        m = data.shape[1]
        return cost, pack(delta2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                          delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)


    def wrong_cost_decayed_biases(theta, v, h, lambda_, rho, beta, data):
        \"\"\"DELIBERATELY WRONG COPY (bug 3): weight decay applied to the bias gradients.\"\"\"
        parts = forward_and_cost(theta, v, h, lambda_, rho, beta, data)
        W1, W2, b1, b2, a2, rho_hat, cost, delta3 = parts
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None]) * a2 * (1 - a2)
        m = data.shape[1]
        return cost, pack(delta2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                          delta2.sum(axis=1) / m + lambda_ * b1,  # BUG: + lambda_ * b1
                          delta3.sum(axis=1) / m + lambda_ * b2)  # BUG: + lambda_ * b2
    """),
    md(r"""
    The check below is a few lines of the same recipe as `gradient_check`, written out so that it
    accepts any cost function: the five-point numerical gradient, compared overall and per block,
    for the data term alone, then with each penalty, then with both. It is run on the package's
    own cost first, to show what a correct gradient looks like.
    """),
    code("""
    v, h, THRESHOLD = 8, 5, 1e-9
    rng = np.random.default_rng(1)
    small_theta = initialize_parameters(h, v, rng)
    small_theta[2 * h * v:] = rng.normal(0, 0.2, h + v)  # nonzero biases, or bug 3 would hide
    small_data = rng.uniform(0.0, 0.45, (v, 10))
    TERMS = {"data term alone": (0.0, 0.0), "+ weight decay": (lambda_, 0.0),
             "+ sparsity": (0.0, beta), "all terms": (lambda_, beta)}


    def check(cost_function):
        \"\"\"Relative differences {term: {block: value}}, printed as a table with PASS/FAIL.\"\"\"
        table = {}
        print(f"{'':<16}" + "".join(f"{name:>11}" for name in ("overall", "W1", "W2", "b1", "b2")))
        for term, (lam, b) in TERMS.items():
            J = lambda t: cost_function(t, v, h, lam, rho, b, small_data)
            numerical = compute_numerical_gradient(J, small_theta, 1e-3, order=4)
            analytical = J(small_theta)[1]
            row = {"overall": relative_difference(numerical, analytical)}
            for block, s in block_slices(v, h).items():
                row[block] = relative_difference(numerical[s], analytical[s])
            table[term] = row
            print(f"{term:<16}" + "".join(f"{x:>11.1e}" for x in row.values()),
                  "  PASS" if max(row.values()) < THRESHOLD else "  FAIL")
        return table


    correct = check(sparse_autoencoder_cost)
    assert all(max(row.values()) < THRESHOLD for row in correct.values())
    """),
    md(r"""
    ### Bug 1: $\hat\rho$ per example
    """),
    code("""
    bug1 = check(wrong_cost_rho_hat_per_example)
    assert bug1["data term alone"]["overall"] < THRESHOLD < bug1["+ sparsity"]["W1"]
    """),
    md(r"""
    The data term alone and the weight decay pass, because the bug lives in the sparsity term;
    the rows with sparsity fail in $W^{(1)}$ and $b^{(1)}$, the blocks that $\delta^{(2)}$ feeds,
    while $W^{(2)}$ and $b^{(2)}$, which depend only on $\delta^{(3)}$, pass.

    ### Bug 2: sparsity term missing from $\delta^{(2)}$
    """),
    code("""
    bug2 = check(wrong_cost_sparsity_missing)
    assert bug2["+ weight decay"]["overall"] < THRESHOLD < bug2["+ sparsity"]["b1"]
    """),
    md(r"""
    The same signature as bug 1 (only the rows with sparsity fail, only in $W^{(1)}$ and
    $b^{(1)}$), but the differences in the table are of a different size: here the whole
    derivative of the penalty is missing, there it was evaluated at the wrong point.

    ### Bug 3: weight decay on the biases
    """),
    code("""
    bug3 = check(wrong_cost_decayed_biases)
    assert bug3["+ sparsity"]["overall"] < THRESHOLD < bug3["+ weight decay"]["b2"]
    assert bug3["all terms"]["W1"] < THRESHOLD and bug3["all terms"]["W2"] < THRESHOLD
    assert bug3["all terms"]["overall"] < bug3["all terms"]["b2"]
    row = bug3["all terms"]
    print(f"\\nall terms: b2 block {row['b2']:.1e}, overall {row['overall']:.1e}")
    """),
    md(r"""
    Only the rows with weight decay fail, and only in the bias blocks. The last line printed
    compares the $b^{(2)}$ block with the overall figure: the error sits in 13 of 93 numbers, and
    the weight blocks, correct and much larger, dilute it in the overall figure. On this small
    problem the overall figure still fails; the more weights a network has (the course's has 89
    biases among 3,289 parameters), the closer a bias error comes to hiding in it. This is why the
    check is read block by block. (With the biases at their initial value 0 this bug is
    invisible: check at a point with nonzero biases.)

    ## Why float32 cannot pass a float64 threshold

    The numerical gradient divides a difference of two costs by $2\epsilon$. The costs are
    rounded to the working precision, with unit roundoff $u$ ($2^{-53}$ in float64, $2^{-24}$ in
    float32), so the estimate carries a rounding error of about $u|J|/\epsilon$, while the
    truncation error of the centered difference grows as $\epsilon^2$. The sum is smallest near
    $\epsilon \approx u^{1/3}$, where the error is about $u^{2/3}$. The next cell sweeps
    $\epsilon$ on the small problem with the course's centered difference, in both precisions.
    """),
    code("""
    epsilons = np.logspace(-8, -0.5, 16)
    curves = {}
    for dtype in (np.float64, np.float32):
        data_d = small_data.astype(dtype)
        J = lambda t: sparse_autoencoder_cost(t, v, h, lambda_, rho, beta, data_d)
        theta_d = small_theta.astype(dtype)
        exact = sparse_autoencoder_cost(small_theta, v, h, lambda_, rho, beta, small_data)[1]
        curves[dtype.__name__] = [
            relative_difference(compute_numerical_gradient(J, theta_d, e), exact) for e in epsilons
        ]
        u = np.finfo(dtype).eps / 2
        print(f"{dtype.__name__}: unit roundoff {u:.1e}, u^(2/3) = {u ** (2 / 3):.1e}, "
              f"best relative difference in the sweep {min(curves[dtype.__name__]):.1e}")
    assert min(curves["float64"]) < 1e-9 < min(curves["float32"])  # used in the text below

    fig, ax = plt.subplots()
    for name, values in curves.items():
        ax.loglog(epsilons, values, "o-", label=name)
    ax.axhline(1e-9, color="tab:red", linestyle="--", label="float64 threshold 1e-9")
    ax.set(title="Centered difference against the exact gradient", xlabel=r"step $\\epsilon$",
           ylabel="relative difference")
    ax.legend()
    plt.show()
    """),
    md(r"""
    The float64 curve dips below the dashed threshold around the course's $\epsilon = 10^{-4}$;
    the float32 curve bottoms out orders of magnitude above it, whatever the step (the cell above
    prints both minima). A float32 implementation is therefore checked against its own stated
    threshold: `gradient_check` uses 2e-3 in float32 and says so in its report. Weighed against
    1e-9 the same correct gradient would fail.
    """),
    code("""
    report32 = gradient_check(theta.astype(np.float32), visible_size, hidden_size, lambda_, rho,
                              beta, patches.astype(np.float32), num_checks=15, rng=0)
    print(report32)
    assert report32.passed and report32.difference > 1e-9
    """),
    md(r"""
    ## Summary

    * The course's quadratic check validates the checker itself (the first cell's figure).
    * Check each block and each term separately: bias blocks are too small to move the overall
      number, and the failing term tells you which line of the gradient to read.
    * Each classic bug has a signature: bugs 1 and 2 fail only with sparsity, in $W^{(1)}$ and
      $b^{(1)}$; bug 3 fails only with weight decay, in $b^{(1)}$ and $b^{(2)}$.
    * Float32 rounding alone leaves a relative difference far above 1e-9: check in float64, or
      against float32's own threshold.
    """),
]

# ---------------------------------------------------------------------------------------------
# 4. Natural images to edge detectors
# ---------------------------------------------------------------------------------------------

NB04 = [
    md(r"""
    # 4. Natural images to edge detectors

    The course's sparse autoencoder exercise, end to end: sample 8x8 patches from whitened
    natural images, normalize them, train a 64-25-64 sparse autoencoder with L-BFGS, and look at
    what the hidden units have learned. The settings are the course's: 25 hidden units,
    $\rho = 0.01$, $\lambda = 10^{-4}$, $\beta = 3$, 10,000 patches, 400 iterations. Then two
    variations: no sparsity penalty ($\beta = 0$), and images that are not whitened.
    """),
    code(f"""
    import numpy as np

    from ufldl_sae import (initialize_parameters, sparse_autoencoder_cost_terms,
                           train_sparse_autoencoder, unpack)
    from ufldl_sae.data import load_natural_images, normalize_data, sample_images
    from ufldl_sae.model import forward
    from ufldl_sae.optimize import ProgressPrinter
    from ufldl_sae.plots.network import display_network

    {QUICK_SETUP.replace(chr(10), chr(10) + "    ")}
    NUM_PATCHES = 2000 if QUICK else 10000
    MAX_ITER = 40 if QUICK else 400
    visible_size, hidden_size, rho, lambda_, beta = 64, 25, 0.01, 1e-4, 3.0
    print(f"{{NUM_PATCHES}} patches, {{MAX_ITER}} iterations" + (" (quick mode)" if QUICK else ""))
    {PLOT_SETUP.replace(chr(10), chr(10) + "    ")}
    """),
    md(r"""
    ## The whitened images

    The package ships ten public-domain photographs, whitened as Olshausen and Field whitened the
    course's `IMAGES.mat` (the course's file cannot be redistributed; `data/README.md` gives the
    sources and the recipe). Whitening flattens the power spectrum: the slow changes of
    brightness that dominate photographs are damped and edges stand out.
    """),
    code("""
    images = load_natural_images()  # (300, 300, 10), like IMAGES.mat
    raw_images = load_natural_images(whitened=False)  # the same crops before whitening
    fig, axes = plt.subplots(2, 3, figsize=(5, 3.6))
    for k in range(3):
        for row, (stack, label) in enumerate([(raw_images, "raw"), (images, "whitened")]):
            axes[row, k].imshow(stack[100:200, 100:200, k], cmap="gray")  # the central 100 x 100
            axes[row, k].set_title(f"image {k + 1}, {label}", fontsize=9)
            axes[row, k].axis("off")
    fig.suptitle("Centres of three of the ten images, before and after whitening")
    fig.tight_layout()
    plt.show()
    print(f"images: {images.shape}, mean {images.mean():.3g}, "
          f"variance per image {images.var(axis=(0, 1)).mean():.3g}")
    """),
    md(r"""
    ## Sampling and normalizing patches

    `sample_images` follows `sampleIMAGES.m`: a random image, a random 8x8 window, flattened
    column-major into a column of 64 values. `normalize_data` follows the course's
    `normalizeData`: remove each patch's mean, truncate at $\pm 3$ standard deviations, and map
    $[-1, 1]$ to $[0.1, 0.9]$, the range a sigmoid output unit can reach (it can never produce
    exactly 0 or 1). The histograms show the pixel values before and after.
    """),
    code("""
    raw_patches = sample_images(images, 8, NUM_PATCHES, rng=0)  # (64, NUM_PATCHES)
    patches = normalize_data(raw_patches)  # (64, NUM_PATCHES), values in [0.1, 0.9]

    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 2.8))
    left.hist(raw_patches.ravel(), bins=100, color="tab:gray")
    left.set(title="sampled patches (whitened pixels)", xlabel="pixel value", ylabel="count")
    right.hist(patches.ravel(), bins=100, color="tab:blue")
    right.set(title="after normalize_data", xlabel="pixel value", ylabel="count")
    fig.tight_layout()
    plt.show()
    for name, p in [("raw", raw_patches), ("normalized", patches)]:
        print(f"{name:>10}: min {p.min():+.3f}  max {p.max():+.3f}  "
              f"mean {p.mean():+.3f}  std {p.std():.3f}")
    """),
    md(r"""
    The spikes at both ends of the right histogram are the values truncated at three standard
    deviations; the centre of the distribution is at 0.5, since each patch lost its own mean.
    Here are 100 of the normalized patches, shown with the course's `display_network`:
    """),
    code("""
    def show_mosaic(columns, title, cols=None, normalize=True, size=3.2):
        \"\"\"A display_network mosaic (one tile per column) on a grey scale.\"\"\"
        fig, ax = plt.subplots(figsize=(size, size))
        ax.imshow(display_network(columns, cols, normalize=normalize), cmap="gray", vmin=-1, vmax=1)
        ax.set_title(title)
        ax.axis("off")
        plt.show()


    show_mosaic(patches[:, :100], "100 normalized 8x8 patches", normalize=False)
    """),
    md(r"""
    ## Training with the course's settings

    `train_sparse_autoencoder` minimizes $J_{sparse}$ (notebooks 1 and 2) with L-BFGS, as the
    course's `train.m` does with minFunc, from the course's random initialization: weights
    uniform in $\pm\sqrt{6}/\sqrt{n_{in} + n_{out} + 1}$, biases zero.
    """),
    code("""
    theta0 = initialize_parameters(hidden_size, visible_size, rng=0)
    args = (visible_size, hidden_size, lambda_, rho, beta)  # the course's order
    result = train_sparse_autoencoder(theta0, *args, patches, max_iter=MAX_ITER,
                                      progress=ProgressPrinter(every=50))
    terms = sparse_autoencoder_cost_terms(result.theta, *args, patches)
    print(f"\\n{result.n_iter} iterations, {result.n_evals} evaluations, "
          f"{result.wall_time:.1f} s: {result.message}")
    print(f"final cost {result.cost:.4f} = reconstruction {terms.reconstruction:.4f} + "
          f"weight decay {terms.weight_decay:.4f} + sparsity {terms.sparsity:.4f}")
    assert result.cost < result.history[0].cost
    """),
    md(r"""
    ## The filters

    Each tile is one row of $W^{(1)}$, the weights from the 64 pixels into one hidden unit,
    drawn as an 8x8 image: as the notes' section *Visualizing a trained autoencoder* shows, that
    is the input (of bounded norm) that excites the unit most. On whitened natural images the
    sparse autoencoder learns localized, oriented edge detectors, like the receptive fields of
    simple cells in the primary visual cortex.
    """),
    code("""
    W1, W2, b1, b2 = unpack(result.theta, visible_size, hidden_size)
    show_mosaic(W1.T, f"W1 after {result.n_iter} iterations (beta = {beta:g})")
    """),
    md(r"""
    ## The loss curve

    The cost after each L-BFGS iteration. Most of the fall happens in the first few dozen
    iterations; the rest refines the filters.
    """),
    code("""
    fig, ax = plt.subplots()
    ax.semilogy([r.iteration for r in result.history], [r.cost for r in result.history])
    ax.set(title=r"$J_{sparse}$ during training", xlabel="L-BFGS iteration",
           ylabel="cost (log scale)")
    plt.show()
    """),
    md(r"""
    ## Reconstructions

    Top row: ten patches; bottom row: the network's outputs $a^{(3)}$ for them, on the same grey
    scale $[0.1, 0.9]$, the range of `normalize_data`. The outputs are much flatter than the
    inputs: with $\rho = 0.01$ each patch is rebuilt from the few units that respond to it, at
    low activation, so only the strongest edges leave a trace. The cell also prints the share of
    the patches' variance that the outputs explain. That is the price of sparsity: the goal of
    the exercise is the features (the filters above), not a faithful copy; the run without the
    penalty, below, reconstructs better with worse features.
    """),
    code("""
    def show_reconstructions(originals, outputs, side, title):
        \"\"\"Originals (top) and reconstructions (bottom), on the grey scale [0.1, 0.9].\"\"\"
        n = originals.shape[1]
        fig, axes = plt.subplots(2, n, figsize=(0.7 * n, 1.8))
        for i in range(n):
            for row, columns in enumerate((originals, outputs)):
                axes[row, i].imshow(columns[:, i].reshape(side, side, order="F"), cmap="gray",
                                    vmin=0.1, vmax=0.9)  # column-major, as sampleIMAGES
                axes[row, i].axis("off")
        axes[0, 0].set_title("input", fontsize=8, loc="left")
        axes[1, 0].set_title("output", fontsize=8, loc="left")
        fig.suptitle(title, fontsize=10)
        plt.show()


    def explained(outputs, inputs):
        \"\"\"Share of the inputs' variance that the outputs reproduce.\"\"\"
        return 1 - np.sum((outputs - inputs) ** 2) / np.sum((inputs - inputs.mean()) ** 2)


    a2, a3 = forward(W1, W2, b1, b2, patches)  # (25, m), (64, m)
    show_reconstructions(patches[:, :10], a3[:, :10], 8, "Ten patches and their reconstructions")
    print(f"the outputs explain {100 * explained(a3, patches):.0f}% of the patches' variance")
    """),
    md(r"""
    ## Are the hidden units sparse?

    Left: every activation $a^{(2)}_j(x^{(i)})$ of every unit on every patch (log counts); a
    sparse code is a spike near 0 and a thin tail. Right: each unit's average $\hat\rho_j$
    against the target $\rho$. The cell prints the mean of $\hat\rho$ and the share of
    activations above 0.1.
    """),
    code("""
    rho_hat = a2.mean(axis=1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 2.8))
    left.hist(a2.ravel(), bins=50, log=True, color="tab:blue")
    left.axvline(rho, color="tab:red", linestyle="--", label=rf"$\\rho$ = {rho:g}")
    left.set(title="all hidden activations", xlabel=r"$a^{(2)}$", ylabel="count (log)")
    left.legend()
    right.bar(np.arange(hidden_size), rho_hat)
    right.axhline(rho, color="tab:red", linestyle="--", label=rf"$\\rho$ = {rho:g}")
    right.set(title="average activation per unit", xlabel="hidden unit j",
              ylabel=r"$\\hat\\rho_j$")
    right.set_ylim(0, 1.5 * max(rho_hat.max(), rho))
    right.legend(loc="upper right")
    fig.tight_layout()
    plt.show()
    print(f"mean rho_hat {rho_hat.mean():.4f} (target {rho}), min {rho_hat.min():.4f}, "
          f"max {rho_hat.max():.4f}; activations above 0.1: {100 * np.mean(a2 > 0.1):.1f}%")
    """),
    md(r"""
    ## Without the sparsity penalty ($\beta = 0$)

    The same data, the same starting point, the penalty switched off. Nothing now keeps the
    hidden units quiet: compare the filters and the printed average activation with the run
    above.
    """),
    code("""
    args_dense = (visible_size, hidden_size, lambda_, rho, 0.0)  # beta = 0
    result_dense = train_sparse_autoencoder(theta0, *args_dense, patches, max_iter=MAX_ITER)
    W1_dense, W2_dense, b1_dense, b2_dense = unpack(result_dense.theta, visible_size, hidden_size)
    a2_dense, a3_dense = forward(W1_dense, W2_dense, b1_dense, b2_dense, patches)
    print(f"beta = 0: {result_dense.n_iter} iterations, {result_dense.wall_time:.1f} s, "
          f"cost {result_dense.cost:.4f}")
    print(f"mean activation {a2_dense.mean():.3f} (with beta = {beta:g}: {a2.mean():.4f}); "
          f"activations above 0.1: {100 * np.mean(a2_dense > 0.1):.1f}%")
    print(f"the outputs explain {100 * explained(a3_dense, patches):.0f}% of the patches' variance "
          f"(with beta = {beta:g}: {100 * explained(a3, patches):.0f}%)")
    show_mosaic(W1_dense.T, "W1 with beta = 0")
    """),
    md(r"""
    Without the penalty the code is dense: the units are partly on for most patches (the cell
    prints the mean activation and the share above 0.1), the reconstructions are better (the
    explained variance printed beside the sparse run's), and the filters lose their structure:
    25 units that are all active at once can share the work of reconstruction through weights
    that look like noise, and no unit needs to specialize in one localized edge. The sparsity
    penalty is what makes each unit pick one feature.

    ## Without whitening

    Now the same exercise on the raw (unwhitened) crops of the same photographs,
    `load_natural_images(whitened=False)`, sampled and normalized the same way.
    """),
    code("""
    patches_raw = normalize_data(sample_images(raw_images, 8, NUM_PATCHES, rng=0))
    result_raw = train_sparse_autoencoder(theta0, *args, patches_raw, max_iter=MAX_ITER)
    W1_raw = unpack(result_raw.theta, visible_size, hidden_size)[0]
    print(f"unwhitened: {result_raw.n_iter} iterations, {result_raw.wall_time:.1f} s, "
          f"cost {result_raw.cost:.4f}")
    show_mosaic(W1_raw.T, "W1 on unwhitened images")
    """),
    md(r"""
    Unwhitened patches are dominated by smooth gradients of brightness, whose variance swamps
    that of the edges; the filters follow that: they are broader and smoother, low-frequency
    patterns rather than the crisp, localized edges of the whitened run. Whitening removes the
    correlations between neighbouring pixels so that the autoencoder spends its units on edges.

    ## Summary

    * `normalize_data` puts each patch, mean removed, into $[0.1, 0.9]$, the sigmoid's
      reachable range.
    * With the course's settings the 25 filters become localized oriented edges; the cells above
      print the final cost, its three terms and the time taken.
    * The sparsity penalty keeps the average activation near $\rho$ and makes the units
      specialize; whitening makes them specialize on edges.
    """),
]

# ---------------------------------------------------------------------------------------------
# 5. MNIST pen strokes
# ---------------------------------------------------------------------------------------------

NB05 = [
    md(r"""
    # 5. MNIST pen strokes

    The course's vectorization exercise: the same sparse autoencoder, now on the first 10,000
    MNIST training digits (28x28 = 784 pixels), with 196 hidden units, $\rho = 0.1$,
    $\lambda = 3\cdot10^{-3}$, $\beta = 3$ and 400 L-BFGS iterations. The exercise exists
    because a cost written with a loop over examples is far too slow at this size: the
    implementation has to be matrix products over the whole batch (notebook 1). The hidden units
    then learn pen strokes.
    """),
    code(f"""
    import time

    import numpy as np

    from ufldl_sae import (initialize_parameters, sparse_autoencoder_cost_terms,
                           train_sparse_autoencoder, unpack)
    from ufldl_sae.tuning import blas_threads
    from ufldl_sae.data import fetch_mnist, load_mnist_images, verify_mnist_folder
    from ufldl_sae.model import forward, sigmoid
    from ufldl_sae.optimize import ProgressPrinter
    from ufldl_sae.plots.network import display_network

    {QUICK_SETUP.replace(chr(10), chr(10) + "    ")}
    NUM_IMAGES = 1000 if QUICK else 10000
    MAX_ITER = 25 if QUICK else 400
    visible_size, hidden_size, rho, lambda_, beta = 784, 196, 0.1, 3e-3, 3.0
    print(f"{{NUM_IMAGES}} images, {{MAX_ITER}} iterations" + (" (quick mode)" if QUICK else ""))
    {PLOT_SETUP.replace(chr(10), chr(10) + "    ")}
    """),
    md(r"""
    ## The data

    The four original MNIST files are read from the folder named by the environment variable
    `UFLDL_SAE_MNIST_DIR` when it is set (each file is checked against its published SHA-256),
    otherwise downloaded once by `fetch_mnist()` into a cache. `load_mnist_images` returns
    784 x N values in $[0, 1]$, one digit per column, flattened column-major as the course's
    `loadMNISTImages.m` does.
    """),
    code("""
    folder = os.environ.get("UFLDL_SAE_MNIST_DIR")
    files = verify_mnist_folder(folder) if folder else fetch_mnist()
    images = load_mnist_images(files["train_images"])[:, :NUM_IMAGES]  # (784, NUM_IMAGES)
    print(f"images {images.shape}, values in [{images.min():g}, {images.max():g}], "
          f"{100 * np.mean(images == 0):.0f}% of pixels exactly 0")


    def show_mosaic(columns, title, size=3.6):
        \"\"\"A display_network mosaic (one tile per column) on a grey scale.\"\"\"
        fig, ax = plt.subplots(figsize=(size, size))
        ax.imshow(display_network(columns), cmap="gray", vmin=-1, vmax=1)
        ax.set_title(title)
        ax.axis("off")
        plt.show()


    show_mosaic(images[:, :100], "The first 100 training digits")
    """),
    md(r"""
    ## Why vectorize

    The feedforward pass of the notes, one example at a time, against the same pass as two
    matrix products over the whole batch (timed on 1,000 digits with the initial weights). The
    results are the same; the cell prints both times (the best of three runs, on one BLAS thread so
    that the comparison is of the code, not of the thread pool).
    """),
    code("""
    theta0 = initialize_parameters(hidden_size, visible_size, rng=0)
    W1, W2, b1, b2 = unpack(theta0, visible_size, hidden_size)
    batch = images[:, :1000]

    def best_time(f, repeats=3):
        \"\"\"The best of a few runs of f(), in seconds, on one BLAS thread.\"\"\"
        times = []
        with blas_threads(1):
            for _ in range(repeats):
                start = time.perf_counter()
                result = f()
                times.append(time.perf_counter() - start)
        return result, min(times)


    def one_at_a_time():
        return np.column_stack([sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2) for x in batch.T])


    a3_loop, loop_s = best_time(one_at_a_time)
    a3_batch, batch_s = best_time(lambda: forward(W1, W2, b1, b2, batch)[1])
    assert np.allclose(a3_loop, a3_batch)
    print(f"loop over examples {1000 * loop_s:.1f} ms, matrix products {1000 * batch_s:.1f} ms "
          f"({loop_s / batch_s:.0f}x faster), same a3")
    """),
    md(r"""
    ## Training

    The same `train_sparse_autoencoder` as for the patches, with the exercise's settings. The
    cost and gradient take about a hundred times more arithmetic per evaluation than the
    patches' (784 x 196 weights and 10,000 examples, against 64 x 25 and 10,000), so this is
    the long run of the series; the cell prints its time.
    """),
    code("""
    args = (visible_size, hidden_size, lambda_, rho, beta)  # the course's order
    result = train_sparse_autoencoder(theta0, *args, images, max_iter=MAX_ITER,
                                      progress=ProgressPrinter(every=50))
    terms = sparse_autoencoder_cost_terms(result.theta, *args, images)
    print(f"\\n{result.n_iter} iterations, {result.n_evals} evaluations, "
          f"{result.wall_time:.1f} s: {result.message}")
    print(f"final cost {result.cost:.4f} = reconstruction {terms.reconstruction:.4f} + "
          f"weight decay {terms.weight_decay:.4f} + sparsity {terms.sparsity:.4f}")
    assert result.cost < result.history[0].cost

    fig, ax = plt.subplots()
    ax.semilogy([r.iteration for r in result.history], [r.cost for r in result.history])
    ax.set(title=r"$J_{sparse}$ on MNIST", xlabel="L-BFGS iteration", ylabel="cost (log scale)")
    plt.show()
    """),
    md(r"""
    ## The filters: pen strokes

    Each of the 196 tiles is one row of $W^{(1)}$ drawn as a 28x28 image. After the full run
    most of them are strokes and arcs, each at one place in the digit frame, and a few look like
    whole digits. A digit is rebuilt from several of them: the sparsity report below counts how
    many units are strongly active on a typical digit.
    """),
    code("""
    W1, W2, b1, b2 = unpack(result.theta, visible_size, hidden_size)
    show_mosaic(W1.T, f"W1 after {result.n_iter} iterations", size=5)
    """),
    md(r"""
    ## Reconstructions

    Ten digits (top) and the network's outputs $a^{(3)}$ (bottom).
    """),
    code("""
    a2, a3 = forward(W1, W2, b1, b2, images)  # (196, m), (784, m)
    fig, axes = plt.subplots(2, 10, figsize=(7, 1.7))
    for i in range(10):
        for row, columns in enumerate((images, a3)):
            image = columns[:, i].reshape(28, 28, order="F")  # column-major, as loadMNISTImages
            axes[row, i].imshow(image, cmap="gray", vmin=0, vmax=1)
            axes[row, i].axis("off")
    fig.suptitle("Digits (top) and their reconstructions (bottom)", fontsize=10)
    plt.show()
    """),
    md(r"""
    ## The sparsity report

    How close each unit's average activation $\hat\rho_j$ came to $\rho$, and how often units
    fire: the share of activations above 0.1, and the number of units active on a typical
    digit.
    """),
    code("""
    rho_hat = a2.mean(axis=1)
    active_per_digit = np.sum(a2 > 0.5, axis=0)  # (m,)
    print(f"rho = {rho}: rho_hat mean {rho_hat.mean():.4f}, min {rho_hat.min():.4f}, "
          f"max {rho_hat.max():.4f}")
    print(f"activations above 0.1: {100 * np.mean(a2 > 0.1):.1f}%; units above 0.5 per digit: "
          f"median {np.median(active_per_digit):.0f} of {hidden_size}")

    fig, ax = plt.subplots()
    ax.hist(rho_hat, bins=30, color="tab:blue")
    ax.axvline(rho, color="tab:red", linestyle="--", label=rf"target $\\rho$ = {rho:g}")
    ax.set(title=f"Average activation of the {hidden_size} hidden units",
           xlabel=r"$\\hat\\rho_j$", ylabel="units")
    ax.legend()
    plt.show()
    """),
    md(r"""
    ## Summary

    * The vectorized cost is the same code as for the patches, only larger; the loop-free form
      is what makes this run feasible.
    * The 196 units learn pen strokes, and their average activations gather around $\rho$
      (the cells above print the figures).
    """),
]

# ---------------------------------------------------------------------------------------------
# 6. Backends
# ---------------------------------------------------------------------------------------------

NB06 = [
    md(r"""
    # 6. Backends: NumPy, array_api_strict, CuPy

    The package's numerical code is written once against the Python array API: each function
    asks its inputs for their namespace (`xp`) and uses only standard functions. The same lines
    therefore run on NumPy, on `array_api_strict` (a deliberately minimal implementation that
    rejects anything outside the standard, used by the tests to prove it), and on CuPy on a GPU.
    This notebook evaluates one cost on each backend present, times it, and compares float32 with
    float64.
    """),
    code(f"""
    import time

    import array_api_strict as xs
    import numpy as np

    from ufldl_sae import initialize_parameters, sparse_autoencoder_cost, train_sparse_autoencoder
    from ufldl_sae.backend import array_namespace, backend_name, to_host
    from ufldl_sae.tuning import blas_threads, default_blas_threads
    from ufldl_sae.data import load_natural_images, normalize_data, sample_images

    {QUICK_SETUP.replace(chr(10), chr(10) + "    ")}
    REPEATS = 3 if QUICK else 20
    MAX_ITER = 20 if QUICK else 400
    """),
    md(r"""
    ## One cost, three namespaces

    The course's problem: 64-25, 10,000 normalized patches, $\rho = 0.01$, $\lambda = 10^{-4}$,
    $\beta = 3$, at the initial parameters. The data and theta are built on the host with NumPy
    and copied once to each backend.
    """),
    code("""
    visible_size, hidden_size, lambda_, rho, beta = 64, 25, 1e-4, 0.01, 3.0
    patches = normalize_data(sample_images(load_natural_images(), 8, 10000, rng=0))  # (64, 10000)
    theta = initialize_parameters(hidden_size, visible_size, rng=0)
    args = (visible_size, hidden_size, lambda_, rho, beta)

    backends = {"numpy": (theta, patches),
                "array_api_strict": (xs.asarray(theta), xs.asarray(patches)),
                "array_api_strict, device1": (xs.asarray(theta, device=xs.Device("device1")),
                                              xs.asarray(patches, device=xs.Device("device1")))}
    try:
        import cupy

        cupy.cuda.runtime.getDeviceCount()
        backends["cupy"] = (cupy.asarray(theta), cupy.asarray(patches))
    except Exception as error:  # no CuPy, or CuPy without a GPU
        print(f"CuPy skipped: no GPU here ({type(error).__name__}: {error})")

    costs = {}
    for name, (t, data) in backends.items():
        cost, grad = sparse_autoencoder_cost(t, *args, data)
        costs[name] = (float(cost), to_host(grad))
        namespace = backend_name(array_namespace(data))
        print(f"{name:<26} namespace {namespace:<18} cost {float(cost):.15f}")
    """),
    md(r"""
    `array_api_strict`'s second device, `device1`, is a fake device: any hidden conversion to
    NumPy of an array living there raises. The cost running there shows that the only host
    copies are the explicit ones (`to_host`, above, to compare results). The results agree to
    rounding:
    """),
    code("""
    ref_cost, ref_grad = costs["numpy"]
    for name, (c, g) in costs.items():
        cost_diff = abs(c - ref_cost) / abs(ref_cost)
        grad_diff = np.linalg.norm(g - ref_grad) / np.linalg.norm(ref_grad)
        print(f"{name:<26} cost {cost_diff:.1e}, gradient {grad_diff:.1e} (relative to NumPy)")
        assert cost_diff < 1e-12 and grad_diff < 1e-12
    """),
    md(r"""
    ## A small timing table

    One evaluation of cost and gradient, the unit of work of every L-BFGS iteration, in float64
    and float32 on each backend (median of several runs; on a GPU the timing includes a device
    synchronization through `float(cost)`). The BLAS thread count is the one training would use
    (`default_blas_threads`: one thread for a problem this small); left at the libraries' defaults,
    NumPy's and SciPy's thread pools compete for the cores and the timings mostly measure that.
    """),
    code("""
    def median_time(t, data, repeats=REPEATS):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            cost, grad = sparse_autoencoder_cost(t, *args, data)
            float(cost)  # waits for the device
            times.append(time.perf_counter() - start)
        return float(np.median(times))


    threads = default_blas_threads(visible_size, hidden_size, patches.shape[1])
    print(f"{'backend':<26} {'float64':>10} {'float32':>10}   "
          f"(ms per cost and gradient, m = 10,000, {threads} BLAS thread(s))")
    with blas_threads(threads):
        for name, (t, data) in backends.items():
            xp = array_namespace(data)
            ms64 = 1000 * median_time(t, data)
            ms32 = 1000 * median_time(xp.astype(t, xp.float32), xp.astype(data, xp.float32))
            print(f"{name:<26} {ms64:10.2f} {ms32:10.2f}")
    """),
    md(r"""
    `array_api_strict` wraps NumPy and adds checks, so it is not meant to be fast; it is there to
    prove portability. On the CPU, float32 halves the memory traffic; on a GPU it also runs on
    far more arithmetic units.

    ## float32 against float64

    The same cost in single precision, at the same theta. Float32 keeps about 7 significant
    digits ($\epsilon = 2^{-23} \approx 1.2\cdot10^{-7}$), so the cost and the gradient differ
    from float64 in the 7th digit or so, too little to matter for training, far too much for a
    gradient check at float64's threshold (notebook 3).
    """),
    code("""
    cost64, grad64 = sparse_autoencoder_cost(theta, *args, patches)
    cost32, grad32 = sparse_autoencoder_cost(theta.astype(np.float32), *args,
                                             patches.astype(np.float32))
    print(f"float64 cost {float(cost64):.10f}, dtype {grad64.dtype}")
    print(f"float32 cost {float(cost32):.10f}, dtype {grad32.dtype}")
    print(f"relative difference: cost {abs(float(cost32) - float(cost64)) / float(cost64):.1e}, "
          f"gradient {np.linalg.norm(grad32 - grad64) / np.linalg.norm(grad64):.1e}; "
          f"float32 machine epsilon {np.finfo(np.float32).eps:.1e}")
    """),
    md(r"""
    Training runs the cost in the dtype of the data while L-BFGS keeps its own vectors in host
    float64. Two runs of the course's exercise from the same start, one per dtype, with their
    final costs and times:
    """),
    code("""
    runs = {}
    for dtype in (np.float64, np.float32):
        result = train_sparse_autoencoder(theta, *args, patches.astype(dtype), max_iter=MAX_ITER)
        runs[dtype.__name__] = result
        print(f"{dtype.__name__}: {result.n_iter} iterations, {result.wall_time:.1f} s, "
              f"final cost {result.cost:.6f}")
    difference = abs(runs["float32"].cost - runs["float64"].cost) / runs["float64"].cost
    print(f"final costs differ by a relative {difference:.1e}")
    """),
    md(r"""
    Rounding makes the two runs take slightly different steps, so they end at slightly different
    points: the printed difference is that of two nearby local solutions, not an error of
    float32. For the exercise both are fine; for checking gradients, use float64.

    ## Summary

    * One implementation, several array libraries: the namespace comes from the data.
    * Results agree across backends to rounding error (asserted above).
    * Float32 is accurate to about $10^{-7}$ relative: enough to train, not enough to pass a
      float64 gradient check.
    """),
]

# ---------------------------------------------------------------------------------------------
# 7. L-BFGS against Adam
# ---------------------------------------------------------------------------------------------

NB07 = [
    md(r"""
    # 7. L-BFGS (full batch) against Adam (minibatch) on the MNIST exercise

    The course trains with L-BFGS on all the examples at once: each evaluation of
    $J_{sparse}$ and its gradient is a pass over every digit, and L-BFGS turns the gradients of
    its recent steps into an estimate of the curvature, which sets the direction and length of
    its next step. Most of deep learning trains differently, with minibatch methods such as Adam:
    many cheap steps, each along the gradient of a small random batch of examples. This
    notebook runs both on the exercise of notebook 5 (784-196, $\lambda = 3\cdot10^{-3}$,
    $\rho = 0.1$, $\beta = 3$, the first 10,000 training digits), gives them the same
    wall-clock time, and compares what they reach: the notes' cost $J$, its three terms, the
    filters and the hidden units' average activations. Then it measures a subtlety that
    minibatches bring to the sparse autoencoder: the sparsity penalty needs $\hat\rho$, an
    average over the whole training set, and a batch can only estimate it.
    """),
    code(f"""
    import time

    import numpy as np

    from ufldl_sae import initialize_parameters, sparse_autoencoder_cost_terms, unpack
    from ufldl_sae.data import fetch_mnist, load_mnist_images, verify_mnist_folder
    from ufldl_sae.beyond.minibatch import EpochPrinter, train_sparse_autoencoder_minibatch
    from ufldl_sae.model import forward
    from ufldl_sae.optimize import ProgressPrinter, train_sparse_autoencoder
    from ufldl_sae.plots.network import display_network

    {QUICK_SETUP.replace(chr(10), chr(10) + "    ")}
    NUM_IMAGES = 1000 if QUICK else 10000
    MAX_ITER = 30 if QUICK else 400  # L-BFGS iterations
    MAX_EPOCHS = 3 if QUICK else 2000  # a ceiling: Adam stops once it has had L-BFGS's time
    LEARNING_RATE = 1e-2
    BATCH_SIZE = 250 if QUICK else 1000  # quick mode keeps several batches per epoch
    visible_size, hidden_size, rho, lambda_, beta = 784, 196, 0.1, 3e-3, 3.0
    args = (visible_size, hidden_size, lambda_, rho, beta)  # the course's order
    # One BLAS thread for every run: the clock then compares the two algorithms, not how each run
    # happens to split its matrix products over the cores of a shared machine.
    os.environ["UFLDL_SAE_BLAS_THREADS"] = "1"
    print(f"{{NUM_IMAGES}} images, {{MAX_ITER}} L-BFGS iterations"
          + (" (quick mode)" if QUICK else ""))
    {PLOT_SETUP.replace(chr(10), chr(10) + "    ")}
    """),
    md(r"""
    ## The data and the common starting point

    MNIST is found as in notebook 5: in the folder named by `UFLDL_SAE_MNIST_DIR` when it is
    set, otherwise in `fetch_mnist()`'s cache. `load_mnist_images` returns a column-major view,
    one digit per column; the cell makes a row-major copy, from which the random columns of a
    minibatch (`xp.take(data, order, axis=1)`, once per Adam step) are gathered more than ten
    times faster. Both solvers train on that copy, from the same initial $\theta$.
    """),
    code("""
    folder = os.environ.get("UFLDL_SAE_MNIST_DIR")
    files = verify_mnist_folder(folder) if folder else fetch_mnist()
    images = np.ascontiguousarray(load_mnist_images(files["train_images"])[:, :NUM_IMAGES])
    m = images.shape[1]  # images: (784, m), row-major
    theta0 = initialize_parameters(hidden_size, visible_size, rng=0)
    J0 = sparse_autoencoder_cost_terms(theta0, *args, images).total
    print(f"images {images.shape}; J at the common starting point {J0:.4f}")
    """),
    md(r"""
    ## Two objectives

    The notes' cost is
    $$J(\theta) = \frac{1}{m}\sum_{i=1}^{m}\tfrac{1}{2}
    \big\lVert a^{(3)}(x^{(i)}) - x^{(i)}\big\rVert^2
    + \frac{\lambda}{2}\Big(\big\lVert W^{(1)}\big\rVert^2 + \big\lVert W^{(2)}\big\rVert^2\Big)
    + \beta\sum_{j=1}^{s_2}\mathrm{KL}(\rho\,\|\,\hat\rho_j), \qquad
    \hat\rho_j = \frac{1}{m}\sum_{i=1}^{m} a^{(2)}_j(x^{(i)}).$$
    L-BFGS evaluates exactly this, on all $m$ digits, at every iteration. Adam evaluates the
    same formula on a batch $B$ of $b$ digits: $J_B(\theta)$, in which the mean reconstruction
    error and each $\hat\rho_j$ are taken over those $b$ digits only. Each step moves $\theta$
    along $\nabla J_B$, with Adam's per-coordinate step sizes
    (`ufldl_sae.beyond.minibatch.adam_step`); an epoch visits every digit once, in a new random
    order.

    Two of the three terms lose nothing in the exchange: averaged over the batches of an
    epoch, the batches' reconstruction errors add up to exactly the full one, and the weight
    decay never looks at the data. The sparsity term does lose something, because each batch
    puts its own noisy estimate of $\hat\rho_j$ into $\mathrm{KL}(\rho\,\|\,q)$, a curved
    (convex) function of $q$. Say a unit's true average is exactly $\rho$: a batch on which it
    happens to read a little high pays a penalty, and a batch on which it reads as much too low
    pays a penalty too, instead of a negative one that would cancel it. On average the batches
    pay more than the full data would (Jensen's inequality). So what Adam minimizes, the mean
    of the $J_B$, is $J$ plus an extra penalty on how much each unit's batch average wanders
    from batch to batch. The last section measures it.

    ## L-BFGS: 400 iterations on all the digits

    As in notebook 5; the L-BFGS records hold $J$ after every iteration, at no extra cost.
    """),
    code("""
    lbfgs = train_sparse_autoencoder(theta0, *args, images, max_iter=MAX_ITER,
                                     progress=ProgressPrinter(every=50))
    print(f"\\nL-BFGS: {lbfgs.n_iter} iterations, {lbfgs.n_evals} evaluations, "
          f"{lbfgs.wall_time:.1f} s, J = {lbfgs.cost:.4f}")
    """),
    md(r"""
    ## Adam: the same wall-clock time

    Adam has two settings that L-BFGS does not: the learning rate, roughly how far each weight
    may move in one step, and the batch size. They were chosen while writing this notebook, on
    the machine these outputs come from, by running Adam as below (one BLAS thread, the same
    start and seed) for 239 s, the time L-BFGS had taken in a first run, with a few pairs:

    | learning rate | batch size | epochs in 239 s | $J$ at the end |
    |---|---|---|---|
    | $3\cdot10^{-3}$ | 256 | 373 | 12.82 |
    | $10^{-2}$ | 256 | 365 | 13.97 (its lowest 13.16: noisy) |
    | $5\cdot10^{-3}$ | 1000 | 449 | 12.84 |
    | $10^{-2}$ | 1000 | 446 | 12.67 |
    | $2\cdot10^{-2}$ | 1000 | 441 | 12.72 (noisier) |
    | $10^{-2}$ | 2500 | 496 | 12.98 |

    Two lessons. The best constant learning rate depends on the budget: with batches of 256,
    $3\cdot10^{-2}$ led $10^{-2}$ after a few epochs, $10^{-2}$ led after twenty, and after
    the whole budget the smaller $3\cdot10^{-3}$ had ended well below $10^{-2}$, whose $J$
    still jumped by several tenths from one epoch to the next: a larger rate is faster at first
    but leaves more noise in the end. Tune at the budget you will use. And on a CPU the batch
    size is a question of arithmetic speed as much as of noise: a product with 1000 columns
    does more work per second than one with 256, so batches of 1000 made more passes over the
    data in the same time, with less noisy steps; at 2500 there are too few steps (four per
    epoch). The notebook uses $10^{-2}$ and batches of 1000, ten steps per epoch.

    The run is stopped by its `callback` after the first epoch that ends past L-BFGS's time
    (`MAX_EPOCHS` is only a ceiling). The option `monitor=True` would compute the notes' $J$
    on all the digits after every epoch, but inside Adam's clock, where that forward pass
    would cost about half as much time as the epoch itself. The callback instead keeps
    $\theta$ after some of the epochs (a host copy the trainer makes anyway), and $J$ is
    computed for those afterwards, off the clock.
    """),
    code("""
    snapshots = []  # (seconds, epoch, theta) after some epochs; J is computed after the run


    def stop_at_lbfgs_time(record, theta):
        \"\"\"Keep theta now and then, and end the run once it has had L-BFGS's time.\"\"\"
        done = record.elapsed >= lbfgs.wall_time
        if record.epoch in (1, 2, 5) or record.epoch % 10 == 0 or done:
            snapshots.append((record.elapsed, record.epoch, theta))  # theta: a fresh host copy
        if done:
            raise StopIteration


    adam = train_sparse_autoencoder_minibatch(theta0, *args, images, solver="adam",
                                              learning_rate=LEARNING_RATE, batch_size=BATCH_SIZE,
                                              epochs=MAX_EPOCHS, rng=0,
                                              progress=EpochPrinter(every=50),
                                              callback=stop_at_lbfgs_time)
    if snapshots[-1][1] != adam.n_iter:  # quick mode: the ceiling came first
        snapshots.append((adam.history[-1].elapsed, adam.n_iter, adam.theta))
    adam_J = [sparse_autoencoder_cost_terms(theta, *args, images).total
              for _, _, theta in snapshots]
    print(f"\\nAdam: {adam.n_iter} epochs, {adam.n_evals} minibatch evaluations, "
          f"{adam.wall_time:.1f} s, J = {adam_J[-1]:.4f}")
    """),
    md(r"""
    ## J against time

    Left: the notes' $J$ against wall-clock seconds, on a log axis cut at three times the final
    values so that the end can be read (both start from the $J$ printed above). Right: $J$
    against passes over the data, the unit of work the two share: an L-BFGS evaluation is one
    pass (cost and gradient on all the digits), and so is an Adam epoch, cut into
    $\lceil m/b\rceil$ steps. The dotted line is what Adam sees itself, the mean of its
    minibatch costs over each epoch (taken at parameters that move along the epoch). The cell
    then prints the $J$ each had reached at a few moments.
    """),
    code("""
    lbfgs_t = np.array([0.0] + [r.elapsed for r in lbfgs.history])
    lbfgs_J = np.array([J0] + [r.cost for r in lbfgs.history])
    lbfgs_passes = [0] + [r.evaluations for r in lbfgs.history]
    adam_t = np.array([0.0] + [s[0] for s in snapshots])
    adam_J = np.array([J0] + adam_J)
    adam_passes = [0] + [s[1] for s in snapshots]

    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    left.semilogy(lbfgs_t, lbfgs_J, color="tab:blue", label="L-BFGS: J")
    left.semilogy(adam_t, adam_J, color="tab:orange", label="Adam: J")
    left.semilogy([r.elapsed for r in adam.history], [r.cost for r in adam.history], ":",
                  color="tab:orange", label="Adam: mean minibatch cost")
    top = 3 * max(lbfgs_J[-1], adam_J[-1])  # the start is off the top: it is on the right
    left.set(xlabel="wall-clock seconds", ylabel="cost (log scale)", title="against time",
             ylim=(None, top))
    left.yaxis.set_minor_formatter("{x:.0f}")
    left.legend(fontsize=8)
    right.loglog(lbfgs_passes[1:], lbfgs_J[1:], color="tab:blue")
    right.loglog(adam_passes[1:], adam_J[1:], color="tab:orange")
    right.set(xlabel="passes over the data", title="against work")
    fig.tight_layout()
    plt.show()


    def reached(times, costs, t):
        \"\"\"The cost a run had reached by time t: its last record at or before t.\"\"\"
        return costs[np.searchsorted(times, t, side="right") - 1]


    budget = max(lbfgs_t[-1], adam_t[-1])  # both runs have ended by then
    print(f"{'J reached after':>16} {'L-BFGS':>9} {'Adam':>9}")
    for share in (0.02, 0.05, 0.1, 0.25, 0.5, 1.0):
        print(f"{share * budget:14.1f} s {reached(lbfgs_t, lbfgs_J, share * budget):9.3f} "
              f"{reached(adam_t, adam_J, share * budget):9.3f}")
    assert lbfgs_J[-1] < adam_J[-1] < J0
    grid = np.union1d(lbfgs_t, adam_t)
    adam_lower = [reached(adam_t, adam_J, t) < reached(lbfgs_t, lbfgs_J, t) for t in grid]
    if any(adam_lower):
        overtaken = grid[np.nonzero(adam_lower)[0][-1] + 1]
        print(f"Adam has the lower J until {overtaken:.1f} s, L-BFGS from then on")
    early = 0.02 * budget  # the full run: Adam leads at first
    assert QUICK or reached(adam_t, adam_J, early) < reached(lbfgs_t, lbfgs_J, early)
    """),
    md(r"""
    Adam leads at first. Each pass over the data gives it ten steps, and early on any step
    downhill is a good one, while L-BFGS starts with no curvature information, so its first
    steps are short. L-BFGS catches up within the first minute (the cell prints when) and then
    keeps the lead: near a minimum its steps use the exact gradient and the curvature gathered
    from its last steps, while Adam, with a constant learning rate, keeps taking steps of much
    the same length along noisy batch gradients, and its $J$ creeps down much more slowly. Per
    pass over the data (right) the story is the same: Adam is far ahead for the first passes,
    L-BFGS ahead after a hundred or so. The dotted line runs above Adam's $J$ for two reasons:
    each point is an average along an epoch, over parameters that were still improving, and it
    contains the minibatch bias of the sparsity term measured in the last section.

    ## The final costs

    Each solution's $J$ split into its three terms, with the time each run took and the work it
    did: each L-BFGS evaluation covers all $m$ digits, each Adam evaluation one batch.
    """),
    code("""
    runs = {"L-BFGS": lbfgs, "Adam": adam}
    terms = {name: sparse_autoencoder_cost_terms(run.theta, *args, images)
             for name, run in runs.items()}
    print(f"{'solver':<8} {'J':>8} {'reconstr.':>10} {'w. decay':>9} {'sparsity':>9} "
          f"{'time':>8} {'evaluations':>12} {'passes':>7}")
    for name, run in runs.items():
        t = terms[name]
        passes = run.n_evals if name == "L-BFGS" else run.n_iter
        print(f"{name:<8} {t.total:8.4f} {t.reconstruction:10.4f} {t.weight_decay:9.4f} "
              f"{t.sparsity:9.4f} {run.wall_time:7.1f}s {run.n_evals:12d} {passes:7d}")
    assert np.isclose(terms["L-BFGS"].total, lbfgs.cost, rtol=1e-12)
    assert np.isclose(terms["Adam"].total, adam_J[-1], rtol=1e-12)
    """),
    md(r"""
    L-BFGS ends lower, by about 5% of $J$. The reconstruction term holds the larger part of the
    difference, the sparsity term most of the rest: Adam's $\hat\rho_j$ are further from
    $\rho$ (below). Adam made ten times as many evaluations, each on a tenth of the data: the
    same arithmetic per pass, in smaller products, plus its own update of all 308,308
    parameters after every batch.

    ## The filters

    Each tile is one row of $W^{(1)}$ drawn as a 28x28 image, as in notebook 5.
    """),
    code("""
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.3))
    for ax, (name, run) in zip(axes, runs.items()):
        W1 = unpack(run.theta, visible_size, hidden_size)[0]  # (196, 784)
        ax.imshow(display_network(W1.T), cmap="gray", vmin=-1, vmax=1)
        ax.set_title(f"{name}: W1 after {run.wall_time:.0f} s")
        ax.axis("off")
    fig.tight_layout()
    plt.show()
    """),
    md(r"""
    At this size the two are hard to tell apart: both are pen strokes and arcs, each at one
    place in the frame, with a few whole digits. The gap in $J$ is a matter of degree, not a
    different kind of feature; the average activations show it better.

    ## The average activation of each hidden unit

    $\hat\rho_j$ over all the digits, for each of the 196 units, sorted from the most active to
    the least, against the target $\rho$.
    """),
    code("""
    a2 = {name: forward(*unpack(run.theta, visible_size, hidden_size), images)[0]
          for name, run in runs.items()}  # (196, m) each
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.8), sharey=True)
    for ax, (name, a2_run) in zip(axes, a2.items()):
        rho_hat = a2_run.mean(axis=1)  # (196,)
        ax.bar(np.arange(hidden_size), np.sort(rho_hat)[::-1], width=1.0, color="tab:blue")
        ax.axhline(rho, color="tab:red", linestyle="--", label=rf"$\\rho$ = {rho:g}")
        ax.set(title=name, xlabel="hidden units, most active first")
        ax.legend()
        print(f"{name:<7} rho_hat: mean {rho_hat.mean():.4f}, min {rho_hat.min():.4f}, "
              f"max {rho_hat.max():.4f}; units within 0.02 of rho: "
              f"{np.sum(np.abs(rho_hat - rho) < 0.02)} of {hidden_size}")
    axes[0].set_ylabel(r"$\\hat\\rho_j$")
    fig.tight_layout()
    plt.show()
    """),
    md(r"""
    L-BFGS has put every unit's average activation in a narrow band just above $\rho$ (the
    cell prints its ends). The band sits slightly above $\rho$ rather than on it because the
    reconstruction term would like the units more active, and at the optimum the penalty's pull
    only balances that. Adam's units spread further on both sides of $\rho$: near $\rho$ the
    penalty's gradient is small, and Adam, further from convergence and stepping along noisy
    batch gradients, has not pulled them in as tightly. That spread is Adam's larger sparsity
    term in the table.

    ## The minibatch bias of the sparsity term, measured

    At a fixed $\theta$, split the $m$ digits at random into batches of $b$, evaluate the three
    terms on each batch with the function the trainer calls, and average them, each batch
    weighted by its size: that is the mean minibatch cost, the objective Adam descends. Beside
    it, the notes' $J$ at the same $\theta$. Two random partitions are averaged, at each
    solver's final $\theta$, first with Adam's batch size, then with smaller and larger ones.
    """),
    code("""
    def mean_minibatch_terms(theta, batch_size, partitions=2, seed=0):
        \"\"\"The three terms of J_B, averaged over the batches of random partitions.\"\"\"
        rng = np.random.default_rng(seed)
        total = np.zeros(3)
        for _ in range(partitions):
            order = rng.permutation(m)
            for first in range(0, m, batch_size):
                batch = images[:, order[first:first + batch_size]]  # (784, b), or fewer
                t = sparse_autoencoder_cost_terms(theta, *args, batch, check_inputs=False)
                total += batch.shape[1] * np.array(t)  # (reconstruction, weight decay, sparsity)
        return total / (partitions * m)


    print(f"{f'b = {BATCH_SIZE}':<32} {'reconstr.':>10} {'w. decay':>9} {'sparsity':>9} "
          f"{'J':>8}")
    for name, run in runs.items():
        full = np.array(terms[name])
        batch_mean = mean_minibatch_terms(run.theta, BATCH_SIZE)
        where = f"at {name}'s theta"
        for label, values in [("J", full), ("mean of J_B", batch_mean)]:
            print(f"{where:<19} {label:<12} {values[0]:10.4f} {values[1]:9.4f} {values[2]:9.4f} "
                  f"{values.sum():8.4f}")
        excess = batch_mean.sum() - full.sum()
        print(f"{'':<20}excess {excess:.4f}: {100 * excess / full.sum():.1f}% of J, "
              f"{excess / full[2]:.1f} times the sparsity term of J")
        assert np.allclose(batch_mean[:2], full[:2], rtol=1e-10, atol=0)  # no bias there
        assert batch_mean[2] > full[2]  # Jensen: the batches pay more
    """),
    md(r"""
    The reconstruction and weight-decay columns agree to the last digit (asserted): averaged
    over a partition, the batches' reconstruction errors are the full one, and the weight decay
    never sees the data. The whole difference is in the sparsity column, and it is large next
    to the penalty it inflates. It is also part of the gap between Adam's dotted curve and its
    $J$ in the first figure.

    How does it depend on $b$? A batch's $\hat\rho_j$ is a mean of $b$ activations, so it
    scatters around the full-batch $\hat\rho_j$ with a variance $\mathrm{Var}_B(\hat\rho_j)$
    that falls like $1/b$. A second-order Taylor expansion of KL around the full-batch value
    turns that scatter into the expected excess:
    $$\mathbb{E}_B[J_B] - J \approx \frac{\beta}{2}\sum_{j=1}^{s_2}
    \frac{\partial^2\,\mathrm{KL}(\rho\,\|\,q)}{\partial q^2}\bigg|_{q=\hat\rho_j}
    \mathrm{Var}_B(\hat\rho_j), \qquad
    \frac{\partial^2\,\mathrm{KL}}{\partial q^2} = \frac{\rho}{q^2} + \frac{1-\rho}{(1-q)^2}.$$
    The cell measures the excess at Adam's $\theta$ for three batch sizes and sets this estimate
    beside it, with $\mathrm{Var}_B(\hat\rho_j)$ measured over twenty random partitions into
    whole batches.
    """),
    code("""
    a2_adam = a2["Adam"]  # (196, m)
    rho_hat = a2_adam.mean(axis=1)  # (196,), the full-batch averages
    kl_curvature = rho / rho_hat**2 + (1 - rho) / (1 - rho_hat) ** 2  # (196,)
    rng = np.random.default_rng(1)
    print(f"{'b':>5} {'excess':>8} {'estimate':>9} {'excess x b':>11} "
          f"{'std of a batch rho_hat':>23}")
    excess_by_b = {}
    for b in (64, 256, 1000):
        excess_by_b[b] = mean_minibatch_terms(adam.theta, b).sum() - terms["Adam"].total
        k = m // b  # whole batches only
        variances = [a2_adam[:, rng.permutation(m)[:k * b]].reshape(hidden_size, k, b)
                     .mean(axis=2).var(axis=1) for _ in range(20)]  # each (196,)
        variance = np.mean(variances, axis=0)  # (196,)
        estimate = beta / 2 * np.sum(kl_curvature * variance)
        print(f"{b:5d} {excess_by_b[b]:8.4f} {estimate:9.4f} {excess_by_b[b] * b:11.1f} "
              f"{np.median(np.sqrt(variance)):23.4f}")
    print(f"(the full-batch rho_hat: median {np.median(rho_hat):.4f} over the units)")
    assert excess_by_b[64] > excess_by_b[256] > excess_by_b[1000]
    """),
    md(r"""
    At Adam's own batch size the excess is about 1% of $J$, as large as the whole sparsity
    term of L-BFGS's solution. Batches of 256 would make it four times larger, batches of 64
    sixteen times, far more than the penalty it rides on. The column "excess x b" is nearly
    constant: the excess falls like $1/b$, as the variance of a batch average does, and the
    second-order estimate comes within about a tenth of it. A batch of 1000 pins each
    $\hat\rho_j$ down to within about $\pm 0.006$; a batch of 64 only to about $\pm 0.03$,
    a quarter of $\rho$.

    So Adam descends a slightly different function from the notes', and its gradient feels the
    extra term too. The variance of a batch average is the variance of the unit's activation
    over the digits divided by $b$, so the extra penalty is smallest for a unit that responds
    the same to every digit: the opposite of a selective feature. With batches of 1000 that
    pull is weak next to the reconstruction term; with small batches it is not, and Adam would
    settle where the sum of the notes' cost and this penalty is smallest, not where $J$ is.

    ## Which one to choose

    **For this exercise, L-BFGS on the full batch.** The 10,000 digits (63 MB in float64) fit
    in memory and one evaluation on all of them takes a fraction of a second, so L-BFGS can
    afford the exact $J$ at every step. It has no learning rate or batch size to tune (Adam's
    took six runs, each as long as the whole L-BFGS run), it descends exactly the notes'
    objective, it reached the lower $J$ in the same time, and its records are $J$ itself.

    **A minibatch method such as Adam** when:

    * the data do not fit in memory, or arrive as a stream: each step needs only one batch,
      while each L-BFGS evaluation needs all the data (and its line searches may ask for more
      than one evaluation per step);
    * the examples are so many, and so alike, that a batch's gradient already points the right
      way: Adam's early lead above would grow with $m$, since an L-BFGS evaluation costs more
      with every example added while an Adam step does not;
    * the network is deep, with ReLU units: the objective has kinks and far more parameters,
      training often adds noise on purpose (dropout, data augmentation), and L-BFGS's line
      search and curvature pairs assume a smooth function that gives the same value twice.
      Adam, usually with a learning rate that decreases over training, is the common tool
      there, on GPUs.

    With the KL sparsity penalty and minibatches, keep the batches large (the bias falls like
    $1/b$) or estimate each $\hat\rho_j$ from more than one batch, for example with a running
    average over the recent batches; and lower the learning rate at the end, so that Adam stops
    hovering around the minimum.

    ## Summary

    * For the same wall-clock time, full-batch L-BFGS reached a lower $J$ on the MNIST exercise
      than Adam (asserted); Adam led for the first seconds (asserted) and the first passes.
    * Adam's learning rate and batch size had to be tuned, at the budget that is used: what
      leads after a few epochs is not what ends lowest.
    * On a minibatch, $\hat\rho_j$ is an estimate, and KL is convex, so the mean minibatch
      cost exceeds $J$ by an amount that falls like $1/b$; the reconstruction and weight-decay
      terms carry no such bias (both asserted, and measured above).
    """),
]

NOTEBOOKS = {
    "01_forward_pass_and_cost": NB01,
    "02_backpropagation_and_sparsity_delta": NB02,
    "03_gradient_checking": NB03,
    "04_natural_images_to_edge_detectors": NB04,
    "05_mnist_pen_strokes": NB05,
    "06_backends": NB06,
    "07_lbfgs_against_adam": NB07,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` without outputs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.from_dict(dict(cell)) for cell in NOTEBOOKS[name]]
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{k:02d}"  # stable ids: regenerating gives the same file
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 900) -> nbformat.NotebookNode:
    """Run ``nb`` in a fresh kernel from the notebooks' folder (outputs filled in place)."""
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    client.execute()
    return nb


def refresh_text(new: nbformat.NotebookNode, old: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``old`` (executed) with the markdown of ``new``; refuses if any code cell changed."""
    same_code = [(c.cell_type, c.source if c.cell_type == "code" else "") for c in new.cells] == [
        (c.cell_type, c.source if c.cell_type == "code" else "") for c in old.cells
    ]
    if not same_code:
        raise SystemExit("code cells changed: run with --execute instead of --refresh-text")
    for new_cell, old_cell in zip(new.cells, old.cells, strict=True):
        old_cell.source = new_cell.source
    return old


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="run each notebook and keep outputs")
    parser.add_argument("--only", nargs="*", default=None, help="name prefixes, e.g. 01 04")
    parser.add_argument(
        "--refresh-text",
        action="store_true",
        help="copy edited markdown into the executed notebooks (code cells must be unchanged)",
    )
    args = parser.parse_args(argv)
    os.environ.pop("UFLDL_SAE_NOTEBOOK_QUICK", None)  # committed outputs are full-size runs
    for name in NOTEBOOKS:
        if args.only and not any(name.startswith(p) for p in args.only):
            continue
        nb = build(name)
        if args.refresh_text:
            nb = refresh_text(nb, nbformat.read(HERE / f"{name}.ipynb", as_version=4))
        elif args.execute:
            start = time.perf_counter()
            execute(nb)
            print(f"{name}: executed in {time.perf_counter() - start:.1f} s", flush=True)
        nbformat.write(nb, HERE / f"{name}.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
