# %% [markdown]
# # 1. Forward pass and cost
#
# This notebook walks through the cost of the sparse autoencoder on a network small enough to
# check by hand: 4 inputs, 3 hidden units, 4 outputs, 3 examples. Keep the CS294A notes open at
# the sections *Neural networks* (the feedforward pass) and *Autoencoders and sparsity* (the
# cost $J_{sparse}$). Every function used here comes from the `ufldl_sae` package; the notebook
# recomputes each step with plain NumPy beside it, so you can see that the package does
# nothing more than the equations.
#
# Four cells are left to you: **your turn** cells, each one step of the notes, with a check
# cell right below that runs `check_step` (from `ufldl_sae.coursework.notebook_exercises`) on
# what you wrote and names the slip if there is one. This copy shows them solved; the
# student's copy (written by `write_student_notebooks` from the same module; the notebooks'
# README says how) has a blank `...` in their place, and the solutions in a separate file.
# Questions to check your understanding, with answers, close the notebook.

# %%
import numpy as np

from ufldl_sae import pack, sparse_autoencoder_cost, sparse_autoencoder_cost_terms
from ufldl_sae.coursework.notebook_exercises import check_step
from ufldl_sae.model import forward, kl_divergence, sigmoid, sparsity_cost

np.set_printoptions(precision=4, suppress=True)
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (5, 3.2)})

# %% [markdown]
# ## A 4-3-4 network with round numbers
#
# As in the course's code, examples are the **columns** of `data` (visible x m), $W^{(1)}$ is
# hidden x visible (row $j$ holds the weights into hidden unit $j$) and $W^{(2)}$ is
# visible x hidden. The weights are multiples of 0.1 so that the first products can be done on
# paper.

# %%
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

# %% [markdown]
# ## The feedforward pass, one unit by hand
#
# The notes' feedforward equations are
# $z^{(2)} = W^{(1)} x + b^{(1)}$, $a^{(2)} = f(z^{(2)})$,
# $z^{(3)} = W^{(2)} a^{(2)} + b^{(2)}$, $a^{(3)} = f(z^{(3)})$,
# with the sigmoid $f(z) = 1 / (1 + e^{-z})$. Hidden unit 1 (index 0 in Python) on the first
# example is a dot
# product of the first row of `W1` with the first column of `data`, plus the bias; the cell
# writes the sum out.

# %%
x = data[:, 0]
products = " + ".join(f"({w:g})({v:g})" for w, v in zip(W1[0], x))
z = W1[0] @ x + b1[0]
print(f"z2[0] = {products} + ({b1[0]:g}) = {z:.4f}")
print(f"a2[0] = f(z2[0]) = 1 / (1 + exp({-z:.4f})) = {1 / (1 + np.exp(-z)):.6f}")

# %% [markdown]
# ## All units and all examples at once
#
# Stacking the examples as columns turns the per-example equations into matrix products: one
# column of `z2` per example. The bias is added to every column (`b1[:, None]` broadcasts a
# column vector).
#
# **Your turn (1 of 4).** Write `a2` from `z2`: the sigmoid $f(z) = 1/(1 + e^{-z})$ applied
# to every entry, with NumPy only (`np.exp`).

# %%
z2 = W1 @ data + b1[:, None]  # (hidden, m)
# YOUR TURN: a2, the hidden activations: f(z2) with the sigmoid f, elementwise.
# BLANK: a2 = ...
a2 = 1 / (1 + np.exp(-z2))  # (hidden, m)
# END YOUR TURN

# %%
print(check_step("a2", a2, z2=z2))

# %% [markdown]
# The rest of the pass, and the package's `forward` checked against these four lines:

# %%
z3 = W2 @ a2 + b2[:, None]  # (visible, m)
a3 = sigmoid(z3)  # (visible, m)
for name, value in [("z2", z2), ("a2", a2), ("z3", z3), ("a3", a3)]:
    print(f"{name} {value.shape} =\n{value}\n")

a2_pkg, a3_pkg = forward(W1, W2, b1, b2, data)
assert np.allclose(a2_pkg, a2, rtol=0, atol=1e-15)
assert np.allclose(a3_pkg, a3, rtol=0, atol=1e-15)
print("ufldl_sae.model.forward gives the same a2 and a3")

# %% [markdown]
# ## The three cost terms, separately
#
# The notes' cost of the sparse autoencoder is
#
# $$J_{sparse}(W,b) = \underbrace{\frac{1}{m}\sum_{i=1}^m
# \frac{1}{2}\left\lVert a^{(3)}(x^{(i)}) - x^{(i)}\right\rVert^2}_{\text{reconstruction}}
# + \underbrace{\frac{\lambda}{2}\sum_{l}\sum_{i,j}
# \left(W^{(l)}_{ji}\right)^2}_{\text{weight decay}}
# + \underbrace{\beta\sum_{j=1}^{s_2}\mathrm{KL}(\rho\,\|\,\hat\rho_j)}_{\text{sparsity}}$$
#
# with $\hat\rho_j = \frac{1}{m}\sum_{i=1}^m a^{(2)}_j(x^{(i)})$ and
# $\mathrm{KL}(\rho\,\|\,\hat\rho_j) = \rho\log\frac{\rho}{\hat\rho_j}
# + (1-\rho)\log\frac{1-\rho}{1-\hat\rho_j}$.
# The weight decay covers the weights only, never the biases. The settings are those of the
# course's vectorization exercise (MNIST): $\lambda = 3\cdot 10^{-3}$, $\rho = 0.1$,
# $\beta = 3$.
#
# **Your turn (2 of 4).** The reconstruction term: half the squared error of each example,
# summed over the outputs, averaged over the $m$ examples.

# %%
lambda_, rho, beta = 3e-3, 0.1, 3.0
# YOUR TURN: the reconstruction term, (1/m) sum_i (1/2) ||a3(x_i) - x_i||^2.
# BLANK: reconstruction = ...
reconstruction = np.sum((a3 - data) ** 2) / (2 * m)
# END YOUR TURN

# %%
print(check_step("reconstruction", reconstruction, a3=a3, data=data))

# %% [markdown]
# **Your turn (3 of 4).** $\hat\rho$: one number per hidden unit, its activation averaged
# over the examples. Mind the axis: `a2` is hidden x m.

# %%
# YOUR TURN: rho_hat, the average activation of each hidden unit over the m examples.
# BLANK: rho_hat = ...
rho_hat = a2.mean(axis=1)  # (hidden,)
# END YOUR TURN

# %%
print(check_step("rho_hat", rho_hat, a2=a2))

# %% [markdown]
# **Your turn (4 of 4).** The sparsity term, $\beta\sum_j \mathrm{KL}(\rho\,\|\,\hat\rho_j)$,
# with the KL divergence written out (`np.log`).

# %%
# YOUR TURN: the sparsity term, beta * sum_j KL(rho || rho_hat_j).
# BLANK: sparsity = ...
kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))  # (hidden,)
sparsity = beta * kl.sum()
# END YOUR TURN

# %%
print(check_step("sparsity", sparsity, rho=rho, rho_hat=rho_hat, beta=beta))

# %% [markdown]
# With the weight decay, that is the whole cost. The cell prints each term and its share of
# the sum.

# %%
weight_decay = lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2))
total = reconstruction + weight_decay + sparsity
print(f"reconstruction  {reconstruction:.12f}")
print(f"weight decay    {weight_decay:.12f}")
print(f"sparsity        {sparsity:.12f}   (rho_hat = {rho_hat})")
for name, value in [("reconstruction", reconstruction), ("weight decay", weight_decay),
                    ("sparsity", sparsity)]:
    print(f"{name:<15} {100 * value / total:5.1f}% of J")

# %% [markdown]
# The sparsity term is almost all of $J$ here (its share is printed): every $\hat\rho_j$ is
# near 0.5, five times the target $\rho = 0.1$, which is what a network with small weights
# and zero-mean biases gives (each $z^{(2)}$ near 0, each $a^{(2)}$ near $\sigma(0) = 0.5$).
# Training starts the same way: at the course's initial weights (small, biases zero) the
# hidden units sit around 0.5 too, and the sparsity term is the largest part of
# $J(\theta_0)$ (notebooks 4 and 5 compute it and print its share). That is why the cost
# first falls by pushing the hidden units down towards $\rho$.

# %% [markdown]
# The package takes the parameters as one vector, in the course's layout
# `theta = [W1(:); W2(:); b1; b2]` (MATLAB's column-major `W(:)`: `theta` starts with the first
# *column* of `W1`). The sum of the three terms above is the cost that
# `sparse_autoencoder_cost` returns; the `assert` fails the notebook if it is not.

# %%
theta = pack(W1, W2, b1, b2)
assert np.array_equal(theta[:hidden_size], W1[:, 0])  # column-major: W1's first column first
cost, grad = sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, rho, beta, data)

print(f"sum of the three terms   {total:.12f}")
print(f"sparse_autoencoder_cost  {float(cost):.12f}")
assert abs(total - float(cost)) < 1e-12

terms = sparse_autoencoder_cost_terms(theta, visible_size, hidden_size, lambda_, rho, beta,
                                      data)
print(terms)
assert np.allclose(terms, [reconstruction, weight_decay, sparsity], rtol=1e-12, atol=0)

# %% [markdown]
# ## What $\hat\rho_j$ is, and why it needs the whole batch
#
# $\hat\rho_j$ is the **average activation of hidden unit $j$ over the training set**. The
# sparsity penalty asks that average to be close to $\rho$: a unit may fire strongly, but on few
# examples. The dots below are the activations $a^{(2)}_j(x^{(i)})$ of each unit on each
# example, the bars their averages $\hat\rho_j$, the dashed line the target $\rho$.

# %%
fig, ax = plt.subplots()
units = np.arange(hidden_size)
ax.bar(units, rho_hat, width=0.5, color="tab:blue", alpha=0.5,
       label=r"$\hat\rho_j$ (average)")
for i in range(m):
    ax.plot(units, a2[:, i], "o", label=f"$a^{{(2)}}_j$ on example {i + 1}")
ax.axhline(rho, color="tab:red", linestyle="--", label=r"target $\rho$")
ax.set(title="Hidden activations and their averages", xlabel="hidden unit j",
       ylabel="activation", xticks=units, ylim=(0, 1))
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# The reconstruction term is an average of one number per example, so it could be accumulated
# example by example. The sparsity term is not: $\mathrm{KL}$ is applied to the *average*
# $\hat\rho_j$, and the KL of an average is not the average of the KLs. The cell below computes
# both. Because the penalty couples all examples, the notes point out that a full forward pass
# over every example must come first, to know $\hat\rho$, before backpropagation can form any
# $\delta^{(2)}$ (notebook 2).

# %%
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

# %% [markdown]
# ## Summary
#
# * The forward pass is two matrix products and two sigmoids for the whole batch;
# * $J_{sparse}$ is reconstruction + weight decay + sparsity, and the package's cost is exactly
#   their sum (asserted above);
# * $\hat\rho$ is a per-unit average over **all** examples, which is why the sparse autoencoder
#   needs a full-batch forward pass before its backward pass. Notebook 2 derives that backward
#   pass.
#
# ## Check your understanding
#
# 1. `a2` is hidden x m. What does `a2.mean(axis=0)` compute, and why is it not $\hat\rho$?
#    *Answer: one mean per example, over the hidden units; $\hat\rho_j$ averages one unit
#    over the examples, `axis=1`.*
# 2. Why does the weight decay sum only $W^{(1)}$ and $W^{(2)}$?
#    *Answer: the notes define it over the weights only (they remark that decaying the biases
#    too usually makes little difference to the trained network); the gradient must match the
#    cost you wrote, so a bias decayed in one and not the other is a bug (notebook 3, bug 3).*
# 3. If every hidden unit had $\hat\rho_j = \rho$, what would the sparsity term be?
#    *Answer: zero, since $\mathrm{KL}(\rho\,\|\,\rho) = 0$; it is never negative.*
# 4. Why can the reconstruction term be accumulated one example at a time and the sparsity
#    term not?
#    *Answer: the first is an average of per-example numbers; the second applies KL to an
#    average, and KL of an average is not the average of the KLs (the last cell).*
