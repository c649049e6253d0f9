"""scikit-learn's fitted MLP attributes, read from this library's own: ``coefs_`` and ``intercepts_``
(views of ``parameters_`` in scikit-learn's orientation), ``loss_``, ``best_loss_``,
``loss_curve_``, ``t_``, ``n_layers_`` and ``out_activation_``; and ``feature_names_in_``, set from
a DataFrame's columns and checked on every later call in scikit-learn's words."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import array_api_compat
import numpy as np

from .._backend import Array
from .._backend.transfers import move_to
from .._outputs import output_activation

#: The output activations by scikit-learn's names.
OUT_ACTIVATIONS = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity", "exp": "exp"}


class ScikitLearnAttributes:
    """scikit-learn's MLP attributes over the fitted ``parameters_``, ``costs_``,
    ``optimizer_state_``, ``layer_dims_`` and ``validation_scores_``."""

    if TYPE_CHECKING:  # set by fit (annotated here for the type checker, not as documented attributes)
        parameters_: dict[str, Array]
        costs_: list[float]
        layer_dims_: list[int]
        validation_scores_: list[float] | None

    @property
    def coefs_(self) -> list[Array]:
        """Each layer's weights ``(n_in, n_out)`` in scikit-learn's orientation, as views ``Wl.T`` of
        ``parameters_`` (where the library has views). Assigning a list replaces them."""
        return [self.parameters_[f"W{l}"].T for l in range(1, len(self.layer_dims_))]

    @coefs_.setter
    def coefs_(self, coefs: list[Any]) -> None:
        self._replace("W", [_host_or_array(c).T for c in coefs])

    @property
    def intercepts_(self) -> list[Array]:
        """Each layer's biases ``(n_out,)``, as views ``bl[:, 0]`` of ``parameters_``. Assigning a
        list replaces them."""
        return [self.parameters_[f"b{l}"][:, 0] for l in range(1, len(self.layer_dims_))]

    @intercepts_.setter
    def intercepts_(self, intercepts: list[Any]) -> None:
        self._replace("b", [_column(_host_or_array(b)) for b in intercepts])

    def _replace(self, kind: str, arrays: list[Any]) -> None:
        """``parameters_``'s ``W`` or ``b`` of each layer, from ``arrays`` of their shapes, placed
        as the fitted ones."""
        if len(arrays) != len(self.layer_dims_) - 1:
            raise ValueError(f"expected {len(self.layer_dims_) - 1} arrays, one per layer, got {len(arrays)}")
        for l, array in enumerate(arrays, start=1):
            old = self.parameters_[f"{kind}{l}"]
            if tuple(array.shape) != tuple(old.shape):
                raise ValueError(f"layer {l}: expected shape {tuple(old.shape)[::-1] if kind == 'W' else old.shape[0]}"
                                 f", got {tuple(array.shape)[::-1] if kind == 'W' else array.shape[0]}")
            xp = array_api_compat.array_namespace(old)
            self.parameters_[f"{kind}{l}"] = move_to(array, xp, array_api_compat.device(old), old.dtype)

    @property
    def loss_curve_(self) -> list[float]:
        """Each epoch's training loss, ``costs_`` (the L2 term included, as scikit-learn's)."""
        return list(self.costs_)

    @property
    def loss_(self) -> float:
        """The last epoch's training loss."""
        if not self.costs_:
            raise AttributeError("loss_: no epoch has run")
        return self.costs_[-1]

    @property
    def best_loss_(self) -> float | None:
        """The lowest training loss, or None where early stopping held out a validation set (then
        ``best_validation_score_`` is what counts), as scikit-learn's."""
        if self.validation_scores_ is not None:
            return None
        return min(self.costs_) if self.costs_ else float("inf")

    @property
    def t_(self) -> int:
        """The training samples seen (scikit-learn's ``t_``, which ``"invscaling"`` reads)."""
        return int(self.optimizer_state_.samples)  # type: ignore[attr-defined]

    @property
    def n_layers_(self) -> int:
        """The number of layers, input and output included."""
        return len(self.layer_dims_)

    @property
    def out_activation_(self) -> str:
        """The output layer's activation, by scikit-learn's name (``"logistic"``, ``"softmax"``,
        ``"identity"``, ``"exp"``)."""
        return OUT_ACTIVATIONS[output_activation(self.layer_dims_[-1], self._fitted_targets().loss)]  # type: ignore[attr-defined]


def _host_or_array(value: Any) -> Any:
    """``value`` as it is where it is an array of a supported library, else a NumPy array."""
    return value if array_api_compat.is_array_api_obj(value) else np.asarray(value, dtype=np.float64)


def _column(b: Any) -> Any:
    """Biases ``(n,)`` as a column ``(n, 1)``."""
    xp = array_api_compat.array_namespace(b)
    return xp.reshape(b, (b.shape[0], 1))


def feature_names(X: Any) -> np.ndarray | None:
    """``X``'s column names where it has them and they are all strings (a DataFrame's), as an
    object array; None otherwise (``TypeError`` for names that mix strings and others)."""
    columns = getattr(X, "columns", None)
    if columns is None or array_api_compat.is_array_api_obj(X):
        return None
    names = np.asarray(columns, dtype=object)
    strings = [isinstance(name, str) for name in names]
    if all(strings) and len(names):
        return names
    if any(strings):
        kinds = sorted({type(name).__name__ for name in names})
        raise TypeError(f"Feature names are only supported if all input features have string names, but your "
                        f"input has {kinds} as feature name / column name types. If you want feature names to be "
                        "stored and validated, you must convert them all to strings, by using X.columns = "
                        "X.columns.astype(str) for example. Otherwise you can remove feature / column names from "
                        "your input data, or convert them all to a non-string data type.")
    return None


def check_feature_names(model: Any, X: Any, reset: bool) -> None:
    """scikit-learn's rule: ``reset`` (a fit): remember ``X``'s feature names (or forget any);
    otherwise a warning where only one of the fit and ``X`` had names, and ``ValueError`` where
    they differ."""
    given = feature_names(X)
    if reset:
        if given is None:
            model.__dict__.pop("feature_names_in_", None)
        else:
            model.feature_names_in_ = given
        return
    fitted = getattr(model, "feature_names_in_", None)
    name = type(model).__name__
    if given is None and fitted is None:
        return
    if fitted is None:
        warnings.warn(f"X has feature names, but {name} was fitted without feature names", UserWarning,
                      stacklevel=4)
        return
    if given is None:
        warnings.warn(f"X does not have valid feature names, but {name} was fitted with feature names",
                      UserWarning, stacklevel=4)
        return
    if len(given) == len(fitted) and np.array_equal(given, fitted):
        return
    message = "The feature names should match those that were passed during fit.\n"
    unseen, missing = sorted(set(given) - set(fitted)), sorted(set(fitted) - set(given))
    for title, names in (("Feature names unseen at fit time:", unseen),
                         ("Feature names seen at fit time, yet now missing:", missing)):
        if names:
            shown = [f"- {n}" for n in names[:5]] + (["- ..."] if len(names) > 5 else [])
            message += title + "\n" + "\n".join(shown) + "\n"
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)
