r"""Numerical gradient checking: the course's centered differences and a per-block report.

The analytic gradient of :func:`~ufldl_sae.model.sparse_autoencoder_cost` is derived by hand, so
the course has the student compare it with a numerical estimate,

.. math:: \frac{\partial J}{\partial \theta_i} \approx
          \frac{J(\theta + \epsilon e_i) - J(\theta - \epsilon e_i)}{2\epsilon},

and report :math:`\lVert g_{num} - g\rVert / \lVert g_{num} + g\rVert`. In float64 with
:math:`\epsilon = 10^{-4}` a correct gradient gives about :math:`10^{-11}`; a missing term gives
:math:`10^{-3}` or worse. The biases are a tiny share of theta, so a wrong bias gradient hardly
moves the overall figure: the report checks each block (W1, W2, b1, b2) on its own, and each term
of the cost on its own (data term alone, then each penalty alone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .backend import array_namespace, device_of, dtype_name, from_host, to_host
from .model import sparse_autoencoder_cost
from .params import as_rng, block_slices
from .tuning import tuned
from .validation import check_cost_arguments, check_int, check_real

#: Step of the report's five-point stencil, per dtype. In float64 1e-3 balances truncation
#: (h^4) against rounding (|J| * 1e-16 / h); float32 rounds 1e9 times coarser, so its step is
#: larger.
DEFAULT_EPSILON = {"float64": 1e-3, "float32": 1e-1}

#: Pass/fail threshold on the relative difference per dtype. float64: 1e-9 (a correct gradient
#: gives 1e-13 to 1e-10 per block, a bug 1e-5 or worse). float32 cannot reach that: rounding
#: alone leaves up to ~5e-4 in a block with a small gradient, so its stated threshold is 2e-3.
#: Bugs whose effect is smaller than that (a weight decay of 1e-4 left out) need float64.
DEFAULT_THRESHOLD = {"float64": 1e-9, "float32": 2e-3}

Objective = Callable[[Any], Any]

#: Where each block lies in theta, by name: ``{"W1": slice(0, 1600), ...}``.
Blocks = Mapping[str, slice]

#: The orders of :func:`compute_numerical_gradient`: the course's centered difference (2) and the
#: five-point stencil (4).
ORDERS = (2, 4)


def _cost_of(value: Any) -> float:
    """The cost from ``J(theta)``, which returns ``(cost, grad)`` or the cost alone."""
    if isinstance(value, tuple):
        value = value[0]
    return float(value)


def compute_numerical_gradient(
    J: Objective,
    theta: Any,
    epsilon: float = 1e-4,
    *,
    indices: Sequence[int] | None = None,
    order: int = 2,
) -> Any:
    r"""Finite-difference gradient of ``J`` at ``theta``, as ``computeNumericalGradient.m``.

    Parameters
    ----------
    J : callable
        ``J(theta)`` returns ``(cost, grad)`` or just the cost; only the cost is used.
    theta : 1-D array (any array-API backend)
        The point; never modified. An integer theta (``np.array([4, 10])``, what the course's
        ``x = [4; 10]`` becomes in NumPy) is converted to float64 first: an integer array
        cannot hold :math:`\theta \pm \epsilon e_i`, so the steps would round to zero.
    epsilon : float
        The step :math:`\epsilon` (the course uses :math:`10^{-4}`).
    indices : sequence of int, optional
        Estimate only these coordinates (a sparse check for large theta).
    order : {2, 4}, keyword-only
        2 is the course's centered difference (the default); 4 the five-point stencil
        (:func:`five_point_difference`), whose error shrinks as :math:`\epsilon^4`, used by
        :func:`gradient_check` to resolve blocks with small gradients below 1e-9.

    Returns
    -------
    numgrad : array
        Of theta's shape, or of ``len(indices)`` when ``indices`` is given; theta's namespace,
        device and dtype (float64 for an integer theta).

    Notes
    -----
    With :math:`e_i` the i-th basis vector scaled by :math:`\epsilon`,

    .. math:: g_i = \frac{J(\theta + e_i) - J(\theta - e_i)}{2\epsilon}

    whose error shrinks as :math:`\epsilon^2`. The costs are combined in float64 on the host
    whatever theta's dtype.
    """
    xp = array_namespace(theta)
    check_real("epsilon", epsilon, low=0.0, low_open=True)
    if order not in ORDERS:
        raise ValueError(f"order must be 2 (centered) or 4 (five-point), got {order!r}")
    if len(theta.shape) != 1:
        raise ValueError(f"theta must be a 1-D vector, got shape {tuple(theta.shape)}")
    theta = _floating(theta, xp)
    n = theta.shape[0]
    coordinates = range(n) if indices is None else [int(i) for i in indices]
    for i in coordinates:
        if not 0 <= i < n:
            raise ValueError(f"indices must lie in [0, {n}), got {i}")
    objective = J

    def J(t: Any) -> float:  # the cost alone, as a float
        return _cost_of(objective(t))

    e = xp.zeros_like(theta)
    numgrad = np.empty(len(coordinates))
    for k, i in enumerate(coordinates):
        e[i] = epsilon
        if order == 2:
            numgrad[k] = (J(theta + e) - J(theta - e)) / (2 * epsilon)
        else:
            numgrad[k] = five_point_difference(J, theta, e, epsilon)
        e[i] = 0
    return from_host(numgrad, xp, dtype=theta.dtype, device=device_of(theta))


def _floating(theta: Any, xp: Any) -> Any:
    r"""``theta`` itself when real floating; an integer theta as float64 (its steps
    :math:`\pm\epsilon` must be representable); anything else refused by name."""
    if xp.isdtype(theta.dtype, "real floating"):
        return theta
    if xp.isdtype(theta.dtype, "integral"):
        return xp.astype(theta, xp.float64)
    raise ValueError(
        f"theta must have a real floating or integer dtype, got {theta.dtype}: the "
        "differences need theta + epsilon and theta - epsilon"
    )


def five_point_difference(J: Callable[[Any], float], theta: Any, e: Any, epsilon: float) -> float:
    r"""The derivative of ``J`` along ``e`` (of length :math:`\epsilon`) by the five-point stencil.

    .. math:: \frac{J(\theta - 2e) - 8 J(\theta - e) + 8 J(\theta + e) - J(\theta + 2e)}
              {12\epsilon}

    Its truncation error shrinks as :math:`\epsilon^4` rather than the centered difference's
    :math:`\epsilon^2`, so a larger step (less rounding) still resolves a block whose gradient
    is small. ``J`` returns the cost as a float.
    """
    return (J(theta - 2 * e) - 8 * J(theta - e) + 8 * J(theta + e) - J(theta + 2 * e)) / (
        12 * epsilon
    )


def relative_difference(numerical: Any, analytical: Any, *, floor: float = 0.0) -> float:
    r"""The course's :math:`\lVert n - a\rVert_2 / \lVert n + a\rVert_2` (0 when both are 0).

    ``floor``, keyword-only, is added to the denominator: where a block's true gradient can be
    exactly 0 (a penalty's contribution to the biases), a small share of the whole gradient's
    norm keeps rounding noise compared with rounding noise from passing for a disagreement.
    """
    n = np.asarray(to_host(numerical), dtype=np.float64)
    a = np.asarray(to_host(analytical), dtype=np.float64)
    numerator = np.linalg.norm(n - a)
    denominator = np.linalg.norm(n + a) + floor
    if numerator == 0.0:
        return 0.0
    if denominator == 0.0:
        return float("inf")
    return float(numerator / denominator)


# --- The per-block comparison every check uses -----------------------------------------------


def gradient_pair(
    J: Objective,
    theta: Any,
    *,
    epsilon: float = 1e-3,
    stencil: int = 4,
    indices: Any = None,
    analytical: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The numerical and the analytic gradient of ``J`` at ``theta``, as host float64 vectors.

    The numerical one comes from :func:`compute_numerical_gradient` with ``order=stencil``; the
    analytic one is ``J(theta)[1]`` unless given as ``analytical`` (a full-length gradient).
    With ``indices``, both hold only those coordinates, in that order.
    """
    numerical = compute_numerical_gradient(J, theta, epsilon, indices=indices, order=stencil)
    if analytical is None:
        analytical = J(theta)[1]
    analytical = np.asarray(to_host(analytical), dtype=np.float64)
    if indices is not None:
        analytical = analytical[np.asarray(indices)]
    return np.asarray(to_host(numerical), dtype=np.float64), analytical


def differences_by_block(
    numerical: np.ndarray,
    analytical: np.ndarray,
    blocks: Blocks,
    *,
    indices: Any = None,
    floor: float = 0.0,
) -> dict[str, float]:
    """:func:`relative_difference` overall (key ``"overall"``, first), then in each block.

    ``numerical`` and ``analytical`` hold the whole theta, or only its ``indices`` (then each
    block compares the indices that fall inside it; a block with none sampled gives 0).
    ``floor`` is passed on to :func:`relative_difference`.
    """
    n = len(numerical)
    positions = np.arange(n) if indices is None else np.asarray(indices)
    differences = {"overall": relative_difference(numerical, analytical, floor=floor)}
    for name, s in blocks.items():
        inside = (positions >= s.start) & (positions < s.stop)
        differences[name] = relative_difference(numerical[inside], analytical[inside], floor=floor)
    return differences


def block_differences(
    J: Objective,
    theta: Any,
    blocks: Blocks,
    *,
    epsilon: float = 1e-3,
    stencil: int = 4,
    indices: Any = None,
    analytical: Any = None,
) -> dict[str, float]:
    """The gradient check of ``J`` at ``theta``, overall and per block: the one primitive.

    ``J(theta)`` returns ``(cost, grad)``; ``blocks`` names the slices of theta to judge on their
    own (``{}`` for the overall figure alone). A short block (the biases) hardly moves the
    overall figure, so a wrong gradient there shows only in its own entry. Every gradient check
    of the package (the notes' :func:`gradient_check`, the deep one, softmax, the stacked
    network, the coursework checker) compares through this function or its two halves,
    :func:`gradient_pair` and :func:`differences_by_block`.

    Parameters
    ----------
    J : callable
        ``J(theta) -> (cost, grad)``; only the cost when ``analytical`` is given.
    theta : 1-D array (any array-API backend)
    blocks : mapping of str to slice
    epsilon : float, keyword-only
        The step (1e-3 suits the five-point stencil in float64).
    stencil : {2, 4}, keyword-only
        2 for the course's centered difference, 4 for the five-point stencil (the default).
    indices : sequence of int, optional, keyword-only
        Check only these coordinates.
    analytical : array, optional, keyword-only
        The analytic gradient, when already computed.

    Returns
    -------
    dict of str to float
        ``"overall"`` first, then one entry per block, in the order of ``blocks``.
    """
    numerical, exact = gradient_pair(
        J, theta, epsilon=epsilon, stencil=stencil, indices=indices, analytical=analytical
    )
    return differences_by_block(numerical, exact, blocks, indices=indices)


def simple_quadratic_function(x: Any) -> tuple[Any, Any]:
    r""":math:`h(x) = x_1^2 + 3 x_1 x_2` and its gradient :math:`(2x_1 + 3x_2,\ 3x_1)`."""
    xp = array_namespace(x)
    value = x[0] ** 2 + 3 * x[0] * x[1]
    grad = xp.stack([2 * x[0] + 3 * x[1], 3 * x[0]])
    return value, grad


def check_numerical_gradient(verbose: bool = True) -> float:
    """The course's ``checkNumericalGradient.m``: test the checker itself on a known function.

    Evaluates :func:`simple_quadratic_function` at (4, 10) and returns the relative difference
    between :func:`compute_numerical_gradient` and the exact gradient (the course reports
    2.1452e-12; anything below 1e-9 means the numerical gradient code is right).
    """
    x = np.array([4.0, 10.0])
    _, grad = simple_quadratic_function(x)
    numgrad = compute_numerical_gradient(simple_quadratic_function, x)
    diff = relative_difference(numgrad, grad)
    if verbose:
        print(f"{'numerical':>12} {'analytical':>12}")
        for n, a in zip(numgrad, grad, strict=True):
            print(f"{n:12.6f} {a:12.6f}")
        print(f"relative difference {diff:.4e} (should be below 1e-9; the course shows 2.1452e-12)")
    return diff


@dataclass(frozen=True)
class Disagreement:
    """One coordinate where the numerical and analytic gradients differ most."""

    index: int
    block: str
    position: tuple[int, ...]
    numerical: float
    analytical: float

    def __str__(self) -> str:
        where = f"{self.block}[{', '.join(map(str, self.position))}]"
        return (
            f"theta[{self.index}] = {where}: numerical {self.numerical:.6e}, "
            f"analytical {self.analytical:.6e}"
        )


@dataclass(frozen=True)
class GradientCheckReport:
    """The result of :func:`gradient_check`: overall, per block and per term, with a verdict."""

    difference: float
    blocks: dict[str, float]
    terms: dict[str, float | None]
    worst: list[Disagreement]
    threshold: float
    epsilon: float
    dtype: str
    n_checked: int
    n_total: int

    @property
    def passed(self) -> bool:
        """True when every difference (overall, blocks, checked terms) is below threshold."""
        values = [self.difference, *self.blocks.values()]
        values += [v for v in self.terms.values() if v is not None]
        return all(v < self.threshold for v in values)

    def __str__(self) -> str:
        def line(name: str, value: float | None) -> str:
            if value is None:
                return f"  {name:<22} not checked (its weight is 0)"
            verdict = "PASS" if value < self.threshold else "FAIL"
            return f"  {name:<22} {value:.3e}  {verdict}"

        sampled = "" if self.n_checked == self.n_total else f" (a sample of {self.n_checked})"
        head = (
            f"gradient check: ||num - grad|| / ||num + grad||, five-point differences, "
            f"epsilon {self.epsilon:g}, {self.dtype}, threshold {self.threshold:g}, "
            f"{self.n_total} parameters{sampled}"
        )
        lines = [head, line("overall", self.difference)]
        lines += [line(f"block {name}", value) for name, value in self.blocks.items()]
        lines += [line(name, value) for name, value in self.terms.items()]
        lines.append("  worst coordinates:")
        lines += [f"    {d}" for d in self.worst]
        lines.append(f"  => {'PASS' if self.passed else 'FAIL'}")
        return "\n".join(lines)


def _position(index: int, block: str, visible_size: int, hidden_size: int) -> tuple[int, ...]:
    """Row and column of a theta index inside its block, reading W(:) column-major."""
    start = block_slices(visible_size, hidden_size)[block].start
    k = index - start
    rows = {"W1": hidden_size, "W2": visible_size}.get(block)
    return (k,) if rows is None else (k % rows, k // rows)


def _block_of(index: int, visible_size: int, hidden_size: int) -> str:
    for name, s in block_slices(visible_size, hidden_size).items():
        if s.start <= index < s.stop:
            return name
    raise IndexError(index)


def _sample_indices(
    visible_size: int, hidden_size: int, num_checks: int | None, rng: np.random.Generator
) -> np.ndarray:
    """All indices, or ``num_checks`` drawn from each block (so the biases are always checked)."""
    slices = block_slices(visible_size, hidden_size)
    if num_checks is None:
        return np.arange(slices["b2"].stop)
    chosen = [
        np.sort(rng.choice(np.arange(s.start, s.stop), min(num_checks, s.stop - s.start), False))
        for s in slices.values()
    ]
    return np.concatenate(chosen)


def gradient_check(
    theta: Any,
    visible_size: int,
    hidden_size: int,
    lambda_: float,
    sparsity_param: float,
    beta: float,
    data: Any,
    *,
    epsilon: float | None = None,
    threshold: float | None = None,
    num_checks: int | None = None,
    rng: None | int | np.random.Generator = None,
    n_worst: int = 3,
) -> GradientCheckReport:
    """Compare :func:`sparse_autoencoder_cost`'s gradient with a numerical one, in detail.

    Same first seven arguments as the cost. The relative difference is reported overall, for
    each block (W1, W2, b1, b2), and term by term: the data term alone (``lambda_ = beta = 0``),
    then the data term with each penalty alone (``beta = 0``, then ``lambda_ = 0``), so a
    failure points at the term whose derivative is wrong.

    The numerical gradient uses the five-point stencil (``order=4`` of
    :func:`compute_numerical_gradient`): the course's centered difference leaves about 1e-10 of
    truncation and rounding error per coordinate, which is above 1e-9 relative in blocks with
    small gradients (b2, W2), while the five-point stencil leaves about 1e-12.

    ``epsilon`` and ``threshold`` default per dtype (:data:`DEFAULT_EPSILON`,
    :data:`DEFAULT_THRESHOLD`): float32 gets its own stated tolerance, never float64's.
    ``num_checks`` checks that many random coordinates of each block instead of all of theta
    (the biases are few, so a sample of the whole vector could miss them).
    """
    xp = check_cost_arguments(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data)
    dtype = dtype_name(data.dtype)
    epsilon = (
        DEFAULT_EPSILON[dtype]
        if epsilon is None
        else check_real("epsilon", epsilon, low=0.0, low_open=True)
    )
    threshold = (
        DEFAULT_THRESHOLD[dtype]
        if threshold is None
        else check_real("threshold", threshold, low=0.0, low_open=True)
    )
    if num_checks is not None:
        num_checks = check_int("num_checks", num_checks)
    theta = xp.astype(theta, data.dtype) if theta.dtype != data.dtype else theta
    indices = _sample_indices(visible_size, hidden_size, num_checks, as_rng(rng))

    def J(lam: float, b: float) -> Objective:
        """The cost with weights lam and b, the arguments already checked."""

        def cost(t: Any) -> tuple[Any, Any]:
            return sparse_autoencoder_cost(
                t, visible_size, hidden_size, lam, sparsity_param, b, data, check_inputs=False
            )

        return cost

    def overall(lam: float, b: float) -> float:
        """The overall difference of the cost with weights lam and b alone."""
        return block_differences(J(lam, b), theta, {}, **options)["overall"]

    options = {"epsilon": epsilon, "stencil": 4, "indices": indices}
    with tuned(visible_size, hidden_size, data.shape[1]):  # once, not at each evaluation
        numerical, analytical = gradient_pair(J(lambda_, beta), theta, **options)
        terms: dict[str, float | None] = {
            "data term alone": overall(0.0, 0.0),
            "+ weight decay": overall(lambda_, 0.0) if lambda_ > 0 else None,
            "+ sparsity": overall(0.0, beta) if beta > 0 else None,
        }
    blocks = differences_by_block(
        numerical, analytical, block_slices(visible_size, hidden_size), indices=indices
    )
    difference = blocks.pop("overall")
    worst = []
    for k in np.argsort(-np.abs(numerical - analytical))[:n_worst]:
        index = int(indices[k])
        block = _block_of(index, visible_size, hidden_size)
        position = _position(index, block, visible_size, hidden_size)
        worst.append(
            Disagreement(index, block, position, float(numerical[k]), float(analytical[k]))
        )
    return GradientCheckReport(
        difference=difference,
        blocks=blocks,
        terms=terms,
        worst=worst,
        threshold=threshold,
        epsilon=epsilon,
        dtype=dtype,
        n_checked=len(indices),
        n_total=int(theta.shape[0]),
    )
