# %% [markdown]
# # 4. Natural images to edge detectors
#
# The course's sparse autoencoder exercise, end to end: sample 8x8 patches from whitened
# natural images, normalize them, train a 64-25-64 sparse autoencoder with L-BFGS, and look at
# what the hidden units have learned. The settings are the course's: 25 hidden units,
# $\rho = 0.01$, $\lambda = 10^{-4}$, $\beta = 3$, 10,000 patches, 400 iterations. Then two
# variations: no sparsity penalty ($\beta = 0$), and images that are not whitened.

# %%
import numpy as np

from ufldl_sae import (initialize_parameters, sparse_autoencoder_cost_terms,
                       train_sparse_autoencoder, unpack)
from ufldl_sae.data import load_natural_images, normalize_data, sample_images
from ufldl_sae.model import forward
from ufldl_sae.optimize import ProgressPrinter
from ufldl_sae.plots.network import display_network

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
NUM_PATCHES = 2000 if QUICK else 10000
MAX_ITER = 40 if QUICK else 400
visible_size, hidden_size, rho, lambda_, beta = 64, 25, 0.01, 1e-4, 3.0
print(f"{NUM_PATCHES} patches, {MAX_ITER} iterations" + (" (quick mode)" if QUICK else ""))
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (5, 3.2)})

# %% [markdown]
# ## The whitened images
#
# The package ships ten public-domain photographs, whitened as Olshausen and Field whitened the
# course's `IMAGES.mat` (the course's file cannot be redistributed; `data/README.md` gives the
# sources and the recipe). Whitening flattens the power spectrum: the slow changes of
# brightness that dominate photographs are damped and edges stand out.

# %%
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

# %% [markdown]
# ## Sampling and normalizing patches
#
# `sample_images` follows `sampleIMAGES.m`: a random image, a random 8x8 window, flattened
# column-major into a column of 64 values. `normalize_data` follows the course's
# `normalizeData`: remove each patch's mean, truncate at $\pm 3$ standard deviations, and map
# $[-1, 1]$ to $[0.1, 0.9]$, the range a sigmoid output unit can reach (it can never produce
# exactly 0 or 1). The histograms show the pixel values before and after.

# %%
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


# %% [markdown]
# The spikes at both ends of the right histogram are the values truncated at three standard
# deviations; the centre of the distribution is at 0.5, since each patch lost its own mean.
# Here are 100 of the normalized patches, shown with the course's `display_network`:

# %%
def show_mosaic(columns, title, cols=None, normalize=True, size=3.2):
    """A display_network mosaic (one tile per column) on a grey scale."""
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(display_network(columns, cols, normalize=normalize), cmap="gray", vmin=-1, vmax=1)
    ax.set_title(title)
    ax.axis("off")
    plt.show()


show_mosaic(patches[:, :100], "100 normalized 8x8 patches", normalize=False)

# %% [markdown]
# ## Training with the course's settings
#
# `train_sparse_autoencoder` minimizes $J_{sparse}$ (notebooks 1 and 2) with L-BFGS, as the
# course's `train.m` does with minFunc, from the course's random initialization: weights
# uniform in $\pm\sqrt{6}/\sqrt{n_{in} + n_{out} + 1}$, biases zero.

# %%
theta0 = initialize_parameters(hidden_size, visible_size, rng=0)
args = (visible_size, hidden_size, lambda_, rho, beta)  # the course's order
result = train_sparse_autoencoder(theta0, *args, patches, max_iter=MAX_ITER,
                                  progress=ProgressPrinter(every=50))
terms = sparse_autoencoder_cost_terms(result.theta, *args, patches)
print(f"\n{result.n_iter} iterations, {result.n_evals} evaluations, "
      f"{result.wall_time:.1f} s: {result.message}")
print(f"final cost {result.cost:.4f} = reconstruction {terms.reconstruction:.4f} + "
      f"weight decay {terms.weight_decay:.4f} + sparsity {terms.sparsity:.4f}")
assert result.cost < result.history[0].cost

# %% [markdown]
# ## The filters
#
# Each tile is one row of $W^{(1)}$, the weights from the 64 pixels into one hidden unit,
# drawn as an 8x8 image: as the notes' section *Visualizing a trained autoencoder* shows, that
# is the input (of bounded norm) that excites the unit most. On whitened natural images the
# sparse autoencoder learns localized, oriented edge detectors, like the receptive fields of
# simple cells in the primary visual cortex.

# %%
W1, W2, b1, b2 = unpack(result.theta, visible_size, hidden_size)
show_mosaic(W1.T, f"W1 after {result.n_iter} iterations (beta = {beta:g})")

# %% [markdown]
# ## The loss curve
#
# The cost after each L-BFGS iteration. Most of the fall happens in the first few dozen
# iterations; the rest refines the filters.

# %%
fig, ax = plt.subplots()
ax.semilogy([r.iteration for r in result.history], [r.cost for r in result.history])
ax.set(title=r"$J_{sparse}$ during training", xlabel="L-BFGS iteration",
       ylabel="cost (log scale)")
plt.show()


# %% [markdown]
# ## Reconstructions
#
# Top row: ten patches; bottom row: the network's outputs $a^{(3)}$ for them, on the same grey
# scale $[0.1, 0.9]$, the range of `normalize_data`. The outputs are much flatter than the
# inputs: with $\rho = 0.01$ each patch is rebuilt from the few units that respond to it, at
# low activation, so only the strongest edges leave a trace. The cell also prints the share of
# the patches' variance that the outputs explain. That is the price of sparsity: the goal of
# the exercise is the features (the filters above), not a faithful copy; the run without the
# penalty, below, reconstructs better with worse features.

# %%
def show_reconstructions(originals, outputs, side, title):
    """Originals (top) and reconstructions (bottom), on the grey scale [0.1, 0.9]."""
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
    """Share of the inputs' variance that the outputs reproduce."""
    return 1 - np.sum((outputs - inputs) ** 2) / np.sum((inputs - inputs.mean()) ** 2)


a2, a3 = forward(W1, W2, b1, b2, patches)  # (25, m), (64, m)
show_reconstructions(patches[:, :10], a3[:, :10], 8, "Ten patches and their reconstructions")
print(f"the outputs explain {100 * explained(a3, patches):.0f}% of the patches' variance")

# %% [markdown]
# ## Are the hidden units sparse?
#
# Left: every activation $a^{(2)}_j(x^{(i)})$ of every unit on every patch (log counts); a
# sparse code is a spike near 0 and a thin tail. Right: each unit's average $\hat\rho_j$
# against the target $\rho$. The cell prints the mean of $\hat\rho$ and the share of
# activations above 0.1.

# %%
rho_hat = a2.mean(axis=1)
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 2.8))
left.hist(a2.ravel(), bins=50, log=True, color="tab:blue")
left.axvline(rho, color="tab:red", linestyle="--", label=rf"$\rho$ = {rho:g}")
left.set(title="all hidden activations", xlabel=r"$a^{(2)}$", ylabel="count (log)")
left.legend()
right.bar(np.arange(hidden_size), rho_hat)
right.axhline(rho, color="tab:red", linestyle="--", label=rf"$\rho$ = {rho:g}")
right.set(title="average activation per unit", xlabel="hidden unit j",
          ylabel=r"$\hat\rho_j$")
right.set_ylim(0, 1.5 * max(rho_hat.max(), rho))
right.legend(loc="upper right")
fig.tight_layout()
plt.show()
print(f"mean rho_hat {rho_hat.mean():.4f} (target {rho}), min {rho_hat.min():.4f}, "
      f"max {rho_hat.max():.4f}; activations above 0.1: {100 * np.mean(a2 > 0.1):.1f}%")

# %% [markdown]
# ## Without the sparsity penalty ($\beta = 0$)
#
# The same data, the same starting point, the penalty switched off. Nothing now keeps the
# hidden units quiet: compare the filters and the printed average activation with the run
# above.

# %%
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

# %% [markdown]
# Without the penalty the code is dense: the units are partly on for most patches (the cell
# prints the mean activation and the share above 0.1), the reconstructions are better (the
# explained variance printed beside the sparse run's), and the filters lose their structure:
# 25 units that are all active at once can share the work of reconstruction through weights
# that look like noise, and no unit needs to specialize in one localized edge. The sparsity
# penalty is what makes each unit pick one feature.
#
# ## Without whitening
#
# Now the same exercise on the raw (unwhitened) crops of the same photographs,
# `load_natural_images(whitened=False)`, sampled and normalized the same way.

# %%
patches_raw = normalize_data(sample_images(raw_images, 8, NUM_PATCHES, rng=0))
result_raw = train_sparse_autoencoder(theta0, *args, patches_raw, max_iter=MAX_ITER)
W1_raw = unpack(result_raw.theta, visible_size, hidden_size)[0]
print(f"unwhitened: {result_raw.n_iter} iterations, {result_raw.wall_time:.1f} s, "
      f"cost {result_raw.cost:.4f}")
show_mosaic(W1_raw.T, "W1 on unwhitened images")

# %% [markdown]
# Unwhitened patches are dominated by smooth gradients of brightness, whose variance swamps
# that of the edges; the filters follow that: they are broader and smoother, low-frequency
# patterns rather than the crisp, localized edges of the whitened run. Whitening removes the
# correlations between neighbouring pixels so that the autoencoder spends its units on edges.
#
# ## Summary
#
# * `normalize_data` puts each patch, mean removed, into $[0.1, 0.9]$, the sigmoid's
#   reachable range.
# * With the course's settings the 25 filters become localized oriented edges; the cells above
#   print the final cost, its three terms and the time taken.
# * The sparsity penalty keeps the average activation near $\rho$ and makes the units
#   specialize; whitening makes them specialize on edges.
