# %% [markdown]
# # 3. Gradient checking
#
# A hand-derived gradient is easy to get almost right. The notes' section *Gradient checking
# and advanced optimization* compares it with a numerical estimate,
#
# $$\frac{\partial J}{\partial\theta_i} \approx
# \frac{J(\theta + \epsilon e_i) - J(\theta - \epsilon e_i)}{2\epsilon},$$
#
# and the course's exercise reports $\lVert g_{num} - g\rVert / \lVert g_{num} + g\rVert$.
# This notebook runs the course's own check, then the autoencoder's, block by block and term by
# term, then plants three classic bugs and watches the check fail.

# %%
import numpy as np

from ufldl_sae import (check_numerical_gradient, compute_numerical_gradient, gradient_check,
                       initialize_parameters, pack, relative_difference,
                       sparse_autoencoder_cost, unpack)
from ufldl_sae.data import load_natural_images, normalize_data, sample_images
from ufldl_sae.model import (forward, reconstruction_cost, sparsity_cost, sparsity_delta,
                             weight_decay_cost)
from ufldl_sae.params import block_slices

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (5, 3.2)})

# %% [markdown]
# ## The course's check of the checker
#
# `checkNumericalGradient.m` first tests the numerical gradient on a function whose gradient is
# known: $h(x) = x_1^2 + 3x_1x_2$ at $x = (4, 10)$, gradient $(2x_1 + 3x_2,\ 3x_1) = (38, 12)$.
# The course prints a relative difference of 2.1452e-12 there, and asks for less than 1e-9.

# %%
diff = check_numerical_gradient()
assert diff < 1e-9

# %% [markdown]
# The cell above prints the two gradients side by side and their relative difference, to be
# compared with the course's 2.1452e-12.
#
# ## The autoencoder, with the course's centered difference
#
# The course's problem: 8x8 patches of the whitened natural images, 25 hidden units,
# $\rho = 0.01$, $\lambda = 10^{-4}$, $\beta = 3$, and only 10 patches (the check costs two cost
# evaluations per parameter, and the gradient's correctness does not depend on $m$). The biases
# are drawn at random instead of zero, so that every block of the gradient is exercised.

# %%
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

# %% [markdown]
# ## Block by block and term by term
#
# The overall figure hides small blocks: $b^{(1)}$ and $b^{(2)}$ are 89 of 3,289 numbers, so a
# wrong bias gradient hardly moves it. `gradient_check` therefore reports each block on its own,
# and each term of the cost on its own: the data term alone ($\lambda = \beta = 0$), then with
# weight decay, then with sparsity. A failure then names the block and the term to look at. It
# uses a five-point stencil, whose error shrinks as $\epsilon^4$ instead of $\epsilon^2$, so that
# a correct gradient stays below the float64 threshold of 1e-9 even in blocks whose gradient is
# small.

# %%
# Quick mode checks a random sample of 15 coordinates per block instead of all 3,289.
report = gradient_check(theta, visible_size, hidden_size, lambda_, rho, beta, patches,
                        num_checks=15 if QUICK else None, rng=0)
print(report)
assert report.passed


# %% [markdown]
# ## Three classic bugs, planted on purpose
#
# Below are three **deliberately wrong copies** of the cost. Each computes the cost correctly
# (so the numerical gradient is the true one) and gets one line of the gradient wrong, the way
# students do:
#
# 1. **$\hat\rho$ per example**: the sparsity term of $\delta^{(2)}$ uses each example's own
#    $a^{(2)}$ instead of the batch average $\hat\rho$;
# 2. **sparsity term missing from $\delta^{(2)}$**: the gradient of the cost without its penalty;
# 3. **weight decay on the biases**: $\lambda b$ added to the bias gradients, though the cost
#    does not decay the biases.
#
# They share the correct forward pass and cost; only the marked line differs. A smaller
# problem (8 inputs, 5 hidden units, 10 examples in [0, 0.45]) keeps the check instant.

# %%
def forward_and_cost(theta, v, h, lambda_, rho, beta, data):
    """The correct forward pass and cost, shared by the wrong copies below."""
    W1, W2, b1, b2 = unpack(theta, v, h)
    a2, a3 = forward(W1, W2, b1, b2, data)  # (h, m), (v, m)
    rho_hat = a2.mean(axis=1)  # (h,)
    cost = (reconstruction_cost(a3, data) + weight_decay_cost(W1, W2, lambda_)
            + sparsity_cost(rho, rho_hat, beta))
    delta3 = -(data - a3) * a3 * (1 - a3)  # (v, m)
    return W1, W2, b1, b2, a2, rho_hat, cost, delta3


def wrong_cost_rho_hat_per_example(theta, v, h, lambda_, rho, beta, data):
    """DELIBERATELY WRONG COPY (bug 1): delta2's sparsity term uses a2, not rho_hat."""
    parts = forward_and_cost(theta, v, h, lambda_, rho, beta, data)
    W1, W2, b1, b2, a2, rho_hat, cost, delta3 = parts
    delta2 = (W2.T @ delta3 + sparsity_delta(rho, a2, beta)) * a2 * (1 - a2)  # BUG: a2
    m = data.shape[1]
    return cost, pack(delta2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                      delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)


def wrong_cost_sparsity_missing(theta, v, h, lambda_, rho, beta, data):
    """DELIBERATELY WRONG COPY (bug 2): the sparsity term is left out of delta2."""
    parts = forward_and_cost(theta, v, h, lambda_, rho, beta, data)
    W1, W2, b1, b2, a2, rho_hat, cost, delta3 = parts
    delta2 = (W2.T @ delta3) * a2 * (1 - a2)  # BUG: the sparsity_delta term is missing
    m = data.shape[1]
    return cost, pack(delta2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                      delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)


def wrong_cost_decayed_biases(theta, v, h, lambda_, rho, beta, data):
    """DELIBERATELY WRONG COPY (bug 3): weight decay applied to the bias gradients."""
    parts = forward_and_cost(theta, v, h, lambda_, rho, beta, data)
    W1, W2, b1, b2, a2, rho_hat, cost, delta3 = parts
    delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None]) * a2 * (1 - a2)
    m = data.shape[1]
    return cost, pack(delta2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                      delta2.sum(axis=1) / m + lambda_ * b1,  # BUG: + lambda_ * b1
                      delta3.sum(axis=1) / m + lambda_ * b2)  # BUG: + lambda_ * b2


# %% [markdown]
# The check below is a few lines of the same recipe as `gradient_check`, written out so that it
# accepts any cost function: the five-point numerical gradient, compared overall and per block,
# for the data term alone, then with each penalty, then with both. It is run on the package's
# own cost first, to show what a correct gradient looks like.

# %%
v, h, THRESHOLD = 8, 5, 1e-9
rng = np.random.default_rng(1)
small_theta = initialize_parameters(h, v, rng)
small_theta[2 * h * v:] = rng.normal(0, 0.2, h + v)  # nonzero biases, or bug 3 would hide
small_data = rng.uniform(0.0, 0.45, (v, 10))
TERMS = {"data term alone": (0.0, 0.0), "+ weight decay": (lambda_, 0.0),
         "+ sparsity": (0.0, beta), "all terms": (lambda_, beta)}


def check(cost_function):
    """Relative differences {term: {block: value}}, printed as a table with PASS/FAIL."""
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

# %% [markdown]
# ### Bug 1: $\hat\rho$ per example

# %%
bug1 = check(wrong_cost_rho_hat_per_example)
assert bug1["data term alone"]["overall"] < THRESHOLD < bug1["+ sparsity"]["W1"]

# %% [markdown]
# The data term alone and the weight decay pass, because the bug lives in the sparsity term;
# the rows with sparsity fail in $W^{(1)}$ and $b^{(1)}$, the blocks that $\delta^{(2)}$ feeds,
# while $W^{(2)}$ and $b^{(2)}$, which depend only on $\delta^{(3)}$, pass.
#
# ### Bug 2: sparsity term missing from $\delta^{(2)}$

# %%
bug2 = check(wrong_cost_sparsity_missing)
assert bug2["+ weight decay"]["overall"] < THRESHOLD < bug2["+ sparsity"]["b1"]

# %% [markdown]
# The same signature as bug 1 (only the rows with sparsity fail, only in $W^{(1)}$ and
# $b^{(1)}$), but the differences in the table are of a different size: here the whole
# derivative of the penalty is missing, there it was evaluated at the wrong point.
#
# ### Bug 3: weight decay on the biases

# %%
bug3 = check(wrong_cost_decayed_biases)
assert bug3["+ sparsity"]["overall"] < THRESHOLD < bug3["+ weight decay"]["b2"]
assert bug3["all terms"]["W1"] < THRESHOLD and bug3["all terms"]["W2"] < THRESHOLD
assert bug3["all terms"]["overall"] < bug3["all terms"]["b2"]
row = bug3["all terms"]
print(f"\nall terms: b2 block {row['b2']:.1e}, overall {row['overall']:.1e}")

# %% [markdown]
# Only the rows with weight decay fail, and only in the bias blocks. The last line printed
# compares the $b^{(2)}$ block with the overall figure: the error sits in 13 of 93 numbers, and
# the weight blocks, correct and much larger, dilute it in the overall figure. On this small
# problem the overall figure still fails; the more weights a network has (the course's has 89
# biases among 3,289 parameters), the closer a bias error comes to hiding in it. This is why the
# check is read block by block. (With the biases at their initial value 0 this bug is
# invisible: check at a point with nonzero biases.)
#
# ## Why float32 cannot pass a float64 threshold
#
# The numerical gradient divides a difference of two costs by $2\epsilon$. The costs are
# rounded to the working precision, with unit roundoff $u$ ($2^{-53}$ in float64, $2^{-24}$ in
# float32), so the estimate carries a rounding error of about $u|J|/\epsilon$, while the
# truncation error of the centered difference grows as $\epsilon^2$. The sum is smallest near
# $\epsilon \approx u^{1/3}$, where the error is about $u^{2/3}$. The next cell sweeps
# $\epsilon$ on the small problem with the course's centered difference, in both precisions.

# %%
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
ax.set(title="Centered difference against the exact gradient", xlabel=r"step $\epsilon$",
       ylabel="relative difference")
ax.legend()
plt.show()

# %% [markdown]
# The float64 curve dips below the dashed threshold around the course's $\epsilon = 10^{-4}$;
# the float32 curve bottoms out orders of magnitude above it, whatever the step (the cell above
# prints both minima). A float32 implementation is therefore checked against its own stated
# threshold: `gradient_check` uses 2e-3 in float32 and says so in its report. Weighed against
# 1e-9 the same correct gradient would fail.

# %%
report32 = gradient_check(theta.astype(np.float32), visible_size, hidden_size, lambda_, rho,
                          beta, patches.astype(np.float32), num_checks=15, rng=0)
print(report32)
assert report32.passed and report32.difference > 1e-9

# %% [markdown]
# ## Summary
#
# * The course's quadratic check validates the checker itself (the first cell's figure).
# * Check each block and each term separately: bias blocks are too small to move the overall
#   number, and the failing term tells you which line of the gradient to read.
# * Each classic bug has a signature: bugs 1 and 2 fail only with sparsity, in $W^{(1)}$ and
#   $b^{(1)}$; bug 3 fails only with weight decay, in $b^{(1)}$ and $b^{(2)}$.
# * Float32 rounding alone leaves a relative difference far above 1e-9: check in float64, or
#   against float32's own threshold.
