# %% [markdown]
# # 5. MNIST pen strokes
#
# The course's vectorization exercise: the same sparse autoencoder, now on the first 10,000
# MNIST training digits (28x28 = 784 pixels), with 196 hidden units, $\rho = 0.1$,
# $\lambda = 3\cdot10^{-3}$, $\beta = 3$ and 400 L-BFGS iterations. The exercise exists
# because a cost written with a loop over examples is far too slow at this size: the
# implementation has to be matrix products over the whole batch (notebook 1). The hidden units
# then learn pen strokes.

# %%
import time

import numpy as np

from ufldl_sae import (initialize_parameters, sparse_autoencoder_cost_terms,
                       train_sparse_autoencoder, unpack)
from ufldl_sae.tuning import blas_threads
from ufldl_sae.data import fetch_mnist, load_mnist_images, verify_mnist_folder
from ufldl_sae.model import forward, sigmoid
from ufldl_sae.optimize import ProgressPrinter
from ufldl_sae.plots.network import display_network

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
NUM_IMAGES = 1000 if QUICK else 10000
MAX_ITER = 25 if QUICK else 400
visible_size, hidden_size, rho, lambda_, beta = 784, 196, 0.1, 3e-3, 3.0
print(f"{NUM_IMAGES} images, {MAX_ITER} iterations" + (" (quick mode)" if QUICK else ""))
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (5, 3.2)})

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
# The same `train_sparse_autoencoder` as for the patches, with the exercise's settings. The
# cost and gradient take about a hundred times more arithmetic per evaluation than the
# patches' (784 x 196 weights and 10,000 examples, against 64 x 25 and 10,000), so this is
# the long run of the series; the cell prints its time.

# %%
args = (visible_size, hidden_size, lambda_, rho, beta)  # the course's order
result = train_sparse_autoencoder(theta0, *args, images, max_iter=MAX_ITER,
                                  progress=ProgressPrinter(every=50))
terms = sparse_autoencoder_cost_terms(result.theta, *args, images)
print(f"\n{result.n_iter} iterations, {result.n_evals} evaluations, "
      f"{result.wall_time:.1f} s: {result.message}")
print(f"final cost {result.cost:.4f} = reconstruction {terms.reconstruction:.4f} + "
      f"weight decay {terms.weight_decay:.4f} + sparsity {terms.sparsity:.4f}")
assert result.cost < result.history[0].cost

fig, ax = plt.subplots()
ax.semilogy([r.iteration for r in result.history], [r.cost for r in result.history])
ax.set(title=r"$J_{sparse}$ on MNIST", xlabel="L-BFGS iteration", ylabel="cost (log scale)")
plt.show()

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
a2, a3 = forward(W1, W2, b1, b2, images)  # (196, m), (784, m)
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
# fire: the share of activations above 0.1, and the number of units active on a typical
# digit.

# %%
rho_hat = a2.mean(axis=1)
active_per_digit = np.sum(a2 > 0.5, axis=0)  # (m,)
print(f"rho = {rho}: rho_hat mean {rho_hat.mean():.4f}, min {rho_hat.min():.4f}, "
      f"max {rho_hat.max():.4f}")
print(f"activations above 0.1: {100 * np.mean(a2 > 0.1):.1f}%; units above 0.5 per digit: "
      f"median {np.median(active_per_digit):.0f} of {hidden_size}")

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
# * The 196 units learn pen strokes, and their average activations gather around $\rho$
#   (the cells above print the figures).
