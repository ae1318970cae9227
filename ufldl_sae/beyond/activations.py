r"""Activation functions :math:`f` and their derivatives, each pair side by side.

The notes use the sigmoid throughout; this module adds the hyperbolic tangent, the rectified
linear unit and the identity, so that :mod:`ufldl_sae.beyond.deep` can build other autoencoders.

Backpropagation needs :math:`f'(z^{(l)})` at the pre-activations. Each derivative here is written
from the *activation value* :math:`a = f(z)`, which the forward pass has already computed, so
``z`` never has to be kept: the notes' own :math:`f'(z) = a(1-a)` for the sigmoid is one case.

==============  =====================================  ==============================  ===========
name            :math:`f(z)`                           :math:`f'` from :math:`a=f(z)`  range
==============  =====================================  ==============================  ===========
``sigmoid``     :math:`1/(1+e^{-z})`                   :math:`a(1-a)`                  (0, 1)
``tanh``        :math:`\tanh z`                        :math:`1-a^2`                   (-1, 1)
``relu``        :math:`\max(z, 0)`                     :math:`[a > 0]`                 [0, inf)
``identity``    :math:`z`                              :math:`1`                       (-inf, inf)
==============  =====================================  ==============================  ===========

The identity is meant for the output layer, when the data are not in (0, 1) (whitened or
standardized data, which a sigmoid output can never reconstruct). Everything is written against
the Python array API and works in the dtype of its input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..backend import array_namespace
from ..model import sigmoid


def sigmoid_derivative(a: Any) -> Any:
    r"""The sigmoid's :math:`f'(z) = f(z)(1 - f(z)) = a(1 - a)`, from :math:`a = f(z)`."""
    return a * (1 - a)


def tanh(z: Any) -> Any:
    r"""The hyperbolic tangent :math:`f(z) = \tanh z = (e^z - e^{-z})/(e^z + e^{-z})`."""
    xp = array_namespace(z)
    return xp.tanh(z)


def tanh_derivative(a: Any) -> Any:
    r""":math:`f'(z) = 1 - \tanh^2 z = 1 - a^2`, from :math:`a = \tanh z`."""
    return 1 - a * a


def relu(z: Any) -> Any:
    r"""The rectified linear unit :math:`f(z) = \max(z, 0)`.

    One ``maximum`` pass: array-api-compat's ``clip`` on NumPy copies first, then takes it.
    """
    xp = array_namespace(z)
    return xp.maximum(z, 0.0)


def relu_derivative(a: Any) -> Any:
    r""":math:`f'(z) = [z > 0] = [a > 0]`, from :math:`a = \max(z, 0)`, in ``a``'s dtype.

    The ReLU has a kink at :math:`z = 0`, where it has no derivative; any value in [0, 1] is a
    subgradient there, and we take 0. A numerical gradient check never lands exactly on the
    kink in practice: a pre-activation is a sum of products of random floats and is exactly 0
    with probability 0. What can happen is a pre-activation *within the finite-difference step*
    of 0, where the numerical estimate averages the two slopes; the tests check that no
    pre-activation lies that close.
    """
    xp = array_namespace(a)
    return xp.astype(a > 0, a.dtype)


def identity(z: Any) -> Any:
    r"""The identity :math:`f(z) = z`: a linear output layer."""
    return z


def identity_derivative(a: Any) -> Any:
    r""":math:`f'(z) = 1`, as an array of ``a``'s shape, dtype and device."""
    xp = array_namespace(a)
    return xp.ones_like(a)


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative and the range of its values.

    Attributes
    ----------
    name : str
        As accepted by :func:`get_activation`.
    f : callable
        :math:`a = f(z)`, elementwise.
    derivative : callable
        :math:`f'(z)` computed from the activation value ``a``.
    low, high : float
        The range of the values (ends excluded or included as the table of the module says);
        :mod:`ufldl_sae.beyond.penalties` reads it to decide whether a KL penalty is defined.
    """

    name: str
    f: Callable[[Any], Any]
    derivative: Callable[[Any], Any]
    low: float
    high: float

    def __str__(self) -> str:
        return self.name


SIGMOID = Activation("sigmoid", sigmoid, sigmoid_derivative, 0.0, 1.0)
TANH = Activation("tanh", tanh, tanh_derivative, -1.0, 1.0)
RELU = Activation("relu", relu, relu_derivative, 0.0, math.inf)
IDENTITY = Activation("identity", identity, identity_derivative, -math.inf, math.inf)

#: The activations by name, in the order the error messages list them.
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (SIGMOID, TANH, RELU, IDENTITY)}


def get_activation(name: str | Activation) -> Activation:
    """The :class:`Activation` called ``name`` (an :class:`Activation` is returned unchanged).

    Raises ``ValueError`` naming the allowed choices for any other name.
    """
    if isinstance(name, Activation):
        return name
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]
    raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {name!r}")
