"""scikit-learn's estimator protocol without scikit-learn: the constructor's parameters by name
(``get_params``, ``set_params``) and a ``repr`` of those that differ from their defaults."""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any, TypeVar

Self = TypeVar("Self", bound="EstimatorParams")


class EstimatorParams:
    """``get_params``, ``set_params`` and ``__repr__`` from the constructor's signature (every
    parameter stored under its own name, as scikit-learn requires)."""

    @classmethod
    def _param_names(cls) -> list[str]:
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: Self, **params: Any) -> Self:
        """Set constructor parameters by name; unknown names raise ``ValueError``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{name!r} is not a parameter of {type(self).__name__}; valid: {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        changed = {
            name: value for name, value in self.get_params().items() if not _equal(value, defaults[name].default)
        }
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"


def _equal(value: Any, default: Any) -> bool:
    """``value == default`` where that is one truth value (an array compared with a tuple is not)."""
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def with_keywords(init: Callable[..., None], **defaults: Any) -> Callable[..., None]:
    """A constructor that takes ``init``'s parameters and the keyword-only ``defaults`` (stored
    under their names), its signature saying so, as scikit-learn's parameter protocol reads it: one
    estimator's own settings (the classifier's ``class_weight``, the regressor's ``loss``) beside the
    shared ones, without writing those twice."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        own = {name: kwargs.pop(name, default) for name, default in defaults.items()}
        init(self, *args, **kwargs)
        for name, value in own.items():
            setattr(self, name, value)

    shared = inspect.signature(init)
    __init__.__signature__ = shared.replace(parameters=[  # type: ignore[attr-defined]
        *shared.parameters.values(),
        *(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
          for name, default in defaults.items())])
    __init__.__doc__ = init.__doc__
    return __init__


class stochastic_only:
    """A method only stochastic optimisers have (``partial_fit``): with ``optimizer="lbfgs"`` the
    attribute is missing (``hasattr`` is False), with scikit-learn's message, as its MLPs'."""

    def __init__(self, method: Callable[..., Any]) -> None:
        self.method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(self, instance: Any, owner: type | None = None) -> Callable[..., Any]:
        if instance is None:
            return self.method
        if not instance._stochastic:
            raise AttributeError(f"{self.method.__name__} is only available for stochastic optimizers. "
                                 f"{instance.optimizer} is not stochastic.")
        return types.MethodType(self.method, instance)
