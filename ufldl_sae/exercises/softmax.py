r"""Softmax regression, the course's second classifier exercise: cost, gradient, train, predict.

A softmax classifier maps an input :math:`x` (a column of ``data``) to the probabilities of
``num_classes`` classes, :math:`p(y = j \mid x) \propto e^{\theta_j^T x}`. Its parameters form one
``num_classes x input_size`` matrix :math:`\theta` (row :math:`j` is :math:`\theta_j`; no bias, as
in the course, whose inputs carry none). The optimizer sees ``theta(:)``, the matrix flattened
column-major as MATLAB does, so a theta saved by the course's MATLAB code gives the same cost here.

Labels are the class indices ``0 .. num_classes - 1``. The course's MATLAB code maps digit 0 to
class 10, because MATLAB indexes from 1; here digit ``d`` is simply class ``d``, so
:func:`~ufldl_sae.data.load_mnist_labels` can be used as it is.

Like the autoencoder's cost, everything is written against the Python array API, with the
namespace taken from the inputs: NumPy, CuPy and ``array_api_strict`` run the same lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import array_namespace, from_host, to_host
from ..optimize import IterationRecord, LbfgsResult, host_objective, minimize_lbfgs
from ..params import as_rng
from ..tuning import tuned
from ..validation import check_finite, check_int, check_matrix, check_real, check_vector

__all__ = [
    "SoftmaxModel",
    "accuracy",
    "check_labels",
    "ground_truth_matrix",
    "integral_labels",
    "log_softmax",
    "softmax_cost",
    "labels_like",
    "softmax_predict",
    "softmax_probabilities",
    "softmax_train",
    "theta_to_matrix",
    "matrix_to_theta",
]


# --- layout: theta(:) of a num_classes x input_size matrix -----------------------------------


def matrix_to_theta(Theta: Any) -> Any:
    """``Theta(:)``: the ``num_classes x input_size`` matrix flattened column-major."""
    xp = array_namespace(Theta)
    return xp.reshape(Theta.T, (-1,))


def theta_to_matrix(theta: Any, num_classes: int, input_size: int) -> Any:
    """The ``num_classes x input_size`` matrix of a flat ``theta(:)``; the inverse of the above.

    A column-major ``Theta(:)`` read back row-major is ``Theta.T``, hence the transpose.
    """
    xp = array_namespace(theta)
    return xp.reshape(theta, (input_size, num_classes)).T  # (num_classes, input_size)


# --- the equations ---------------------------------------------------------------------------


def log_softmax(z: Any) -> Any:
    r"""Log-probabilities :math:`\log p_{ji} = z_{ji} - \log\sum_k e^{z_{ki}}`, column by column.

    The largest :math:`z` of each column is subtracted first: softmax is unchanged by a shift of
    all :math:`z_{\cdot i}`, and after the shift every exponent is at most 0, so ``exp`` cannot
    overflow, and the largest term of each sum is exactly 1, so the log cannot see 0.

    Parameters
    ----------
    z : array of shape (num_classes, m)

    Returns
    -------
    array of shape (num_classes, m)
    """
    xp = array_namespace(z)
    z = z - xp.max(z, axis=0, keepdims=True)  # (k, m), each column's largest entry is 0
    return z - xp.log(xp.sum(xp.exp(z), axis=0, keepdims=True))


def ground_truth_matrix(labels: Any, num_classes: int, dtype: Any) -> Any:
    r"""The indicator matrix :math:`G_{ji} = 1\{y^{(i)} = j\}`, of shape (num_classes, m).

    The course builds it with ``full(sparse(labels, 1:m, 1))``; a comparison of the class
    indices with the labels, broadcast, is the array-API equivalent.
    """
    xp = array_namespace(labels)
    classes = xp.arange(num_classes, dtype=labels.dtype, device=labels.device)
    return xp.astype(classes[:, None] == labels[None, :], dtype)  # (k, m)


def softmax_cost(
    theta: Any,
    num_classes: int,
    input_size: int,
    lambda_: float,
    data: Any,
    labels: Any,
    *,
    check_inputs: bool = True,
) -> tuple[Any, Any]:
    r"""The softmax regression cost and its gradient, as the course's ``softmaxCost.m``.

    Parameters
    ----------
    theta : array of shape (num_classes * input_size,)
        ``Theta(:)``: the ``num_classes x input_size`` matrix flattened column-major
        (:func:`matrix_to_theta`).
    num_classes, input_size : int
        :math:`k` and :math:`n`.
    lambda_ : float
        Weight decay :math:`\lambda \ge 0`.
    data : array of shape (input_size, m)
        One example per column. Sets the dtype of the work.
    labels : integer array of shape (m,)
        Class indices in ``0 .. num_classes - 1`` (digit 0 is class 0, not 10 as in MATLAB),
        in the namespace and on the device of ``data``.
    check_inputs : bool, keyword-only
        Validate the arguments (default); the optimizer validates once and passes False.

    Returns
    -------
    cost : 0-d array
    grad : array of the shape of theta, in the same layout

    Notes
    -----
    With :math:`p_{ji} = e^{\theta_j^T x^{(i)}} / \sum_l e^{\theta_l^T x^{(i)}}`,

    .. math:: J(\theta) = -\frac{1}{m}\sum_{i=1}^m\sum_{j=1}^k 1\{y^{(i)} = j\}\log p_{ji}
              + \frac{\lambda}{2}\sum_{j,l}\theta_{jl}^2

    .. math:: \nabla_{\theta} J = -\frac{1}{m}(G - P)\,X^T + \lambda\theta

    where :math:`G` is the indicator matrix of the labels (:func:`ground_truth_matrix`),
    :math:`P` the matrix of probabilities and :math:`X` the data. Weight decay makes the cost
    strictly convex: without it, adding the same vector to every :math:`\theta_j` changes
    nothing, so the minimum is not unique.
    """
    if check_inputs:
        xp = _check_softmax_arguments(theta, num_classes, input_size, lambda_, data, labels)
    else:
        xp = array_namespace(theta, data, labels)
    if theta.dtype != data.dtype:
        theta = xp.astype(theta, data.dtype)  # the work runs in the dtype of the data
    Theta = theta_to_matrix(theta, num_classes, input_size)  # (k, n)
    m = data.shape[1]

    with tuned(input_size, num_classes, m):
        log_p = log_softmax(Theta @ data)  # (k, m)
        G = ground_truth_matrix(labels, num_classes, data.dtype)  # (k, m)
        cost = -xp.sum(G * log_p) / m + (lambda_ / 2) * xp.sum(Theta * Theta)

        Theta_grad = -(G - xp.exp(log_p)) @ data.T / m + lambda_ * Theta  # (k, n)
        return cost, matrix_to_theta(Theta_grad)


def softmax_probabilities(Theta: Any, data: Any) -> Any:
    """The class probabilities :math:`P` (num_classes x m) of the columns of ``data``."""
    xp = array_namespace(Theta, data)
    return xp.exp(log_softmax(Theta @ data))


# --- checks at the public edge ---------------------------------------------------------------


def check_labels(labels: Any, xp: Any, *, num_classes: int, m: int) -> None:
    """``labels`` is a 1-D integer array of ``m`` class indices in ``0 .. num_classes - 1``.

    The range check reads the smallest and largest label back from the device (one sync).
    """
    shape = tuple(getattr(labels, "shape", ()))
    if len(shape) != 1 or shape[0] != m:
        raise ValueError(
            f"labels must be a 1-D array with one label per example (column of data), i.e. "
            f"of length {m}, got shape {shape}"
        )
    if not xp.isdtype(labels.dtype, "integral"):
        raise ValueError(f"labels must have an integer dtype (class indices), got {labels.dtype}")
    low, high = int(xp.min(labels)), int(xp.max(labels))
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"labels must be class indices in [0, {num_classes - 1}] (num_classes = "
            f"{num_classes}; digit 0 is class 0 here, not 10 as in the course's MATLAB code), "
            f"got values in [{low}, {high}]"
        )


def _check_data_and_labels(
    data: Any, labels: Any, input_size: int, num_classes: int, name: str = "data"
) -> Any:
    """Validate ``data`` (input_size x m, finite) and its labels; return the namespace."""
    try:
        xp = array_namespace(data, labels)
    except TypeError as error:
        raise ValueError(
            f"{name} and labels must be arrays of one array library, on one device, got "
            f"{type(data).__name__} and {type(labels).__name__}; move labels with "
            "ufldl_sae.backend.from_host"
        ) from error
    check_matrix(name, data, xp, rows=input_size)
    check_finite(name, data, xp)
    check_labels(labels, xp, num_classes=num_classes, m=data.shape[1])
    return xp


def _check_softmax_arguments(
    theta: Any, num_classes: Any, input_size: Any, lambda_: Any, data: Any, labels: Any
) -> Any:
    num_classes = check_int("num_classes", num_classes, minimum=2)
    input_size = check_int("input_size", input_size)
    check_real("lambda_", lambda_, low=0.0)
    _check_data_and_labels(data, labels, input_size, num_classes)
    try:
        xp = array_namespace(theta, data, labels)
    except TypeError as error:
        raise ValueError(
            f"theta must be an array of the library of data, got {type(theta).__name__}"
        ) from error
    check_vector("theta", theta, xp, size=num_classes * input_size)
    check_finite("theta", theta, xp)
    return xp


def integral_labels(host: np.ndarray) -> np.ndarray:
    """Host ``labels`` as int64 class indices, refusing any value that is not a whole number.

    Integer (and boolean) labels pass. Floating labels (a ``.mat`` file stores labels as
    doubles) pass only when every value is finite and whole: a cast alone would make a label 2.7
    class 2 without a word. Anything else (complex, strings, objects) is refused by its dtype.
    """
    if host.dtype.kind in "iub":
        return host.astype(np.int64, copy=False)
    if host.dtype.kind != "f":
        raise ValueError(f"labels must have an integer dtype (class indices), got {host.dtype}")
    bad = ~np.isfinite(host) | (host != np.round(host))
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"labels must be whole class indices, got {float(host.reshape(-1)[first]):g} at index "
            f"{first} ({int(bad.sum())} label(s) not whole numbers); floating labels are "
            "accepted only when every one is a whole number"
        )
    return host.astype(np.int64)


def labels_like(labels: Any, data: Any) -> Any:
    """``labels`` as an int64 array in the namespace and on the device of ``data``.

    Integer labels already in ``data``'s namespace are only cast. Host labels (NumPy, lists),
    and floating labels, are checked on the host (:func:`integral_labels`: a non-integral label
    such as 2.7 is refused, never truncated) and copied to the device once, explicitly.
    """
    xp = array_namespace(data)
    try:
        same = array_namespace(labels, data) is xp
    except TypeError:
        same = False
    if same and xp.isdtype(labels.dtype, "integral"):
        return xp.astype(labels, xp.int64) if labels.dtype != xp.int64 else labels
    host = np.asarray(to_host(labels) if hasattr(labels, "__dlpack__") else labels)
    return from_host(integral_labels(host), xp, device=data.device)


# --- training and prediction, as softmaxTrain.m and softmaxPredict.m -------------------------


@dataclass
class SoftmaxModel:
    """A trained softmax classifier, as the course's ``softmaxModel`` struct.

    Attributes
    ----------
    opt_theta : float64 NumPy array of shape (num_classes, input_size)
        The learned :math:`\\theta`, as a matrix (the course's ``softmaxModel.optTheta``).
    input_size, num_classes : int
    result : LbfgsResult or None
        The optimizer's record (iterations, history, final cost, time).
    """

    opt_theta: np.ndarray
    input_size: int
    num_classes: int
    result: LbfgsResult | None = None

    @property
    def theta(self) -> np.ndarray:
        """The flat ``theta(:)`` (host float64)."""
        return np.ascontiguousarray(self.opt_theta.T).reshape(-1)


def softmax_train(
    input_size: int,
    num_classes: int,
    lambda_: float,
    data: Any,
    labels: Any,
    *,
    max_iter: int = 400,
    theta0: Any = None,
    rng: None | int | np.random.Generator = None,
    progress: bool | Callable[[IterationRecord], None] | None = None,
    callback: Callable[[IterationRecord, np.ndarray], None] | None = None,
) -> SoftmaxModel:
    r"""Train softmax regression with L-BFGS, as the course's ``softmaxTrain.m``.

    Parameters
    ----------
    input_size, num_classes : int
    lambda_ : float
        Weight decay (the exercise: 1e-4).
    data : array of shape (input_size, m)
        Any backend, float32 or float64; the cost runs there, L-BFGS on the host in float64.
    labels : integer array of shape (m,)
        Class indices ``0 .. num_classes - 1``; host labels are moved to ``data``'s device.
    max_iter : int
        L-BFGS iterations: 400 as ``softmaxTrain.m``'s default (the exercise passes 100).
    theta0 : array of shape (num_classes * input_size,), optional
        Starting point; default ``0.005 * randn``, as the course, drawn on the host from ``rng``.
    rng : None, int or numpy.random.Generator
    progress, callback
        As for :func:`~ufldl_sae.optimize.minimize_lbfgs`.

    Returns
    -------
    SoftmaxModel
    """
    num_classes = check_int("num_classes", num_classes, minimum=2)
    input_size = check_int("input_size", input_size)
    check_real("lambda_", lambda_, low=0.0)
    try:
        xp = array_namespace(data)
    except TypeError as error:
        raise ValueError(f"data must be an array, got {type(data).__name__}") from error
    check_matrix("data", data, xp, rows=input_size)
    labels = labels_like(labels, data)
    _check_data_and_labels(data, labels, input_size, num_classes)
    n = num_classes * input_size
    if theta0 is None:
        theta0 = 0.005 * as_rng(rng).standard_normal(n)  # the course's 0.005 * randn(k*n, 1)
    theta0 = np.asarray(to_host(theta0) if hasattr(theta0, "__dlpack__") else theta0, float)
    if theta0.shape != (n,):
        raise ValueError(f"theta0 must be a 1-D vector of length {n}, got shape {theta0.shape}")

    def fun(theta: Any) -> tuple[Any, Any]:
        return softmax_cost(
            theta, num_classes, input_size, lambda_, data, labels, check_inputs=False
        )

    with tuned(input_size, num_classes, data.shape[1], max_age=0.0):
        result = minimize_lbfgs(
            host_objective(fun, xp, data.dtype, data.device),
            theta0,
            max_iter=max_iter,
            progress=progress,
            callback=callback,
        )
    opt_theta = result.theta.reshape(input_size, num_classes).T  # column-major theta(:)
    return SoftmaxModel(np.ascontiguousarray(opt_theta), input_size, num_classes, result)


def softmax_predict(model: SoftmaxModel, data: Any) -> Any:
    r"""The most probable class of each column of ``data``, as the course's ``softmaxPredict.m``.

    :math:`\hat y^{(i)} = \arg\max_j \theta_j^T x^{(i)}`: the exponential and the normalization
    of softmax preserve the order, so the arg max of the scores is that of the probabilities.

    Returns
    -------
    pred : int64 array of shape (m,), in ``data``'s namespace, classes ``0 .. num_classes - 1``
    """
    try:
        xp = array_namespace(data)
    except TypeError as error:
        raise ValueError(f"data must be an array, got {type(data).__name__}") from error
    check_matrix("data", data, xp, rows=model.input_size)
    Theta = from_host(model.opt_theta, xp, dtype=data.dtype, device=data.device)
    return xp.astype(xp.argmax(Theta @ data, axis=0), xp.int64)  # (m,)


def accuracy(pred: Any, labels: Any) -> float:
    """The fraction of predictions equal to the labels (host copies; both of length m)."""
    p, y = np.asarray(to_host(pred)), np.asarray(to_host(labels))
    if p.shape != y.shape or p.ndim != 1:
        raise ValueError(
            f"pred and labels must be 1-D arrays of one length, got shapes {p.shape} and {y.shape}"
        )
    return float(np.mean(p == y))
