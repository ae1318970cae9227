"""scikit-learn's estimator protocol, without depending on scikit-learn.

The constructor only stores its arguments, under their own names; then ``get_params`` and
``set_params`` can be written once from the constructor's signature, and cloning, grid search
and a ``Pipeline`` work on the estimator as on scikit-learn's own.
"""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

_Estimator = TypeVar("_Estimator", bound="ParamsProtocol")


class ParamsProtocol:
    """``get_params``, ``set_params``, tags, ``fit_transform`` and a ``repr`` of the changed
    parameters, for a class whose ``__init__`` stores each argument as an attribute."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self: _Estimator, **params: Any) -> _Estimator:
        """Set constructor arguments by name; an unknown name is an error, as in scikit-learn."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid ones: {valid}"
                )
            setattr(self, name, value)
        return self

    def __sklearn_tags__(self) -> Any:
        """scikit-learn (>= 1.6) asks every estimator for its tags; only it ever calls this,
        so importing scikit-learn here adds no dependency. An unsupervised transformer."""
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=False),
            transformer_tags=TransformerTags(preserves_dtype=["float64"]),
        )

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit, then encode ``X`` (what a ``Pipeline`` calls on an intermediate step)."""
        return self.fit(X, y, **fit_params).transform(X)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
