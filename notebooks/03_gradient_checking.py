# %% [markdown]
# # 3. Gradient checking
#
# A hand-derived gradient is easy to get almost right. The notes' section *Gradient checking
# and advanced optimization* compares it with a numerical estimate,
#
# $$\frac{\partial J}{\partial\theta_i} \approx
# \frac{J(\theta + \epsilon e_i) - J(\theta - \epsilon e_i)}{2\epsilon},$$
#
# and the course's exercise reports $\lVert g_{num} - g\rVert / \lVert g_{num} + g\rVert$,
# which it asks to be below $10^{-9}$. This notebook has you write that check, runs it on the
# autoencoder overall and block by block, shows where the course's centered difference
# itself falls short of $10^{-9}$ and what fixes it, then plants four classic bugs and
# watches the check fail, and ends with why the check must run in float64. Three **your
# turn** cells are yours to write, each followed by a check cell that names the slip;
# questions with answers close the notebook.

# %%
import numpy as np

from ufldl_sae import (check_numerical_gradient, compute_numerical_gradient, gradient_check,
                       initialize_parameters, pack, relative_difference,
                       sparse_autoencoder_cost, unpack)
from ufldl_sae.coursework.notebook_exercises import check_step
from ufldl_sae.data import load_natural_images, normalize_data, sample_images
from ufldl_sae.gradcheck import simple_quadratic_function
from ufldl_sae.model import (forward, reconstruction_cost, sparsity_cost, sparsity_delta,
                             weight_decay_cost)
from ufldl_sae.params import block_slices

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (5, 3.2)})

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
# **Your turn (1 of 3).** Write the centered difference yourself, for every coordinate of
# $x$: `h(x)` returns `(value, gradient)`, so take `h(x)[0]`. `np.eye(2)[i]` is $e_i$.

# %%
h, x, epsilon = simple_quadratic_function, np.array([4.0, 10.0]), 1e-4
# YOUR TURN: numgrad[i] = (h(x + eps e_i) - h(x - eps e_i)) / (2 eps), for i = 0, 1.
# BLANK: numgrad = ...
numgrad = np.array([(h(x + epsilon * e)[0] - h(x - epsilon * e)[0]) / (2 * epsilon)
                    for e in np.eye(x.size)])
# END YOUR TURN

# %%
print(check_step("numgrad", numgrad, J=h, theta=x, epsilon=epsilon))

# %% [markdown]
# **Your turn (2 of 3).** The course's figure: the norm of the difference of the two
# gradients over the norm of their sum.

# %%
grad = h(x)[1]  # the exact gradient, (38, 12)
# YOUR TURN: diff = ||numgrad - grad|| / ||numgrad + grad|| (np.linalg.norm).
# BLANK: diff = ...
diff = np.linalg.norm(numgrad - grad) / np.linalg.norm(numgrad + grad)
# END YOUR TURN

# %%
print(check_step("relative_difference", diff, numerical=numgrad, analytical=grad))
print(f"your check of h: relative difference {diff:.4e}")

# %% [markdown]
# ## The autoencoder, with the course's centered difference
#
# The course's problem: 8x8 patches of the whitened natural images, 25 hidden units,
# $\rho = 0.01$, $\lambda = 10^{-4}$, $\beta = 3$, and only 10 patches (the check costs two cost
# evaluations per parameter, and the gradient's correctness does not depend on $m$). The biases
# are drawn at random instead of zero, so that every block of the gradient is exercised. The
# cell runs the course's centered difference with its $\epsilon = 10^{-4}$ on every
# coordinate (quick mode: every bias and a sample of the weights).

# %%
visible_size, hidden_size, lambda_, rho, beta = 64, 25, 1e-4, 0.01, 3.0
patches = normalize_data(sample_images(load_natural_images(), 8, 10, rng=0))  # (64, 10)
rng = np.random.default_rng(0)
theta = initialize_parameters(hidden_size, visible_size, rng)
theta[2 * hidden_size * visible_size:] = rng.normal(0, 0.2, hidden_size + visible_size)
n_weights = 2 * hidden_size * visible_size
if QUICK:  # every bias, and 40 of the weights
    sample = np.concatenate([np.sort(np.random.default_rng(2).choice(n_weights, 40, False)),
                             np.arange(n_weights, theta.size)])
else:
    sample = np.arange(theta.size)
BLOCKS = {name: np.flatnonzero(np.isin(sample, np.arange(theta.size)[s]))
          for name, s in block_slices(visible_size, hidden_size).items()}  # positions in sample


def J(t):
    return sparse_autoencoder_cost(t, visible_size, hidden_size, lambda_, rho, beta, patches)


def course_pair(cost, point, order=2, epsilon=1e-4):
    """(numerical, analytical) gradients of cost at point, on the sampled coordinates."""
    numerical = compute_numerical_gradient(cost, point, epsilon, indices=sample, order=order)
    return numerical, cost(point)[1][sample]


numerical, analytical = course_pair(J, theta)
overall = relative_difference(numerical, analytical)
print(f"{sample.size} of {theta.size} parameters, relative difference {overall:.3e}")

# %% [markdown]
# The overall figure is well below $10^{-9}$. Now each block on its own.
#
# **Your turn (3 of 3).** The relative difference of the $b^{(2)}$ block alone: slice both
# vectors with `BLOCKS["b2"]` (the positions of $b^{(2)}$'s entries) first.

# %%
b2 = BLOCKS["b2"]
# YOUR TURN: the relative difference of numerical[b2] and analytical[b2].
# BLANK: diff_b2 = ...
diff_b2 = relative_difference(numerical[b2], analytical[b2])
# END YOUR TURN

# %%
print(check_step("block_difference", diff_b2, numerical=numerical, analytical=analytical,
                 block=b2))


def by_block(numerical, analytical, threshold=1e-9, label=""):
    """Print and return the relative difference overall and per block, with PASS/FAIL."""
    row = {"overall": relative_difference(numerical, analytical)}
    row.update({name: relative_difference(numerical[k], analytical[k])
                for name, k in BLOCKS.items()})
    print(f"{label:<22}" + "".join(f"{name:>8} {value:.2e}" for name, value in row.items()),
          "  PASS" if max(row.values()) < threshold else "  FAIL")
    return row


course_row = by_block(numerical, analytical, label="centered, eps 1e-4")

# %% [markdown]
# The gradient is correct (the package's, and the stencil below confirms it), yet with the
# course's own centered difference the $b^{(2)}$ block does not reach $10^{-9}$ in the full
# run (the row above prints it; a quick run's sample may differ). Two errors limit the
# centered difference in each coordinate: truncation, about $\epsilon^2 |J'''| / 6$, and
# rounding, about $u|J|/\epsilon$ with $u = 2^{-53}$. Together they leave an absolute error of
# the same order in every coordinate. Where the gradient's entries are large ($W^{(1)}$) that
# is a tiny relative error; $b^{(2)}$'s entries are small, so the same absolute error is a
# larger relative one. The overall figure cannot show this: it is dominated by the large
# blocks.
#
# The cure is a better difference, not a looser threshold: the five-point stencil
# $\big(-J(\theta + 2\epsilon e_i) + 8J(\theta + \epsilon e_i) - 8J(\theta - \epsilon e_i) +
# J(\theta - 2\epsilon e_i)\big) / 12\epsilon$ has a truncation error that shrinks as
# $\epsilon^4$, so a larger step ($10^{-3}$) can be used and the rounding error shrinks with it.

# %%
stencil_row = by_block(*course_pair(J, theta, order=4, epsilon=1e-3),
                       label="five-point, eps 1e-3")
assert max(stencil_row.values()) < 1e-9
assert QUICK or course_row["b2"] > 1e-9  # the course's difference falls short in b2

# %% [markdown]
# ## Block by block and term by term
#
# `gradient_check` does all of this for the package's cost: the five-point stencil, each
# block on its own, and each term of the cost on its own: the data term alone
# ($\lambda = \beta = 0$), then with weight decay, then with sparsity. A failure then names the
# block and the term to look at.

# %%
# Quick mode checks a random sample of 15 coordinates per block instead of all 3,289.
report = gradient_check(theta, visible_size, hidden_size, lambda_, rho, beta, patches,
                        num_checks=15 if QUICK else None, rng=0)
print(report)
assert report.passed


# %% [markdown]
# ## Four classic bugs, planted on purpose
#
# Below are four **deliberately wrong copies** of the cost. Each computes the cost correctly
# (so the numerical gradient is the true one) and gets one line of the gradient wrong, the way
# students do:
#
# 1. **$\hat\rho$ per example**: the sparsity term of $\delta^{(2)}$ uses each example's own
#    $a^{(2)}$ instead of the batch average $\hat\rho$;
# 2. **sparsity term missing from $\delta^{(2)}$**: the gradient of the cost without its penalty;
# 3. **weight decay on the biases**: $\lambda b$ added to the bias gradients, though the cost
#    does not decay the biases;
# 4. **sparsity term outside the derivative**: $\beta(\dots)$ added to $\delta^{(2)}$ after
#    the product with $f'(z^{(2)})$, the version of notebook 2's "watch out" box.
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


def wrong_cost_sparsity_outside(theta, v, h, lambda_, rho, beta, data):
    """DELIBERATELY WRONG COPY (bug 4): the sparsity term added after the product with f'."""
    parts = forward_and_cost(theta, v, h, lambda_, rho, beta, data)
    W1, W2, b1, b2, a2, rho_hat, cost, delta3 = parts
    sparse = sparsity_delta(rho, rho_hat, beta)[:, None]  # (h, 1)
    delta2 = (W2.T @ delta3) * a2 * (1 - a2) + sparse  # BUG: added after the product with f'
    m = data.shape[1]
    return cost, pack(delta2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                      delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)


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


def check(cost_function, point=small_theta, data=small_data, epsilon=1e-3, threshold=THRESHOLD):
    """Relative differences {term: {block: value}}, printed as a table with PASS/FAIL."""
    table = {}
    print(f"{'':<16}" + "".join(f"{name:>11}" for name in ("overall", "W1", "W2", "b1", "b2")))
    for term, (lam, b) in TERMS.items():
        J = lambda t: cost_function(t, v, h, lam, rho, b, data)
        numerical = compute_numerical_gradient(J, point, epsilon, order=4)
        analytical = J(point)[1]
        row = {"overall": relative_difference(numerical, analytical)}
        for block, s in block_slices(v, h).items():
            row[block] = relative_difference(numerical[s], analytical[s])
        table[term] = row
        print(f"{term:<16}" + "".join(f"{x:>11.1e}" for x in row.values()),
              "  PASS" if max(row.values()) < threshold else "  FAIL")
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

# %% [markdown]
# Only the rows with weight decay fail, and only in the bias blocks.
#
# ### Bug 4: the sparsity term outside the derivative

# %%
bug4 = check(wrong_cost_sparsity_outside)
assert bug4["+ weight decay"]["overall"] < THRESHOLD < bug4["+ sparsity"]["overall"]
print(f"\nall terms, overall: {bug4['all terms']['overall']:.2f}")

# %% [markdown]
# The signature of bugs 1 and 2 (the sparsity rows, in $W^{(1)}$ and $b^{(1)}$), at a size
# that no rounding could explain: the overall figure printed last is a sizeable fraction of 1.
# A gradient check does not tell "outside" from "missing"; `check_step` in notebook 2 and the
# package's checker (`ufldl_sae.coursework`) do, by comparing with each slip's own gradient.
#
# ## Bug 3 at the course's size, and at zero biases
#
# On the small problem bug 3 shows in the overall figure too. Does it at the course's size,
# where the 89 biases are a small part of 3,289 parameters? The cell runs the course's
# centered difference ($\epsilon = 10^{-4}$) on bug 3 at the course's $\theta$ (random
# biases), then at the same weights with the biases set to 0, their value at the course's
# initialization.

# %%
def course_cost(cost_function):
    return lambda t: cost_function(t, visible_size, hidden_size, lambda_, rho, beta, patches)


bug3_course = by_block(*course_pair(course_cost(wrong_cost_decayed_biases), theta),
                       label="bug 3, random biases")
zero_biases = theta.copy()
zero_biases[n_weights:] = 0.0
bug3_zero = by_block(*course_pair(course_cost(wrong_cost_decayed_biases), zero_biases),
                     label="bug 3, zero biases")
print(f"random biases: overall {bug3_course['overall'] / 1e-9:.0f} times the threshold; "
      f"b2 block {bug3_course['b2'] / bug3_course['overall']:.0f} times the overall figure")
assert bug3_course["overall"] > 1e-9 and bug3_course["b2"] > bug3_course["overall"]
assert bug3_zero["b1"] < 1e-9 and bug3_zero["b2"] < 1e-8

# %% [markdown]
# The overall figure does not hide the bug at the course's size either: it fails by the
# factor printed. The bias blocks fail far more clearly (the other factor printed), since the
# weights, correct and much larger, dilute the error in the overall figure. So the reason to
# read the check block by block is not that the overall figure would pass. It is that the
# blocks say *where*: only $b^{(1)}$ and $b^{(2)}$ fail, which points at the bias lines; and,
# as seen above, that a correct gradient's small blocks tell you whether your difference is
# accurate enough.
#
# At zero biases the bug disappears: $\lambda b = 0$, so the wrong gradient equals the right
# one at that point. Its row agrees to the accuracy of the centered difference: where it
# prints FAIL, that is the $b^{(2)}$ block near $10^{-9}$, the difference's own limit seen
# above, not the bug ($b^{(1)}$, which the bug also touches, agrees far below $10^{-9}$). A
# check run at the course's initial $\theta$, where the biases are 0, cannot see bug 3;
# check at a point with nonzero biases.
#
# ## Check gradients in float64: the rounding argument, computed
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
    J_d = lambda t: sparse_autoencoder_cost(t, v, h, lambda_, rho, beta, data_d)
    theta_d = small_theta.astype(dtype)
    exact = sparse_autoencoder_cost(small_theta, v, h, lambda_, rho, beta, small_data)[1]
    curves[dtype.__name__] = [
        relative_difference(compute_numerical_gradient(J_d, theta_d, e), exact)
        for e in epsilons
    ]
    u = np.finfo(dtype).eps / 2
    best = int(np.argmin(curves[dtype.__name__]))
    print(f"{dtype.__name__}: unit roundoff {u:.1e}, u^(1/3) = {u ** (1 / 3):.1e}, "
          f"u^(2/3) = {u ** (2 / 3):.1e}; best relative difference in the sweep "
          f"{curves[dtype.__name__][best]:.1e} at eps {epsilons[best]:.1e}")
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
# The float64 curve dips below the dashed threshold; the float32 curve bottoms out orders of
# magnitude above it, whatever the step (the cell above prints both minima and where they
# are, beside $u^{1/3}$ and $u^{2/3}$). Note what that measures: the rounding of the *finite
# difference* of float32 costs, $u|J|/\epsilon$, not the accuracy of the float32 gradient
# formula, which is compared here with the exact float64 gradient. A check can only be as
# fine as its finite difference.
#
# `gradient_check` does accept float32, with a stated threshold of its own, 2e-3, at which a
# correct gradient passes:

# %%
report32 = gradient_check(theta.astype(np.float32), visible_size, hidden_size, lambda_, rho,
                          beta, patches.astype(np.float32), num_checks=15, rng=0)
print(report32)
assert report32.passed and report32.difference > 1e-9

# %% [markdown]
# That is no alternative to float64. The same threshold lets bug 3 through: the cell runs the
# table above on bug 3 in float32 (data and $\theta$ in float32, the five-point stencil at
# float32's default step $10^{-1}$), against 2e-3.

# %%
bug3_32 = check(wrong_cost_decayed_biases, small_theta.astype(np.float32),
                small_data.astype(np.float32), epsilon=1e-1, threshold=2e-3)
assert all(max(row.values()) < 2e-3 for row in bug3_32.values())  # every row passes

# %% [markdown]
# Every row passes in float32, although the gradient is wrong. The rule: **check gradients
# in float64**, against $10^{-9}$. Once the float64 check passes, the same code can train in
# float32 (notebook 6).
#
# ## Summary
#
# * The course's quadratic check validates the checker itself (the first cell's figure), and
#   your own centered difference reproduces it.
# * The course's centered difference is not accurate enough for $10^{-9}$ in every block of
#   a correct gradient (the $b^{(2)}$ row); the five-point stencil is.
# * Read the check block by block and term by term: the failing block and term tell you which
#   line of the gradient to read. Check at nonzero biases, or bug 3 is invisible.
# * Each classic bug has a signature: bugs 1, 2 and 4 fail only with sparsity, in $W^{(1)}$
#   and $b^{(1)}$; bug 3 fails only with weight decay, in $b^{(1)}$ and $b^{(2)}$.
# * Float32 rounding of the finite difference alone leaves a relative difference far above
#   1e-9, and float32's own threshold lets a real bug pass: check in float64.
#
# ## Check your understanding
#
# 1. Why does the course's check use the centered difference and not
#    $(J(\theta + \epsilon e_i) - J(\theta))/\epsilon$?
#    *Answer: the one-sided difference has an error of order $\epsilon$, the centered one of
#    order $\epsilon^2$: with $\epsilon = 10^{-4}$, errors of order $10^{-4}$ against
#    $10^{-8}$ (times the size of the second and third derivatives).*
# 2. Why not make $\epsilon$ as small as possible?
#    *Answer: the rounding error of the difference grows as $u|J|/\epsilon$; the sweep shows
#    the error rising again below the best step.*
# 3. Your check fails only in $b^{(1)}$ and $b^{(2)}$, and only with weight decay. Which line
#    do you read first?
#    *Answer: the bias gradients: something there depends on $\lambda$, such as a
#    $\lambda b$ that the cost does not have (bug 3).*
# 4. A classmate's check passes at the course's initial $\theta$. Is their bias gradient
#    right?
#    *Answer: not necessarily: the biases are 0 there, so a $\lambda b$ vanishes; check at a
#    point with nonzero biases.*
