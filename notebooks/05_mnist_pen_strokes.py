# %% [markdown]
# # 5. MNIST pen strokes
#
# The course's vectorization exercise: the same sparse autoencoder, now on the first 10,000
# MNIST training digits (28x28 = 784 pixels), with 196 hidden units, $\rho = 0.1$,
# $\lambda = 3\cdot10^{-3}$, $\beta = 3$ and 400 L-BFGS iterations. The exercise exists
# because a cost written with a loop over examples is far too slow at this size: the
# implementation has to be matrix products over the whole batch (notebook 1). The hidden units
# then learn pen strokes.
#
# Three cells are left to you, as in notebooks 1 to 4: the interval of the initial weights,
# the weight decay that interval implies at $\theta_0$, and the average activations
# $\hat\rho_j$ of the trained network over all 10,000 digits at once, without a loop. Each
# **your turn** cell is followed by a check cell that runs `check_step` on what you wrote and
# names the slip if it is a known one. Questions with answers close the notebook.

# %%
import time

import numpy as np

from ufldl_sae import (initialize_parameters, sparse_autoencoder_cost,
                       sparse_autoencoder_cost_terms, train_sparse_autoencoder, unpack)
from ufldl_sae.coursework.notebook_exercises import check_step
from ufldl_sae.data import fetch_mnist, load_mnist_images, verify_mnist_folder
from ufldl_sae.model import forward, kl_divergence, sigmoid
from ufldl_sae.optimize import ProgressPrinter
from ufldl_sae.plots.network import display_network
from ufldl_sae.tuning import blas_threads

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
NUM_IMAGES = 1000 if QUICK else 10000
MAX_ITER = 25 if QUICK else 400
visible_size, hidden_size, rho, lambda_, beta = 784, 196, 0.1, 3e-3, 3.0
print(f"{NUM_IMAGES} images, {MAX_ITER} iterations" + (" (quick mode)" if QUICK else ""))
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (5, 3.2)})

# %% [markdown]
# ## The data
#
# The four original MNIST files are read from the folder named by the environment variable
# `UFLDL_SAE_MNIST_DIR` when it is set (each file is checked against its published SHA-256),
# otherwise downloaded once by `fetch_mnist()` into a cache. `load_mnist_images` returns
# 784 x N values in $[0, 1]$, one digit per column, flattened column-major as the course's
# `loadMNISTImages.m` does.

# %%
folder = os.environ.get("UFLDL_SAE_MNIST_DIR")
files = verify_mnist_folder(folder) if folder else fetch_mnist()
images = load_mnist_images(files["train_images"])[:, :NUM_IMAGES]  # (784, NUM_IMAGES)
print(f"images {images.shape}, values in [{images.min():g}, {images.max():g}], "
      f"{100 * np.mean(images == 0):.0f}% of pixels exactly 0")


def show_mosaic(columns, title, size=3.6):
    """A display_network mosaic (one tile per column) on a grey scale."""
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(display_network(columns), cmap="gray", vmin=-1, vmax=1)
    ax.set_title(title)
    ax.axis("off")
    plt.show()


show_mosaic(images[:, :100], "The first 100 training digits")

# %% [markdown]
# ## Why vectorize
#
# The feedforward pass of the notes, one example at a time, against the same pass as two
# matrix products over the whole batch (timed on 1,000 digits with the initial weights). The
# results are the same; the cell prints both times (the best of three runs, on one BLAS thread so
# that the comparison is of the code, not of the thread pool).

# %%
theta0 = initialize_parameters(hidden_size, visible_size, rng=0)
W1, W2, b1, b2 = unpack(theta0, visible_size, hidden_size)
batch = images[:, :1000]

def best_time(f, repeats=3):
    """The best of a few runs of f(), in seconds, on one BLAS thread."""
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

# %% [markdown]
# ## Training
#
# Before training, $J(\theta_0)$ by hand, as in notebook 4: the weight decay from the
# interval of the initial weights, the other two terms from the network evaluated on the
# average digit $\bar x$.
#
# The course's `initializeParameters.m` draws every weight uniformly from $[-r, r]$ with
# $r = \sqrt{6}/\sqrt{n_{in} + n_{out} + 1}$, where $n_{in}$ and $n_{out}$ are the visible and
# hidden sizes, and sets the biases to zero; `initialize_parameters` does the same.
#
# **Your turn (1 of 3).** Write `r` for the 784-196 network, from `visible_size` and
# `hidden_size`.

# %%
# YOUR TURN: r, the half-width of the initial weights' interval, sqrt(6 / (n_in + n_out + 1)).
# BLANK: r = ...
r = np.sqrt(6 / (visible_size + hidden_size + 1))
# END YOUR TURN

# %%
print(check_step("init_interval", r, visible_size=visible_size, hidden_size=hidden_size))
weights0 = np.concatenate([W1.ravel(), W2.ravel()])  # theta0's 2 * 784 * 196 weights
print(f"r = {r:.6f}; theta0's weights lie in [{weights0.min():.6f}, {weights0.max():.6f}], "
      f"their mean square {np.mean(weights0**2):.6f} against r^2/3 = {r**2 / 3:.6f}")

# %% [markdown]
# The weights fill the interval, and their mean square is close to $r^2/3$, the second
# moment of a uniform variable on $[-r, r]$ ($\frac{1}{2r}\int_{-r}^{r} w^2\,dw$): both
# printed above.
#
# **Your turn (2 of 3).** The weight decay term that this interval predicts at $\theta_0$:
# $\frac{\lambda}{2}\sum_l\sum_{i,j}(W^{(l)}_{ji})^2$, with every $(W^{(l)}_{ji})^2$
# replaced by its expected value $r^2/3$. Count the weights of both layers. The cell below
# the check sets the three estimates beside the exact terms.

# %%
args = (visible_size, hidden_size, lambda_, rho, beta)  # the course's order
terms0 = sparse_autoencoder_cost_terms(theta0, *args, images)
# YOUR TURN: the expected weight decay at theta0, (lambda/2) * (number of weights) * r^2/3.
# BLANK: weight_decay_by_hand = ...
weight_decay_by_hand = lambda_ / 2 * 2 * visible_size * hidden_size * r**2 / 3
# END YOUR TURN

# %%
print(check_step("weight_decay_at_init", weight_decay_by_hand, lambda_=lambda_,
                 visible_size=visible_size, hidden_size=hidden_size))

# %%
x_bar = images.mean(axis=1, keepdims=True)  # the average digit, (784, 1)
a2_bar, a3_bar = forward(W1, W2, b1, b2, x_bar)  # theta0's blocks; (196, 1), (784, 1)
by_hand = (0.5 * np.mean(np.sum((a3_bar - images) ** 2, axis=0)),
           float(weight_decay_by_hand),
           beta * float(np.sum(kl_divergence(rho, a2_bar))))
print(f"{'term':<15} {'by hand':>9} {'J(theta0)':>10} {'share of J':>11}")
for name, hand, exact in zip(("reconstruction", "weight decay", "sparsity"), by_hand, terms0):
    print(f"{name:<15} {hand:9.4f} {exact:10.4f} {100 * exact / terms0.total:10.1f}%")
print(f"{'J':<15} {sum(by_hand):9.4f} {terms0.total:10.4f}")
assert np.allclose(by_hand, terms0, rtol=0.1)

# %% [markdown]
# The estimates agree within 10% (asserted); here the sparsity term is a smaller share of
# $J(\theta_0)$ than on the patches ($\rho$ is ten times larger, so $\mathrm{KL}(\rho\,\|\,0.5)$
# is smaller) and the reconstruction term a larger one (784 pixels per digit, most of them 0,
# against outputs near 0.5).
#
# The same `train_sparse_autoencoder` as for the patches, with the exercise's settings. One
# evaluation does more arithmetic than on the patches by the ratio of the weight counts
# (printed below), for the same 10,000 examples, so this is the long run of the series; the
# cell prints its time, which depends on the machine and its load (notebook 7 times the same
# run on one BLAS thread, without this cell's extra forward passes). The `callback` keeps the
# three terms after the first twenty iterations and every tenth after (each an extra forward
# pass), for the curve below.

# %%
print(f"weights: {visible_size * hidden_size:,} per layer here, {64 * 25:,} on the patches "
      f"({visible_size * hidden_size / (64 * 25):.0f}x)")
curve = [(0, *terms0)]


def keep_terms(record, theta):
    """The three terms after some of the iterations (an extra forward pass each)."""
    if record.iteration <= 20 or record.iteration % 10 == 0 or record.iteration == MAX_ITER:
        curve.append((record.iteration, *sparse_autoencoder_cost_terms(theta, *args, images)))


result = train_sparse_autoencoder(theta0, *args, images, max_iter=MAX_ITER,
                                  progress=ProgressPrinter(every=50), callback=keep_terms)
terms = sparse_autoencoder_cost_terms(result.theta, *args, images)
print(f"\n{result.n_iter} iterations, {result.n_evals} evaluations, "
      f"{result.wall_time:.1f} s: {result.message}")
print(f"final cost {result.cost:.4f} = reconstruction {terms.reconstruction:.4f} + "
      f"weight decay {terms.weight_decay:.4f} + sparsity {terms.sparsity:.4f}")
assert result.cost < result.history[0].cost

curve = np.array(curve)  # columns: iteration, reconstruction, weight decay, sparsity
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.semilogy(curve[:, 0], curve[:, 1:].sum(axis=1), color="black", label="J")
for column, name in zip((1, 2, 3), ("reconstruction", "weight decay", "sparsity")):
    ax.semilogy(curve[:, 0], curve[:, column], label=name)
ax.set(title=r"$J_{sparse}$ and its terms on MNIST, from $\theta_0$",
       xlabel="L-BFGS iteration", ylabel="cost (log scale)")
ax.legend(fontsize=8)
plt.show()
for k in (0, 5, 20, int(curve[-1, 0])):
    row = curve[curve[:, 0] == k][0]
    print(f"iteration {k:3d}: reconstruction {row[1]:8.4f}, weight decay {row[2]:7.4f}, "
          f"sparsity {row[3]:8.4f}")

# %% [markdown]
# The sparsity term falls first and furthest, as on the patches; the weight decay grows as the
# weights take shape; the long tail of the run is the reconstruction term (the printed rows
# give the figures).

# %% [markdown]
# ## The filters: pen strokes
#
# Each of the 196 tiles is one row of $W^{(1)}$ drawn as a 28x28 image. After the full run
# most of them are strokes and arcs, each at one place in the digit frame, and a few look like
# whole digits. A digit is rebuilt from several of them: the sparsity report below counts how
# many units are strongly active on a typical digit.

# %%
W1, W2, b1, b2 = unpack(result.theta, visible_size, hidden_size)
show_mosaic(W1.T, f"W1 after {result.n_iter} iterations", size=5)

# %% [markdown]
# ## Reconstructions
#
# Ten digits (top) and the network's outputs $a^{(3)}$ (bottom).

# %%
a3 = forward(W1, W2, b1, b2, images)[1]  # (784, m)
fig, axes = plt.subplots(2, 10, figsize=(7, 1.7))
for i in range(10):
    for row, columns in enumerate((images, a3)):
        image = columns[:, i].reshape(28, 28, order="F")  # column-major, as loadMNISTImages
        axes[row, i].imshow(image, cmap="gray", vmin=0, vmax=1)
        axes[row, i].axis("off")
fig.suptitle("Digits (top) and their reconstructions (bottom)", fontsize=10)
plt.show()

# %% [markdown]
# ## The sparsity report
#
# How close each unit's average activation $\hat\rho_j$ came to $\rho$, and how often units
# fire. The report needs the hidden activations of every digit, which is the heart of the
# vectorization exercise: the notes' $a^{(2)} = f(W^{(1)}x + b^{(1)})$ for one example becomes
# one matrix product for all of them, `W1 @ images` (196 x 10,000), with $b^{(1)}$ added to
# every column.
#
# **Your turn (3 of 3).** Write `a2` for all the digits at once, from `W1`, `b1` and `images`
# (`sigmoid` is imported), then `rho_hat`: no loop over the digits.

# %%
# YOUR TURN: a2 = f(W1 x + b1) for every digit (column) at once, then rho_hat, its row means.
# BLANK: a2 = ...
# BLANK: rho_hat = ...
a2 = sigmoid(W1 @ images + b1[:, None])  # (196, m)
rho_hat = a2.mean(axis=1)  # (196,)
# END YOUR TURN

# %%
print(check_step("rho_hat_all", rho_hat, W1=W1, b1=b1, data=images))

# %% [markdown]
# The report: the spread of the $\hat\rho_j$ around $\rho$, the share of activations above
# 0.1, and the number of units active on a typical digit. The cell also splits the $b^{(1)}$
# gradient into its reconstruction and sparsity parts, as notebook 4 does, to show why the
# $\hat\rho_j$ end where they do.

# %%
active_per_digit = np.sum(a2 > 0.5, axis=0)  # (m,)
print(f"rho = {rho}: rho_hat mean {rho_hat.mean():.4f}, min {rho_hat.min():.4f}, "
      f"max {rho_hat.max():.4f}")
print(f"activations above 0.1: {100 * np.mean(a2 > 0.1):.1f}%; units above 0.5 per digit: "
      f"median {np.median(active_per_digit):.0f} of {hidden_size}")
print(f"units with rho_hat above rho: {np.sum(rho_hat > rho)} of {hidden_size}")
_, grad = sparse_autoencoder_cost(result.theta, *args, images)
_, grad_rec = sparse_autoencoder_cost(result.theta, visible_size, hidden_size, lambda_, rho, 0.0,
                                      images)
pull_rec = unpack(grad_rec, visible_size, hidden_size)[2]  # (196,), reconstruction's part
print(f"reconstruction part of dJ/db1 negative (wants the unit more active): "
      f"{np.sum(pull_rec < 0)} of {hidden_size}")

fig, ax = plt.subplots()
ax.hist(rho_hat, bins=30, color="tab:blue")
ax.axvline(rho, color="tab:red", linestyle="--", label=rf"target $\rho$ = {rho:g}")
ax.set(title=f"Average activation of the {hidden_size} hidden units",
       xlabel=r"$\hat\rho_j$", ylabel="units")
ax.legend()
plt.show()

# %% [markdown]
# ## Summary
#
# * The vectorized cost is the same code as for the patches, only larger; the loop-free form
#   is what makes this run feasible.
# * The 196 units learn pen strokes. Their average activations do not scatter around $\rho$:
#   all of them end just above it (the report above prints how many and the range). The
#   reconstruction term pulls each unit towards more activity, the penalty pulls back only
#   once $\hat\rho_j > \rho$, where $\mathrm{KL}'$ is positive, so the balance lies above
#   $\rho$ (notebook 4 shows the two pulls cancel there; notebook 7 compares with Adam).
#
# ## Check your understanding
#
# 1. Why is the loop over examples slower, when it does the same arithmetic?
#    *Answer: each example costs two small matrix-vector products and a Python iteration;
#    one matrix-matrix product over the batch lets BLAS reuse each weight for many examples
#    from cache and pays the interpreter once.*
# 2. If you doubled $\beta$, would the $\hat\rho_j$ move towards $\rho$ or away?
#    *Answer: towards; the penalty's slope must balance the same reconstruction pull, and a
#    larger $\beta$ reaches that slope closer to $\rho$ (notebook 4's sweep).*
# 3. What would `reshape(28, 28)` without `order="F"` show?
#    *Answer: each digit transposed, since `load_mnist_images` flattens column-major.*
# 4. In `sigmoid(W1 @ images + b1[:, None])`, what does `[:, None]` do, and what happens
#    without it?
#    *Answer: it makes $b^{(1)}$ a 196 x 1 column, which NumPy adds to each of the m columns
#    of `W1 @ images`. Without it, the shapes (196, m) and (196,) are aligned from the right,
#    m against 196, and the sum raises a broadcasting error (unless m happens to be 196,
#    when it silently adds $b^{(1)}_i$ to column i instead).*
# 5. At $\theta_0$ the biases are zero. Why would a check of your $\hat\rho$ at $\theta_0$
#    not catch a forgotten $b^{(1)}$?
#    *Answer: with $b^{(1)} = 0$ the wrong line gives the right numbers; the exercise uses
#    the trained $b^{(1)}$, which is not zero (notebook 3 makes the same point for bug 3).*
