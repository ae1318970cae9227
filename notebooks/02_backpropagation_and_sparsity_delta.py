# %% [markdown]
# # 2. Backpropagation and the sparsity delta
#
# The gradient of $J_{sparse}$, derived by hand as in the notes' section *Backpropagation
# algorithm*, with the change that the section *Autoencoders and sparsity* makes to
# $\delta^{(2)}$. We reuse the 4-3-4 network of notebook 1, and at the end compare every
# gradient with the package's `sparse_autoencoder_cost`.
#
# Four steps are yours to write ($\delta^{(3)}$, $\delta^{(2)}$, the gradient of $W^{(1)}$
# and of $b^{(1)}$), each followed by a check cell that names the slip if there is one, as in
# notebook 1; questions with answers close the notebook.

# %%
import numpy as np

from ufldl_sae import pack, relative_difference, sparse_autoencoder_cost, unpack
from ufldl_sae.coursework.notebook_exercises import check_step
from ufldl_sae.model import forward, kl_divergence, sparsity_delta

np.set_printoptions(precision=5, suppress=True)
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (5, 3.2)})

# %%
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

# %% [markdown]
# ## $\delta^{(3)}$: the output layer
#
# For the squared error and the sigmoid, whose derivative is $f'(z) = f(z)(1 - f(z))$, the
# notes give $\delta^{(3)} = -(y - a^{(3)}) \bullet f'(z^{(3)})$. An autoencoder's target is
# its input, $y = x$, so
# $\delta^{(3)} = -(x - a^{(3)}) \bullet a^{(3)}(1 - a^{(3)})$, one column per example.
#
# **Your turn (1 of 4).** Write `delta3` from `a3` and `data`.

# %%
# YOUR TURN: delta3 = -(x - a3) .* f'(z3), with f'(z3) = a3 (1 - a3).
# BLANK: delta3 = ...
delta3 = -(data - a3) * a3 * (1 - a3)  # (visible, m)
# END YOUR TURN

# %%
print(check_step("delta3", delta3, a3=a3, data=data))
print(f"delta3 {delta3.shape} =\n{delta3}")

# %% [markdown]
# ## $\delta^{(2)}$ without and with the sparsity term
#
# Plain backpropagation sends $\delta^{(3)}$ back through $W^{(2)}$:
# $\delta^{(2)} = \left((W^{(2)})^T\delta^{(3)}\right) \bullet f'(z^{(2)})$.
# The sparse autoencoder's notes change it to
#
# $$\delta^{(2)}_i = \left(\sum_{j=1}^{s_3} W^{(2)}_{ji}\,\delta^{(3)}_j
# + \beta\left(-\frac{\rho}{\hat\rho_i} + \frac{1-\rho}{1-\hat\rho_i}\right)\right)
# f'(z^{(2)}_i),$$
#
# with the sparsity term **inside the parentheses, before the product with $f'(z^{(2)})$**.
# Why there, in three lines of the chain rule. Write $\delta^{(2)}_i(x^{(k)})$ for $m$ times the
# derivative of $J$ with respect to $z^{(2)}_i(x^{(k)})$ (the notes' per-example delta; the
# $\frac{1}{m}$ comes back when the gradients are averaged). The penalty reaches
# $z^{(2)}_i(x^{(k)})$ along one path only: through $a^{(2)}_i(x^{(k)})$, then through the
# average $\hat\rho_i$:
#
# $$\frac{\partial}{\partial z^{(2)}_i(x^{(k)})}\,\beta\sum_j\mathrm{KL}(\rho\,\|\,\hat\rho_j)
# = \underbrace{\beta\,\mathrm{KL}'(\hat\rho_i)}_{\partial/\partial\hat\rho_i}
# \cdot \underbrace{\frac{1}{m}}_{\partial\hat\rho_i/\partial a^{(2)}_i(x^{(k)})}
# \cdot \underbrace{f'(z^{(2)}_i(x^{(k)}))}_{\partial a^{(2)}_i/\partial z^{(2)}_i},$$
#
# and the reconstruction term reaches it along the same last link:
# $\frac{1}{m}\big((W^{(2)})^T\delta^{(3)}(x^{(k)})\big)_i\, f'(z^{(2)}_i(x^{(k)}))$. Both
# end in the factor $\frac{1}{m}f'(z^{(2)}_i)$: the $\frac{1}{m}$ of $\hat\rho$ is the same
# $\frac{1}{m}$ as the average of the reconstruction errors, and $f'$ is the derivative of
# the one link they share. Factoring both out leaves the sum in the parentheses, times $f'$:
# the formula above. The sparsity term is one number per hidden unit, the same for every
# example (it depends on $\hat\rho$, not on $x$), so it is broadcast across the columns.
#
# > **Watch out.** Summaries of the notes that many students read, including widely copied
# > blog posts, write the sparsity term *outside*:
# > $\left((W^{(2)})^T\delta^{(3)}\right)\bullet f'(z^{(2)}) + \beta(\dots)$. That would be the
# > derivative of a penalty that depended on $z^{(2)}$ directly, not through $a^{(2)}$: it
# > drops the link $f'$ from the chain rule above. The cell after the exercise computes its
# > gradient: it disagrees with the true one by far more than any gradient check allows, and
# > notebook 3 plants it as bug 4 (`check_step` and the package's checker call it
# > `sparsity-outside-derivative`).
#
# **Your turn (2 of 4).** Write `delta2`, with the sparsity term `sparse` computed for you
# (one value per hidden unit; `sparse[:, None]` is a column that broadcasts over the
# examples).

# %%
f_prime2 = a2 * (1 - a2)  # (hidden, m)
delta2_plain = (W2.T @ delta3) * f_prime2  # (hidden, m), beta = 0
sparse = sparsity_delta(rho, rho_hat, beta)  # (hidden,)
assert np.all(rho_hat > rho) and np.all(sparse > 0)  # used in the text below
# YOUR TURN: delta2 = (W2^T delta3 + sparse) .* f'(z2), the sparsity term inside.
# BLANK: delta2 = ...
delta2 = (W2.T @ delta3 + sparse[:, None]) * f_prime2  # (hidden, m)
# END YOUR TURN

# %%
print(check_step("delta2", delta2, W2=W2, delta3=delta3, a2=a2, rho=rho, rho_hat=rho_hat,
                 beta=beta))
print("beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) =", sparse)
print(f"delta2 without the sparsity term =\n{delta2_plain}")
print(f"delta2 with it =\n{delta2}")
assert np.allclose(delta2 - delta2_plain, sparse[:, None] * f_prime2)

# %% [markdown]
# The outside version, and how far its gradient lands from the true one: the relative
# difference of the two full gradients (the figure a gradient check prints; it must be
# below $10^{-9}$), and the same for the $W^{(1)}$ and $b^{(1)}$ blocks that $\delta^{(2)}$
# feeds.

# %%
delta2_outside = (W2.T @ delta3) * f_prime2 + sparse[:, None]  # WRONG, for comparison


def gradient_from(d2):
    # the four gradient blocks from a delta2, as a theta-shaped vector (formulas below)
    return pack(d2 @ data.T / m + lambda_ * W1, delta3 @ a2.T / m + lambda_ * W2,
                d2.sum(axis=1) / m, delta3.sum(axis=1) / m)


true_grad, outside_grad = gradient_from(delta2), gradient_from(delta2_outside)
n1 = hidden_size * visible_size  # W1's entries come first in theta
blocks = {"overall": slice(None), "W1": slice(0, n1),
          "b1": slice(2 * n1, 2 * n1 + hidden_size)}
for name, s in blocks.items():
    print(f"outside version, {name:<7}: relative difference "
          f"{relative_difference(outside_grad[s], true_grad[s]):.2e}")
assert relative_difference(outside_grad, true_grad) > 1e-3

# %% [markdown]
# Every $\hat\rho_j$ above is larger than $\rho$ (the cell above prints them), so every
# entry of `sparsity_delta` is positive: the gradient step $-\alpha\nabla J$ lowers the bias
# of each hidden unit, and its incoming weights (the inputs here are all positive), so its
# average activation falls towards $\rho$. The next figure shows why, for every value of
# $\hat\rho$.
#
# ## The KL penalty and its derivative
#
# Left: $\mathrm{KL}(\rho\,\|\,\hat\rho)$ as a function of $\hat\rho$, zero at $\hat\rho =
# \rho$ and growing without bound towards 0 and 1. Right: its derivative
# $-\rho/\hat\rho + (1-\rho)/(1-\hat\rho)$, the term of $\delta^{(2)}$ (with $\beta = 1$):
# negative below $\rho$ (gradient descent raises the activation), positive above it (lowers
# it).

# %%
grid = np.linspace(0.002, 0.998, 500)
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
for target, color in ((rho, "tab:blue"), (0.01, "tab:orange")):
    left.plot(grid, kl_divergence(target, grid), color=color, label=rf"$\rho$ = {target:g}")
    right.plot(grid, sparsity_delta(target, grid, 1.0), color=color,
               label=rf"$\rho$ = {target:g}")
    for ax in (left, right):
        ax.axvline(target, color=color, linestyle=":", linewidth=1)  # the minimum, the zero
left.set(title=r"penalty KL($\rho\,\|\,\hat\rho$)", xlabel=r"$\hat\rho$", ylabel="KL",
         ylim=(0, 3))
right.axhline(0, color="grey", linewidth=0.8)
right.set(title=r"derivative $-\rho/\hat\rho + (1-\rho)/(1-\hat\rho)$",
          xlabel=r"$\hat\rho$", ylabel=r"d KL / d$\hat\rho$", ylim=(-20, 20))
for ax in (left, right):
    ax.legend()
fig.tight_layout()
plt.show()

print(f"derivative at rho_hat = rho: {sparsity_delta(rho, np.array([rho]), 1.0)[0]:.1e}")

# %% [markdown]
# ## The gradients of $W^{(1)}, W^{(2)}, b^{(1)}, b^{(2)}$
#
# With the deltas, the notes' batch gradient is
#
# $$\nabla_{W^{(l)}} J = \frac{1}{m}\,\delta^{(l+1)} (a^{(l)})^T + \lambda W^{(l)}, \qquad
# \nabla_{b^{(l)}} J = \frac{1}{m}\sum_{i=1}^m \delta^{(l+1)}(x^{(i)}),$$
#
# with $a^{(1)} = x$. The matrix product $\delta^{(l+1)}(a^{(l)})^T$ is the sum over
# examples of the notes' per-example $\Delta W^{(l)} \mathrel{+}= \delta^{(l+1)}(a^{(l)})^T$;
# the loop below checks that too. The biases get no weight decay.
#
# **Your turn (3 and 4 of 4).** Write the gradients of $W^{(1)}$ and $b^{(1)}$ (the other two
# follow the same pattern and are given).

# %%
# YOUR TURN: W1grad = delta2 x^T / m + lambda W1 and b1grad = (1/m) sum_i delta2(x_i).
# BLANK: W1grad = ...
# BLANK: b1grad = ...
W1grad = delta2 @ data.T / m + lambda_ * W1  # (hidden, visible)
b1grad = delta2.sum(axis=1) / m  # (hidden,)
# END YOUR TURN
W2grad = delta3 @ a2.T / m + lambda_ * W2  # (visible, hidden)
b2grad = delta3.sum(axis=1) / m  # (visible,)

# %%
print(check_step("W1grad", W1grad, delta2=delta2, data=data, W1=W1, lambda_=lambda_))
print(check_step("b1grad", b1grad, delta2=delta2, data=data))

# The notes' accumulation, one example at a time, gives the same W1 gradient:
Delta_W1 = np.zeros_like(W1)
for i in range(m):
    Delta_W1 += np.outer(delta2[:, i], data[:, i])
assert np.allclose(Delta_W1 / m + lambda_ * W1, W1grad)

names = ("W1grad", "W2grad", "b1grad", "b2grad")
for name, value in zip(names, (W1grad, W2grad, b1grad, b2grad)):
    print(f"{name} =\n{value}")

# %% [markdown]
# ## The same numbers from the package
#
# `sparse_autoencoder_cost` returns the gradient as one vector in the layout of `theta`;
# `unpack` cuts it back into the four blocks. The asserts compare each block with the cell above.
# Leaving `sparse[:, None]` out of `delta2` would give the gradient of the cost *without* its
# sparsity term, a classic bug that notebook 3 catches with a gradient check.

# %%
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

# %% [markdown]
# ## Summary
#
# * $\delta^{(3)} = -(x - a^{(3)})\bullet a^{(3)}(1-a^{(3)})$; the autoencoder's target is its
#   input.
# * The sparsity term $\beta(-\rho/\hat\rho + (1-\rho)/(1-\hat\rho))$ is added to
#   $(W^{(2)})^T\delta^{(3)}$ **before** the product with $f'(z^{(2)})$, one value per hidden
#   unit shared by all examples.
# * The chain rule puts it there: the penalty reaches $z^{(2)}$ only through $a^{(2)}$, so it
#   shares the factor $f'(z^{(2)})$, and the $\frac{1}{m}$ of $\hat\rho$ is the same
#   $\frac{1}{m}$ as the reconstruction's average. The version with the term outside has a
#   gradient that fails any check (the figure printed above).
# * The gradients are averages over examples, plus $\lambda W$ for the weights only.
#
# ## Check your understanding
#
# 1. Why is the sparsity term of $\delta^{(2)}$ the same in every column?
#    *Answer: it depends on $\hat\rho$, one average per unit over all the examples, not on
#    the example $x$.*
# 2. Where would a $\frac{1}{m}$ inside the parentheses, next to $\beta(\dots)$, come from,
#    and why is it wrong?
#    *Answer: from $\partial\hat\rho/\partial a^{(2)} = \frac{1}{m}$, forgetting that the
#    reconstruction term carries the same $\frac{1}{m}$; that $\frac{1}{m}$ is factored out of
#    both and applied once, when the gradients are averaged.*
# 3. Which gradient blocks does a mistake in $\delta^{(2)}$ reach, and which not?
#    *Answer: $W^{(1)}$ and $b^{(1)}$, built from $\delta^{(2)}$; $W^{(2)}$ and $b^{(2)}$ use
#    only $\delta^{(3)}$ and stay correct, which is how notebook 3's per-block check locates
#    it.*
# 4. With every $\hat\rho_j > \rho$, which way does a gradient step move $b^{(1)}$?
#    *Answer: down: the sparsity term of $\delta^{(2)}$ is positive, so it adds a positive
#    part to $\nabla_{b^{(1)}} J$ and the step $-\alpha\nabla J$ lowers the biases.*
