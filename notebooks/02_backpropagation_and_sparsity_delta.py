# %% [markdown]
# # 2. Backpropagation and the sparsity delta
#
# The gradient of $J_{sparse}$, derived by hand as in the notes' section *Backpropagation
# algorithm*, with the change that the section *Autoencoders and sparsity* makes to
# $\delta^{(2)}$. We reuse the 4-3-4 network of notebook 1, and at the end compare every
# gradient with the package's `sparse_autoencoder_cost`.

# %%
import numpy as np

from ufldl_sae import pack, sparse_autoencoder_cost, unpack
from ufldl_sae.model import forward, kl_divergence, sparsity_delta

np.set_printoptions(precision=5, suppress=True)
import matplotlib.pyplot as plt

plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (5, 3.2)})

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

# %%
delta3 = -(data - a3) * a3 * (1 - a3)  # (visible, m)
print(f"delta3 {delta3.shape} =\n{delta3}")

# %% [markdown]
# ## $\delta^{(2)}$ without and with the sparsity term
#
# Plain backpropagation sends $\delta^{(3)}$ back through $W^{(2)}$:
# $\delta^{(2)} = \left((W^{(2)})^T\delta^{(3)}\right) \bullet f'(z^{(2)})$.
# The sparsity penalty depends on $a^{(2)}$ through $\hat\rho_j$, so its derivative joins the
# back-propagated error **inside the parentheses, before the product with $f'(z^{(2)})$**:
#
# $$\delta^{(2)}_i = \left(\sum_{j=1}^{s_3} W^{(2)}_{ji}\,\delta^{(3)}_j
# + \beta\left(-\frac{\rho}{\hat\rho_i} + \frac{1-\rho}{1-\hat\rho_i}\right)\right)
# f'(z^{(2)}_i).$$
#
# The added term, `sparsity_delta`, is one number per hidden unit: it is the same for every
# example (it depends on $\hat\rho$, not on $x$), so it is broadcast across the columns.

# %%
f_prime2 = a2 * (1 - a2)  # (hidden, m)
delta2_plain = (W2.T @ delta3) * f_prime2  # (hidden, m), beta = 0
sparse = sparsity_delta(rho, rho_hat, beta)  # (hidden,)
assert np.all(rho_hat > rho) and np.all(sparse > 0)  # used in the text below
delta2 = (W2.T @ delta3 + sparse[:, None]) * f_prime2  # (hidden, m)

print("beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) =", sparse)
print(f"delta2 without the sparsity term =\n{delta2_plain}")
print(f"delta2 with it =\n{delta2}")
assert np.allclose(delta2 - delta2_plain, sparse[:, None] * f_prime2)

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

# %%
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
# * The gradients are averages over examples, plus $\lambda W$ for the weights only.
