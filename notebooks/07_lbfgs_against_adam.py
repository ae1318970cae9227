# %% [markdown]
# # 7. L-BFGS (full batch) against Adam (minibatch) on the MNIST exercise
#
# The course trains with L-BFGS on all the examples at once: each evaluation of
# $J_{sparse}$ and its gradient is a pass over every digit, and L-BFGS turns the gradients of
# its recent steps into an estimate of the curvature, which sets the direction and length of
# its next step. Most of deep learning trains differently, with minibatch methods such as Adam:
# many cheap steps, each along the gradient of a small random batch of examples. This
# notebook runs both on the exercise of notebook 5 (784-196, $\lambda = 3\cdot10^{-3}$,
# $\rho = 0.1$, $\beta = 3$, the first 10,000 training digits), gives them the same
# wall-clock time, and compares what they reach: the notes' cost $J$, its three terms, the
# filters and the hidden units' average activations. Then it measures a subtlety that
# minibatches bring to the sparse autoencoder: the sparsity penalty needs $\hat\rho$, an
# average over the whole training set, and a batch can only estimate it.

# %%
import numpy as np

from ufldl_sae import initialize_parameters, sparse_autoencoder_cost_terms, unpack
from ufldl_sae.data import fetch_mnist, load_mnist_images, verify_mnist_folder
from ufldl_sae.beyond.minibatch import EpochPrinter, train_sparse_autoencoder_minibatch
from ufldl_sae.model import forward
from ufldl_sae.optimize import ProgressPrinter, train_sparse_autoencoder
from ufldl_sae.plots.network import display_network

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
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
print(f"{NUM_IMAGES} images, {MAX_ITER} L-BFGS iterations"
      + (" (quick mode)" if QUICK else ""))
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (5, 3.2)})

# %% [markdown]
# ## The data and the common starting point
#
# MNIST is found as in notebook 5: in the folder named by `UFLDL_SAE_MNIST_DIR` when it is
# set, otherwise in `fetch_mnist()`'s cache. `load_mnist_images` returns 784 x N values, one
# digit per column (each digit flattened column-major, as the course's `loadMNISTImages.m`),
# stored row-major in memory; the random columns of a minibatch are gathered from it with
# `xp.take(data, order, axis=1)` once per Adam step. Both solvers train on the same array, from
# the same initial $\theta$; the cell prints its size and $J$ there.

# %%
folder = os.environ.get("UFLDL_SAE_MNIST_DIR")
files = verify_mnist_folder(folder) if folder else fetch_mnist()
images = np.ascontiguousarray(load_mnist_images(files["train_images"])[:, :NUM_IMAGES])
m = images.shape[1]  # images: (784, m), row-major
theta0 = initialize_parameters(hidden_size, visible_size, rng=0)
J0 = sparse_autoencoder_cost_terms(theta0, *args, images).total
print(f"images {images.shape} ({images.nbytes / 1e6:.0f} MB in float64); "
      f"J at the common starting point {J0:.4f}")

# %% [markdown]
# ## Two objectives
#
# The notes' cost is
# $$J(\theta) = \frac{1}{m}\sum_{i=1}^{m}\tfrac{1}{2}
# \big\lVert a^{(3)}(x^{(i)}) - x^{(i)}\big\rVert^2
# + \frac{\lambda}{2}\Big(\big\lVert W^{(1)}\big\rVert^2 + \big\lVert W^{(2)}\big\rVert^2\Big)
# + \beta\sum_{j=1}^{s_2}\mathrm{KL}(\rho\,\|\,\hat\rho_j), \qquad
# \hat\rho_j = \frac{1}{m}\sum_{i=1}^{m} a^{(2)}_j(x^{(i)}).$$
# L-BFGS evaluates exactly this, on all $m$ digits, at every iteration. Adam evaluates the
# same formula on a batch $B$ of $b$ digits: $J_B(\theta)$, in which the mean reconstruction
# error and each $\hat\rho_j$ are taken over those $b$ digits only. Each step moves $\theta$
# along $\nabla J_B$, with Adam's per-coordinate step sizes
# (`ufldl_sae.beyond.minibatch.adam_step`); an epoch visits every digit once, in a new random
# order.
#
# Two of the three terms lose nothing in the exchange: averaged over the batches of an
# epoch, the batches' reconstruction errors add up to exactly the full one, and the weight
# decay never looks at the data. The sparsity term does lose something, because each batch
# puts its own noisy estimate of $\hat\rho_j$ into $\mathrm{KL}(\rho\,\|\,q)$, a curved
# (convex) function of $q$. Say a unit's true average is exactly $\rho$: a batch on which it
# happens to read a little high pays a penalty, and a batch on which it reads as much too low
# pays a penalty too, instead of a negative one that would cancel it. On average the batches
# pay more than the full data would (Jensen's inequality). So what Adam minimizes, the mean
# of the $J_B$, is $J$ plus an extra penalty on how much each unit's batch average wanders
# from batch to batch. The last section measures it.
#
# ## L-BFGS: 400 iterations on all the digits
#
# As in notebook 5; the L-BFGS records hold $J$ after every iteration, at no extra cost.

# %%
lbfgs = train_sparse_autoencoder(theta0, *args, images, max_iter=MAX_ITER,
                                 progress=ProgressPrinter(every=50))
print(f"\nL-BFGS: {lbfgs.n_iter} iterations, {lbfgs.n_evals} evaluations, "
      f"{lbfgs.wall_time:.1f} s, J = {lbfgs.cost:.4f}")

# %% [markdown]
# ## Adam: the same wall-clock time
#
# Adam has two settings that L-BFGS does not: the learning rate, roughly how far each weight
# may move in one step, and the batch size. The notebook uses $10^{-2}$ and batches of 1000,
# ten steps per epoch. They were picked while writing it, from a few runs of Adam as below for
# L-BFGS's time with other rates and batch sizes; those runs are not repeated here (each is as
# long as the whole L-BFGS run), so their figures are not quoted. Two rules of thumb for such a
# search: tune at the budget you will use, since a larger constant rate is faster at first
# but leaves more noise at the end, so what leads after a few epochs need not end lowest; and
# on a CPU the batch size is a question of arithmetic speed as much as of noise, since a
# product with many columns does more work per second than one with few, while too large a
# batch leaves too few steps per epoch.
#
# The run is stopped by its `callback` after the first epoch that ends past L-BFGS's time
# (`MAX_EPOCHS` is only a ceiling). The option `monitor=True` would compute the notes' $J$
# on all the digits after every epoch, but inside Adam's clock, which would then count a
# forward pass over all the digits per epoch that Adam does not need. The callback instead keeps
# $\theta$ after some of the epochs (a host copy the trainer makes anyway), and $J$ is
# computed for those afterwards, off the clock.

# %%
snapshots = []  # (seconds, epoch, theta) after some epochs; J is computed after the run


def stop_at_lbfgs_time(record, theta):
    """Keep theta now and then, and end the run once it has had L-BFGS's time."""
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
print(f"\nAdam: {adam.n_iter} epochs, {adam.n_evals} minibatch evaluations, "
      f"{adam.wall_time:.1f} s, J = {adam_J[-1]:.4f}")

# %% [markdown]
# ## J against time
#
# Left: the notes' $J$ against wall-clock seconds, on a log axis cut at three times the final
# values so that the end can be read (both start from the $J$ printed above). Right: $J$
# against passes over the data, the unit of work the two share: an L-BFGS evaluation is one
# pass (cost and gradient on all the digits), and so is an Adam epoch, cut into
# $\lceil m/b\rceil$ steps. The dotted line is what Adam sees itself, the mean of its
# minibatch costs over each epoch (taken at parameters that move along the epoch). The cell
# then prints the $J$ each had reached at a few moments.

# %%
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
    """The cost a run had reached by time t: its last record at or before t."""
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

# %% [markdown]
# Adam leads at first. Each pass over the data gives it ten steps, and early on any step
# downhill is a good one, while L-BFGS starts with no curvature information, so its first
# steps are short. L-BFGS catches up (the cell prints when) and then
# keeps the lead: near a minimum its steps use the exact gradient and the curvature gathered
# from its last steps, while Adam, with a constant learning rate, keeps taking steps of much
# the same length along noisy batch gradients, and its $J$ creeps down much more slowly. Per
# pass over the data (right) the story is the same: Adam is far ahead for the first passes,
# L-BFGS ahead later. The dotted line runs above Adam's $J$ for two reasons:
# each point is an average along an epoch, over parameters that were still improving, and it
# contains the minibatch bias of the sparsity term measured in the last section.
#
# ## The final costs
#
# Each solution's $J$ split into its three terms, with the time each run took and the work it
# did: each L-BFGS evaluation covers all $m$ digits, each Adam evaluation one batch.

# %%
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
gap = np.array(terms["Adam"]) - np.array(terms["L-BFGS"])  # per term
print(f"Adam's J is {100 * gap.sum() / terms['L-BFGS'].total:.1f}% above L-BFGS's; the gap per "
      f"term: reconstruction {gap[0]:+.4f}, weight decay {gap[1]:+.4f}, sparsity {gap[2]:+.4f}")
print(f"Adam: {adam.n_evals / adam.n_iter:.0f} evaluations per pass; "
      f"parameters updated per step: {theta0.size:,}")

# %% [markdown]
# L-BFGS ends lower; the cell prints by how much and how the gap splits among the three
# terms. In the sparsity share, Adam's $\hat\rho_j$ are further from $\rho$ (below). Each of
# Adam's evaluations covers one batch, so a pass is several evaluations (printed): the same
# arithmetic per pass, in smaller products, plus its own update of every parameter after every
# batch.
#
# ## The filters
#
# Each tile is one row of $W^{(1)}$ drawn as a 28x28 image, as in notebook 5.

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 4.3))
for ax, (name, run) in zip(axes, runs.items()):
    W1 = unpack(run.theta, visible_size, hidden_size)[0]  # (196, 784)
    ax.imshow(display_network(W1.T), cmap="gray", vmin=-1, vmax=1)
    ax.set_title(f"{name}: W1 after {run.wall_time:.0f} s")
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# At this size the two are hard to tell apart: both are pen strokes and arcs, each at one
# place in the frame, with a few whole digits. The gap in $J$ is a matter of degree, not a
# different kind of feature; the average activations show it better.
#
# ## The average activation of each hidden unit
#
# $\hat\rho_j$ over all the digits, for each of the 196 units, sorted from the most active to
# the least, against the target $\rho$.

# %%
a2 = {name: forward(*unpack(run.theta, visible_size, hidden_size), images)[0]
      for name, run in runs.items()}  # (196, m) each
fig, axes = plt.subplots(1, 2, figsize=(8, 2.8), sharey=True)
for ax, (name, a2_run) in zip(axes, a2.items()):
    rho_hat = a2_run.mean(axis=1)  # (196,)
    ax.bar(np.arange(hidden_size), np.sort(rho_hat)[::-1], width=1.0, color="tab:blue")
    ax.axhline(rho, color="tab:red", linestyle="--", label=rf"$\rho$ = {rho:g}")
    ax.set(title=name, xlabel="hidden units, most active first")
    ax.legend()
    print(f"{name:<7} rho_hat: mean {rho_hat.mean():.4f}, min {rho_hat.min():.4f}, "
          f"max {rho_hat.max():.4f}; units within 0.02 of rho: "
          f"{np.sum(np.abs(rho_hat - rho) < 0.02)} of {hidden_size}")
axes[0].set_ylabel(r"$\hat\rho_j$")
fig.tight_layout()
plt.show()


# %% [markdown]
# L-BFGS has put every unit's average activation in a narrow band just above $\rho$ (the
# cell prints its ends). The band sits slightly above $\rho$ rather than on it because the
# reconstruction term would like the units more active, and at the optimum the penalty's pull
# only balances that. Adam's units spread further on both sides of $\rho$: near $\rho$ the
# penalty's gradient is small, and Adam, further from convergence and stepping along noisy
# batch gradients, has not pulled them in as tightly. That spread is Adam's larger sparsity
# term in the table.
#
# ## The minibatch bias of the sparsity term, measured
#
# At a fixed $\theta$, split the $m$ digits at random into batches of $b$, evaluate the three
# terms on each batch with the function the trainer calls, and average them, each batch
# weighted by its size: that is the mean minibatch cost, the objective Adam descends. Beside
# it, the notes' $J$ at the same $\theta$. Two random partitions are averaged, at each
# solver's final $\theta$, with Adam's batch size; the section's second cell then varies the
# batch size at Adam's $\theta$.

# %%
def mean_minibatch_terms(theta, batch_size, partitions=2, seed=0):
    """The three terms of J_B, averaged over the batches of random partitions."""
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

# %% [markdown]
# The reconstruction and weight-decay columns agree to the last digit (asserted): averaged
# over a partition, the batches' reconstruction errors are the full one, and the weight decay
# never sees the data. The whole difference is in the sparsity column, and it is large next
# to the penalty it inflates. It is also part of the gap between Adam's dotted curve and its
# $J$ in the first figure.
#
# How does it depend on $b$? A batch's $\hat\rho_j$ is a mean of $b$ activations, so it
# scatters around the full-batch $\hat\rho_j$ with a variance $\mathrm{Var}_B(\hat\rho_j)$
# that falls like $1/b$. A second-order Taylor expansion of KL around the full-batch value
# turns that scatter into the expected excess:
# $$\mathbb{E}_B[J_B] - J \approx \frac{\beta}{2}\sum_{j=1}^{s_2}
# \frac{\partial^2\,\mathrm{KL}(\rho\,\|\,q)}{\partial q^2}\bigg|_{q=\hat\rho_j}
# \mathrm{Var}_B(\hat\rho_j), \qquad
# \frac{\partial^2\,\mathrm{KL}}{\partial q^2} = \frac{\rho}{q^2} + \frac{1-\rho}{(1-q)^2}.$$
# The cell measures the excess at Adam's $\theta$ for three batch sizes and sets this estimate
# beside it, with $\mathrm{Var}_B(\hat\rho_j)$ measured over twenty random partitions into
# whole batches.

# %%
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
if excess_by_b[1000] > 0:  # quick mode: b = 1000 is the whole data, with no excess
    print(f"excess against b = 1000: x{excess_by_b[256] / excess_by_b[1000]:.1f} at b = 256, "
          f"x{excess_by_b[64] / excess_by_b[1000]:.1f} at b = 64; at b = 64 it is "
          f"{excess_by_b[64] / terms['Adam'].sparsity:.2g} times Adam's sparsity term")
assert excess_by_b[64] > excess_by_b[256] > excess_by_b[1000]

# %% [markdown]
# At Adam's own batch size the excess is the share of $J$ printed two cells above, of the
# order of the whole sparsity term of L-BFGS's solution. Smaller batches multiply it by
# the factors printed last: about 4 at $b = 256$ and 17 at $b = 64$, far more than the
# penalty it rides on. The column "excess x b" is nearly constant: the excess falls like
# $1/b$, as the variance of a batch average does, and the second-order estimate sits close to
# the measured excess. The last column is how closely one batch pins each $\hat\rho_j$ down:
# a few thousandths with $b = 1000$, a sizeable fraction of $\rho$ with $b = 64$.
#
# So Adam descends a slightly different function from the notes', and its gradient feels the
# extra term too. The variance of a batch average is the variance of the unit's activation
# over the digits divided by $b$, so the extra penalty is smallest for a unit that responds
# the same to every digit: the opposite of a selective feature. With batches of 1000 that
# pull is weak next to the reconstruction term; with small batches it is not, and Adam would
# settle where the sum of the notes' cost and this penalty is smallest, not where $J$ is.
#
# ## Which one to choose
#
# **For this exercise, L-BFGS on the full batch.** The 10,000 digits (their size is printed
# at the top) fit in memory and one evaluation on all of them is cheap enough (the L-BFGS
# run's time over its evaluations, both printed) that L-BFGS can afford the exact $J$ at every
# step. It has no learning rate or batch size to tune (Adam's needed a search of runs each as
# long as the whole L-BFGS run), it descends exactly the notes'
# objective, it reached the lower $J$ in the same time, and its records are $J$ itself.
#
# **A minibatch method such as Adam** when:
#
# * the data do not fit in memory, or arrive as a stream: each step needs only one batch,
#   while each L-BFGS evaluation needs all the data (and its line searches may ask for more
#   than one evaluation per step);
# * the examples are so many, and so alike, that a batch's gradient already points the right
#   way: Adam's early lead above would grow with $m$, since an L-BFGS evaluation costs more
#   with every example added while an Adam step does not;
# * the network is deep, with ReLU units: the objective has kinks and far more parameters,
#   training often adds noise on purpose (dropout, data augmentation), and L-BFGS's line
#   search and curvature pairs assume a smooth function that gives the same value twice.
#   Adam, usually with a learning rate that decreases over training, is the common tool
#   there, on GPUs.
#
# With the KL sparsity penalty and minibatches, keep the batches large (the bias falls like
# $1/b$) or estimate each $\hat\rho_j$ from more than one batch, for example with a running
# average over the recent batches; and lower the learning rate at the end, so that Adam stops
# hovering around the minimum.
#
# ## Summary
#
# * For the same wall-clock time, full-batch L-BFGS reached a lower $J$ on the MNIST exercise
#   than Adam (asserted); Adam led at first, in time (asserted) and in passes.
# * Adam's learning rate and batch size have to be tuned, at the budget that is used.
# * On a minibatch, $\hat\rho_j$ is an estimate, and KL is convex, so the mean minibatch
#   cost exceeds $J$ by an amount that falls like $1/b$; the reconstruction and weight-decay
#   terms carry no such bias (both asserted, and measured above).
#
# ## Check your understanding
#
# 1. L-BFGS has no learning rate. What sets the length of its steps?
#    *Answer: a line search along each direction, which accepts a step once $J$ has fallen
#    enough and its slope has flattened enough (the Wolfe conditions); the curvature pairs of
#    the recent steps give the direction its scale, so the first trial step is usually
#    accepted (the run above made a few more evaluations than iterations, both printed).
#    That needs the exact $J$, which is why L-BFGS wants the full batch.*
# 2. Averaged over the batches of an epoch, the reconstruction term of $J_B$ equals the full
#    one, and the sparsity term does not. Why the difference?
#    *Answer: the reconstruction term is an average of per-example errors, and an average of
#    batch averages is the full average; the sparsity term applies KL, a convex function, to
#    a batch average $\hat\rho_j$, and by Jensen's inequality the mean of KL over the batches
#    is at least KL of the mean (the table of the last section shows both).*
# 3. With batches of 500 instead of 1000, roughly how large would the excess of the mean
#    minibatch cost over $J$ be at Adam's $\theta$?
#    *Answer: about twice the excess printed for $b = 1000$: the column "excess x b" is
#    nearly constant, since the variance of a batch average falls like $1/b$.*
