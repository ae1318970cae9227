# %% [markdown]
# # 4. Natural images to edge detectors
#
# The course's sparse autoencoder exercise, end to end: sample 8x8 patches from whitened
# natural images, normalize them, train a 64-25-64 sparse autoencoder with L-BFGS, and look at
# what the hidden units have learned. The settings are the course's: 25 hidden units,
# $\rho = 0.01$, $\lambda = 10^{-4}$, $\beta = 3$, 10,000 patches, 400 iterations. Then
# variations: no sparsity penalty ($\beta = 0$), images that are not whitened, a small sweep
# of $\beta$ and $\rho$, and an overcomplete hidden layer.

# %%
import numpy as np

from ufldl_sae import (initialize_parameters, sparse_autoencoder_cost,
                       sparse_autoencoder_cost_terms, train_sparse_autoencoder, unpack)
from ufldl_sae.coursework.notebook_exercises import check_step
from ufldl_sae.data import load_natural_images, normalize_data, sample_images
from ufldl_sae.model import forward, kl_divergence
from ufldl_sae.optimize import ProgressPrinter
from ufldl_sae.plots.network import display_network

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
NUM_PATCHES = 2000 if QUICK else 10000
MAX_ITER = 40 if QUICK else 400
SWEEP_ITER = 40 if QUICK else 400  # the beta / rho sweep and the overcomplete run
visible_size, hidden_size, rho, lambda_, beta = 64, 25, 0.01, 1e-4, 3.0
print(f"{NUM_PATCHES} patches, {MAX_ITER} iterations" + (" (quick mode)" if QUICK else ""))
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (5, 3.2)})

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
# ## What should $J(\theta_0)$ be? A sanity check by hand
#
# Training starts from the course's random initialization: weights uniform in
# $\pm r$ with $r = \sqrt{6}/\sqrt{n_{in} + n_{out} + 1}$, biases zero. Each term of $J$
# there can be predicted before running anything, and a cost function that disagrees is
# wrong before any training starts:
#
# * **weight decay.** A weight uniform in $\pm r$ has $E[w^2] = r^2/3$, so the term is about
#   $\frac{\lambda}{2}\cdot 2\, s_1 s_2 \cdot r^2/3$.
# * **sparsity.** If every $z^{(2)}$ were 0, every $a^{(2)}$ would be $\sigma(0) = 0.5$ and
#   the term $\beta\, s_2\, \mathrm{KL}(\rho\,\|\,0.5)$. But the patches are not centred
#   (their pixels average 0.5), so $z^{(2)}_j \approx \sum_k W^{(1)}_{jk}\,\bar x_k$, with
#   $\bar x$ the average patch: a sum of 64 small weights times 0.5, of order $\pm 0.6$.
#   The units start spread around 0.5, and since KL is convex the spread adds to the
#   penalty. Evaluating the units on the average patch, $\hat\rho_j \approx
#   \sigma(W^{(1)}\bar x)_j$, captures that.
# * **reconstruction.** Likewise the outputs start near $a^{(3)}(\bar x)$, so the term is
#   about $\frac{1}{2}\cdot\frac{1}{m}\sum_i \lVert a^{(3)}(\bar x) - x^{(i)}\rVert^2$.
#
# **Your turn.** The cell computes $a^{(2)}(\bar x)$ as `a2_bar` (25 x 1); write the sparsity
# estimate from it. The check cell below names the slip, as in notebooks 1 to 3, and then
# sets the three estimates beside the exact terms.

# %%
theta0 = initialize_parameters(hidden_size, visible_size, rng=0)
args = (visible_size, hidden_size, lambda_, rho, beta)  # the course's order
terms0 = sparse_autoencoder_cost_terms(theta0, *args, patches)
r = np.sqrt(6) / np.sqrt(visible_size + hidden_size + 1)
x_bar = patches.mean(axis=1, keepdims=True)  # the average patch, (64, 1)
a2_bar, a3_bar = forward(*unpack(theta0, visible_size, hidden_size), x_bar)  # (25, 1), (64, 1)
# YOUR TURN: the sparsity estimate, beta * sum_j KL(rho || a2_bar_j) (a2_bar_j for rho_hat_j).
# BLANK: sparsity_by_hand = ...
kl_bar = rho * np.log(rho / a2_bar) + (1 - rho) * np.log((1 - rho) / (1 - a2_bar))  # (25, 1)
sparsity_by_hand = beta * np.sum(kl_bar)
# END YOUR TURN

# %%
print(check_step("sparsity", sparsity_by_hand, rho=rho, rho_hat=a2_bar, beta=beta))
by_hand = (0.5 * np.mean(np.sum((a3_bar - patches) ** 2, axis=0)),
           lambda_ / 2 * 2 * visible_size * hidden_size * r**2 / 3,
           float(sparsity_by_hand))
print(f"{'term':<15} {'by hand':>9} {'J(theta0)':>10} {'share of J':>11}")
for name, hand, exact in zip(("reconstruction", "weight decay", "sparsity"), by_hand, terms0):
    print(f"{name:<15} {hand:9.4f} {exact:10.4f} {100 * exact / terms0.total:10.1f}%")
print(f"{'J':<15} {sum(by_hand):9.4f} {terms0.total:10.4f}")
naive = beta * hidden_size * float(kl_divergence(rho, np.array(0.5)))
print(f"sparsity if every unit sat at 0.5: {naive:.4f}; the units on the average patch "
      f"range over [{a2_bar.min():.2f}, {a2_bar.max():.2f}]")
assert np.allclose(by_hand, terms0, rtol=0.1)

# %% [markdown]
# The estimates come within 10% of the exact terms (asserted; the weight decay's within a
# few percent), and the naive "every unit at 0.5" figure, also printed, is too low: the
# starting spread of the units matters. At $\theta_0$ nearly all of $J$ is the sparsity term
# (its share is printed): the units are about half on, fifty times more often than $\rho$
# asks.
#
# ## Training with the course's settings
#
# `train_sparse_autoencoder` minimizes $J_{sparse}$ (notebooks 1 and 2) with L-BFGS, as the
# course's `train.m` does with minFunc, from $\theta_0$. Its `callback` sees $\theta$ after
# every iteration; the cell keeps the three terms there, for the loss curve below.

# %%
curve = [(0, *terms0, float(forward(*unpack(theta0, visible_size, hidden_size),
                                    patches)[0].mean()))]


def keep_terms(record, theta):
    """The three terms and the mean rho_hat after an iteration (two extra forward passes)."""
    a2_now = forward(*unpack(theta, visible_size, hidden_size), patches)[0]
    curve.append((record.iteration, *sparse_autoencoder_cost_terms(theta, *args, patches),
                  float(a2_now.mean())))


result = train_sparse_autoencoder(theta0, *args, patches, max_iter=MAX_ITER,
                                  progress=ProgressPrinter(every=50), callback=keep_terms)
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
# $J$ and its three terms from $\theta_0$ (iteration 0) on, on a log scale, with the mean
# $\hat\rho$ printed along the way. The cell prints when $J$ first came within twice its
# final value.

# %%
curve = np.array(curve)  # columns: iteration, reconstruction, weight decay, sparsity, rho_hat
its, J_curve = curve[:, 0], curve[:, 1:4].sum(axis=1)
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.semilogy(its, J_curve, color="black", label="J")
for column, name in zip((1, 2, 3), ("reconstruction", "weight decay", "sparsity")):
    ax.semilogy(its, curve[:, column], label=name)
ax.set(title=r"$J_{sparse}$ and its terms during training", xlabel="L-BFGS iteration",
       ylabel="cost (log scale)")
ax.legend(fontsize=8)
plt.show()
fast = int(its[np.argmax(J_curve < 2 * J_curve[-1])])
for k in sorted({0, 1, 2, fast, int(its[-1])}):
    row = curve[its == k][0]
    print(f"iteration {k:3d}: J {row[1:4].sum():8.4f} (reconstruction {row[1]:.4f}, "
          f"weight decay {row[2]:.4f}, sparsity {row[3]:.4f}), mean rho_hat {row[4]:.4f}")
print(f"J fell from {J_curve[0]:.1f} to {J_curve[fast]:.3f} (within twice its final value) "
      f"in {fast} iterations, of {int(its[-1])}")

# %% [markdown]
# The printed rows tell the story. In the first handful of iterations the sparsity term
# collapses: the mean $\hat\rho$ drops from about 0.5 to about twice $\rho$, and $J$ falls to
# within twice its final value (iteration 1 alone roughly halves it). The rest of the run is
# slower work on all three terms: the reconstruction term falls further, the sparsity term is
# squeezed until the mean $\hat\rho$ sits just above $\rho$, and the weight decay grows as the
# weights take the shape of the filters.


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
print(f"units with rho_hat above rho: {np.sum(rho_hat > rho)} of {hidden_size}")

# %% [markdown]
# ## Why the $\hat\rho_j$ end just above $\rho$, not on it
#
# At a minimum the gradient of $J$ with respect to each bias $b^{(1)}_j$ is zero. Weight
# decay does not touch the biases, so the reconstruction term's part and the sparsity term's
# part must cancel. The sparsity part is $\beta\,\mathrm{KL}'(\hat\rho_j)$ times the mean of
# $f'(z^{(2)}_j)$, and $\mathrm{KL}'(q) = -\rho/q + (1-\rho)/(1-q)$ is zero at $q = \rho$
# and positive above it. The reconstruction part is negative when a more active unit would
# rebuild the patches better. The cell computes both parts at the trained $\theta$: the
# reconstruction part as the $b^{(1)}$ gradient of the cost with $\beta = 0$ (which also
# drops nothing else that depends on $b^{(1)}$), the sparsity part as the difference from the
# full gradient.

# %%
def bias_pulls(theta, args, data):
    """The b1 gradient of J split into (reconstruction part, sparsity part)."""
    visible, hidden, lam, target, weight = args
    _, grad = sparse_autoencoder_cost(theta, *args, data)
    _, grad_no_sparsity = sparse_autoencoder_cost(theta, visible, hidden, lam, target, 0.0, data)
    reconstruction = unpack(grad_no_sparsity, visible, hidden)[2]  # (hidden,)
    return reconstruction, unpack(grad, visible, hidden)[2] - reconstruction


pull_rec, pull_sparse = bias_pulls(result.theta, args, patches)
print(f"reconstruction part of dJ/db1 negative (wants the unit more active): "
      f"{np.sum(pull_rec < 0)} of {hidden_size} units")
print(f"sparsity part positive (rho_hat above rho): {np.sum(pull_sparse > 0)} of {hidden_size}")
print(f"largest |sum of the two parts|: {np.max(np.abs(pull_rec + pull_sparse)):.2e}, "
      f"against a typical part {np.median(np.abs(pull_rec)):.2e}")

# %% [markdown]
# The reconstruction term wants more activity from every unit (a unit that fires more often
# carries more of the patch), so the balance can only be struck where $\mathrm{KL}'$ is
# positive: every $\hat\rho_j$ ends a little above $\rho$. How far above depends on how
# hard the reconstruction pulls against $\beta$: a larger $\beta$ holds the units closer, as
# the sweep below shows.

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
# ## How $\beta$ and $\rho$ shape the code, and an overcomplete layer
#
# The notes stress two things this exercise leaves at one setting: the weight of the
# penalty and the target, and that sparsity lets the hidden layer be *larger* than the input
# (overcomplete) and still learn something other than the identity. The cell trains a few
# more networks on the same whitened patches, from their own $\theta_0$, and prints for each
# the final $J$, the mean $\hat\rho$, its gap to $\rho$, and the share of variance explained.

# %%
def train_and_report(hidden, target, weight, label):
    """Train one network on the patches; print and return (W1, mean rho_hat)."""
    run_args = (visible_size, hidden, lambda_, target, weight)
    start = initialize_parameters(hidden, visible_size, rng=0)
    run = train_sparse_autoencoder(start, *run_args, patches, max_iter=SWEEP_ITER)
    W1_run, W2_run, b1_run, b2_run = unpack(run.theta, visible_size, hidden)
    a2_run, a3_run = forward(W1_run, W2_run, b1_run, b2_run, patches)
    mean_rho_hat = float(a2_run.mean())
    print(f"{label:<26} J {run.cost:7.4f}  mean rho_hat {mean_rho_hat:.4f} "
          f"(rho + {mean_rho_hat - target:.4f})  explained "
          f"{100 * explained(a3_run, patches):3.0f}%  {run.wall_time:5.1f} s")
    return W1_run, mean_rho_hat


sweep = {}
for weight in (0.3, 3.0, 10.0):
    label = f"25 units, rho 0.01, beta {weight:g}"
    sweep[weight] = train_and_report(hidden_size, rho, weight, label)
train_and_report(hidden_size, 0.05, beta, "25 units, rho 0.05, beta 3")
W1_over, _ = train_and_report(100, rho, beta, "100 units, rho 0.01, beta 3")
gaps = [sweep[w][1] - rho for w in (0.3, 3.0, 10.0)]
assert QUICK or gaps[0] > gaps[1] > gaps[2] > 0  # heavier penalty: rho_hat closer to rho
show_mosaic(W1_over.T, "W1 of the overcomplete 64-100-64 network", size=4)

# %% [markdown]
# Every run ends with its mean $\hat\rho$ above its target, and the gap shrinks as $\beta$
# grows (asserted): the penalty's slope has to grow to balance the same reconstruction pull.
# Compare the explained variance along the sweep: a lighter penalty buys reconstruction with
# activity. With 100 hidden units for 64 pixels, a network without the penalty could learn
# something close to the identity; with it, each unit is still asked to fire on about one
# patch in a hundred, and its filters (above) can be compared with the 25 of the first run.
#
# ## Summary
#
# * `normalize_data` puts each patch, mean removed, into $[0.1, 0.9]$, the sigmoid's
#   reachable range.
# * With the course's settings the 25 filters become localized oriented edges; the cells above
#   print the final cost, its three terms and the time taken.
# * $J(\theta_0)$ is predictable by hand, and nearly all of it is the sparsity term; that
#   term collapses in the first few iterations, and the rest of the run shapes the filters.
# * The sparsity penalty keeps every $\hat\rho_j$ just above $\rho$ (the reconstruction
#   pulls up, the penalty down; a larger $\beta$ holds them closer) and makes the units
#   specialize; whitening makes them specialize on edges; the penalty lets an overcomplete
#   layer learn edges too.
#
# ## Check your understanding
#
# 1. Why is $J(\theta_0)$ almost all sparsity?
#    *Answer: with small weights and zero biases every hidden unit starts near
#    $\sigma(0) = 0.5$ (between 0.30 and 0.70 on the average patch, printed above), fifty
#    times the target $\rho = 0.01$, and each of the $s_2$ units pays about
#    $\beta\,\mathrm{KL}(\rho\,\|\,0.5)$: over the 25 units that is the naive figure printed
#    above, already most of $J$. The reconstruction and weight decay terms are far smaller
#    (their shares are in the table).*
# 2. Could a trained unit end with $\hat\rho_j$ below $\rho$?
#    *Answer: only if the reconstruction wanted it less active; here the reconstruction part of
#    every $b^{(1)}$ gradient pulls up, so the balance lies above $\rho$.*
# 3. Why does `normalize_data` map into $[0.1, 0.9]$ and not $[0, 1]$?
#    *Answer: the output units are sigmoids, which never reach 0 or 1; targets there would
#    push the weights without bound.*
