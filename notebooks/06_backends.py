# %% [markdown]
# # 6. Backends: NumPy, array_api_strict, CuPy
#
# The package's numerical code is written once against the Python array API: each function
# asks its inputs for their namespace (`xp`) and uses only standard functions. The same lines
# therefore run on NumPy, on `array_api_strict` (a deliberately minimal implementation that
# rejects anything outside the standard, used by the tests to prove it), and on CuPy on a GPU.
# This notebook evaluates one cost on each backend present, times it, and compares float32 with
# float64.
#
# **The committed outputs come from a machine without a GPU**, so they hold no CuPy row and no
# CuPy figure: the first code cell says what it found (CuPy not installed, or installed with no
# usable GPU). Run the notebook where CuPy and a CUDA GPU are present and every table below
# gains a `cupy` row.

# %%
import time

import array_api_strict as xs
import numpy as np

from ufldl_sae import initialize_parameters, sparse_autoencoder_cost, train_sparse_autoencoder
from ufldl_sae.backend import array_namespace, backend_name, to_host
from ufldl_sae.tuning import blas_threads, default_blas_threads
from ufldl_sae.data import load_natural_images, normalize_data, sample_images

import os

# UFLDL_SAE_NOTEBOOK_QUICK=1 (set by tests/test_notebooks.py) runs a smaller problem, so the test
# suite stays fast; the committed outputs come from the full-size run.
QUICK = os.environ.get("UFLDL_SAE_NOTEBOOK_QUICK") == "1"
REPEATS = 3 if QUICK else 20
MAX_ITER = 20 if QUICK else 400

# %% [markdown]
# ## One cost, three namespaces
#
# The course's problem: 64-25, 10,000 normalized patches, $\rho = 0.01$, $\lambda = 10^{-4}$,
# $\beta = 3$, at the initial parameters. The data and theta are built on the host with NumPy
# and copied once to each backend.

# %%
visible_size, hidden_size, lambda_, rho, beta = 64, 25, 1e-4, 0.01, 3.0
patches = normalize_data(sample_images(load_natural_images(), 8, 10000, rng=0))  # (64, 10000)
theta = initialize_parameters(hidden_size, visible_size, rng=0)
args = (visible_size, hidden_size, lambda_, rho, beta)

backends = {"numpy": (theta, patches),
            "array_api_strict": (xs.asarray(theta), xs.asarray(patches)),
            "array_api_strict, device1": (xs.asarray(theta, device=xs.Device("device1")),
                                          xs.asarray(patches, device=xs.Device("device1")))}
try:
    import cupy
except ImportError as error:
    print(f"CuPy skipped: CuPy is not installed ({error}); the GPU, if any, was not looked for")
else:
    try:
        gpus = cupy.cuda.runtime.getDeviceCount()
        if gpus == 0:
            raise RuntimeError("getDeviceCount() returned 0")
        backends["cupy"] = (cupy.asarray(theta), cupy.asarray(patches))
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        print(f"CuPy {cupy.__version__} on {gpus} GPU(s); device 0: {name}")
    except Exception as error:  # CuPy is there, the GPU (or its driver) is not
        print(f"CuPy skipped: CuPy {cupy.__version__} is installed, but found no usable GPU "
              f"({type(error).__name__}: {error})")

costs = {}
for name, (t, data) in backends.items():
    cost, grad = sparse_autoencoder_cost(t, *args, data)
    costs[name] = (float(cost), to_host(grad))
    namespace = backend_name(array_namespace(data))
    print(f"{name:<26} namespace {namespace:<18} cost {float(cost):.15f}")

# %% [markdown]
# `array_api_strict`'s second device, `device1`, is a fake device: any hidden conversion to
# NumPy of an array living there raises. The cost running there shows that the only host
# copies are the explicit ones (`to_host`, above, to compare results). The results agree to
# rounding:

# %%
ref_cost, ref_grad = costs["numpy"]
for name, (c, g) in costs.items():
    cost_diff = abs(c - ref_cost) / abs(ref_cost)
    grad_diff = np.linalg.norm(g - ref_grad) / np.linalg.norm(ref_grad)
    print(f"{name:<26} cost {cost_diff:.1e}, gradient {grad_diff:.1e} (relative to NumPy)")
    assert cost_diff < 1e-12 and grad_diff < 1e-12


# %% [markdown]
# ## A small timing table
#
# One evaluation of cost and gradient, the unit of work of every L-BFGS iteration, in float64
# and float32 on each backend (median of several runs; on a GPU the timing includes a device
# synchronization through `float(cost)`). The BLAS thread count is the one training would use
# (`default_blas_threads`: one thread for a problem this small); left at the libraries' defaults,
# NumPy's and SciPy's thread pools compete for the cores and the timings mostly measure that.

# %%
def median_time(t, data, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        cost, grad = sparse_autoencoder_cost(t, *args, data)
        float(cost)  # waits for the device
        times.append(time.perf_counter() - start)
    return float(np.median(times))


threads = default_blas_threads(visible_size, hidden_size, patches.shape[1])
print(f"{'backend':<26} {'float64':>10} {'float32':>10}   "
      f"(ms per cost and gradient, m = 10,000, {threads} BLAS thread(s))")
with blas_threads(threads):
    for name, (t, data) in backends.items():
        xp = array_namespace(data)
        ms64 = 1000 * median_time(t, data)
        ms32 = 1000 * median_time(xp.astype(t, xp.float32), xp.astype(data, xp.float32))
        print(f"{name:<26} {ms64:10.2f} {ms32:10.2f}")

# %% [markdown]
# `array_api_strict` wraps NumPy and adds checks, so it is not meant to be fast; it is there to
# prove portability. Float32 halves the bytes each product reads and writes, which is where
# its column gains on the CPU.
#
# ## float32 against float64
#
# The same cost in single precision, at the same theta. Float32 keeps about 7 significant
# digits (machine epsilon $2^{-23} \approx 1.2\cdot10^{-7}$); the cell prints how far the
# float32 cost and gradient are from float64's. That accuracy of the gradient *formula* is
# not what stops a float32 gradient check at $10^{-9}$: the check compares the gradient with a
# finite difference of float32 costs, whose rounding, about $u|J|/\epsilon$, leaves a much
# larger error (notebook 3's sweep puts the best float32 difference near $10^{-5}$).

# %%
cost64, grad64 = sparse_autoencoder_cost(theta, *args, patches)
cost32, grad32 = sparse_autoencoder_cost(theta.astype(np.float32), *args,
                                         patches.astype(np.float32))
print(f"float64 cost {float(cost64):.10f}, dtype {grad64.dtype}")
print(f"float32 cost {float(cost32):.10f}, dtype {grad32.dtype}")
print(f"relative difference: cost {abs(float(cost32) - float(cost64)) / float(cost64):.1e}, "
      f"gradient {np.linalg.norm(grad32 - grad64) / np.linalg.norm(grad64):.1e}; "
      f"float32 machine epsilon {np.finfo(np.float32).eps:.1e}")

# %% [markdown]
# Training runs the cost in the dtype of the data while L-BFGS keeps its own vectors in host
# float64. Two runs of the course's exercise from the same start, one per dtype, with their
# final costs and times:

# %%
runs = {}
for dtype in (np.float64, np.float32):
    result = train_sparse_autoencoder(theta, *args, patches.astype(dtype), max_iter=MAX_ITER)
    runs[dtype.__name__] = result
    print(f"{dtype.__name__}: {result.n_iter} iterations, {result.wall_time:.1f} s, "
          f"final cost {result.cost:.6f}, gradient norm {result.history[-1].grad_norm:.1e} "
          f"({result.message})")
difference = abs(runs["float32"].cost - runs["float64"].cost) / runs["float64"].cost
print(f"final costs differ by a relative {difference:.1e}")

# %% [markdown]
# Rounding makes the two runs take slightly different steps, and L-BFGS amplifies small
# differences along the way, so they stop at different points, each for the reason its
# message prints: an iteration limit, or a step that no longer lowered the cost by more than
# the solver's tolerance (float32's rounding of the cost makes that come sooner). Neither is
# at a minimum: both gradient norms are well above zero. So the printed difference is between
# two unconverged iterates, not a measure of float32's error. For training both are fine; for
# checking gradients, use float64 (notebook 3).
#
# ## Summary
#
# * One implementation, several array libraries: the namespace comes from the data.
# * Results agree across backends to rounding error (asserted above).
# * Float32 computes the cost and gradient to about $10^{-7}$ relative (printed above):
#   enough to train. A gradient check in float32 is limited instead by the rounding of its
#   finite difference, far above $10^{-9}$: check in float64.
#
# ## Check your understanding
#
# 1. Why does the package never call `np.` functions on the data inside the cost?
#    *Answer: it asks the data for its namespace and calls that, so the same lines run on
#    NumPy, array_api_strict and CuPy. An `np.` call is NumPy's, not the data's: on an
#    `array_api_strict` array it silently returns a NumPy array, leaving the namespace under
#    test (on the second device it raises); on a CuPy array it works only where CuPy
#    intercepts that NumPy function, and raises wherever it would need a copy to the host,
#    which CuPy never makes implicitly.*
# 2. The float32 and float64 runs end at different costs. Is float32 less accurate there?
#    *Answer: not by that figure: neither run reached a minimum (their gradient norms), and
#    the difference is where each stopped.*
