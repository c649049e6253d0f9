"""What an estimator's targets are, as objects: :class:`Labels` (a classifier's classes, or a
multilabel indicator's columns) and :class:`Outputs` (a regressor's real outputs). Each encodes
``y`` on the host (or lazily for Dask), places it on the training device, and says how many output
units it needs, their loss, how to stratify a held-out split, what the fitted model records, and
what a saved file holds."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np
from array_api_compat import is_dask_array

from .._backend import Array
from .._backend.transfers import move_to, to_numpy
from .._outputs import REGRESSION_LOSSES, check_loss
from .._validation import check_targets_host, encode_labels


@dataclass(frozen=True, eq=False)
class Labels:
    """A classifier's targets: the sorted ``classes``, and whether ``y`` is a multilabel indicator
    matrix (then ``classes`` are its column numbers)."""

    classes: np.ndarray
    multilabel: bool = False

    @classmethod
    def encode(cls, X: Any, y: Any, known: Any, model: Any) -> tuple[Any, Labels]:
        """``(class indices (m,) on the host, or a 0/1 indicator (m, k) for multilabel y, or None
        for a Dask y encoded on its blocks; the labels)``; ``known`` the fitted labels, or the
        classes given to the first ``partial_fit``."""
        classes = known.classes if isinstance(known, Labels) else known
        if is_dask_array(X) and is_dask_array(y) and y.ndim == 1:  # checked by their distinct values
            distinct = importlib.import_module("dask.array").unique(y).compute()
            classes, _ = encode_labels(distinct, distinct.shape[0], type(model).__name__, classes)
            return None, cls(classes)
        indicator = multilabel_indicator(y, X.shape[0])
        if indicator is not None:
            if classes is not None and not np.array_equal(np.asarray(classes), np.arange(indicator.shape[1])):
                raise ValueError(f"classes={np.asarray(classes).tolist()} do not name the {indicator.shape[1]} "
                                 f"columns of a multilabel y (expected {list(range(indicator.shape[1]))})")
            return indicator, cls(np.arange(indicator.shape[1]), multilabel=True)
        classes, indices = encode_labels(y, X.shape[0], type(model).__name__, classes)
        return indices, cls(classes)

    def place(self, encoded: Any, y: Any, xp: ModuleType, device: Any, dtype: Any) -> Array:
        """Class indices (m,), or the indicator's columns (k, m), on the training placement (a Dask
        y: encoded on its blocks)."""
        if encoded is None:
            return y.map_blocks(_class_indices, self.classes, dtype=dtype)
        return move_to(encoded.T if self.multilabel else encoded, xp, device, dtype)

    @property
    def units(self) -> int:
        """One sigmoid unit for two classes, a softmax over more; multilabel: a sigmoid unit each."""
        if self.multilabel:
            return len(self.classes)
        return 1 if len(self.classes) == 2 else len(self.classes)

    @property
    def loss(self) -> str:
        return "binary_cross_entropy" if self.multilabel else "cross_entropy"

    def stratify(self, placed: Array) -> np.ndarray | None:
        """Held-out splits keep each class in proportion, as scikit-learn's (not for multilabel y)."""
        return None if placed.ndim == 2 else to_numpy(placed)

    def check_same(self, fitted: Any, message: str) -> None:
        """``ValueError`` (``message`` formatted with ``what``, ``fitted``, ``given``) unless these
        are the ``fitted`` labels."""
        if self.multilabel != fitted.multilabel or not np.array_equal(self.classes, fitted.classes):
            what = "multilabel columns" if fitted.multilabel or self.multilabel else "classes"
            raise ValueError(message.format(what=what, fitted=fitted.classes, given=np.asarray(self.classes)))

    def attributes(self) -> dict[str, Any]:
        """The fitted attributes that describe the targets."""
        return {"classes_": np.asarray(self.classes), "multilabel_": bool(self.multilabel)}

    @classmethod
    def of(cls, model: Any) -> Labels:
        """The fitted ``model``'s labels."""
        return cls(model.classes_, model.multilabel_)

    def metadata(self) -> dict[str, Any]:
        """What a saved model records of them."""
        return {"classes": np.asarray(self.classes).tolist(), "multilabel": bool(self.multilabel)}

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> Labels:
        """A saved model's labels (files from before multi-class support: classes ``[0, 1]``)."""
        return cls(np.asarray(metadata.get("classes", [0, 1])), bool(metadata.get("multilabel", False)))


@dataclass(frozen=True)
class Outputs:
    """A regressor's targets: ``k`` real outputs, trained for ``loss``: one identity unit each for
    the squared error, one exponential unit each (a log link) for the Poisson deviance."""

    k: int
    loss: str = "squared_error"

    @classmethod
    def encode(cls, X: Any, y: Any, known: Any, model: Any) -> tuple[Any, Outputs]:
        """``(y as a float64 NumPy array (m, k), or None for a Dask y; the outputs)``, checked
        against the ``known`` (fitted) outputs; non-negative for ``model.loss="poisson"``."""
        estimator, loss = type(model).__name__, check_loss(model.loss, REGRESSION_LOSSES)
        if is_dask_array(y):
            if y.ndim not in (1, 2) or (y.ndim == 2 and len(y.chunks[1]) != 1):
                raise ValueError(f"y: expected a Dask array (m,) or (m, k) chunked along the samples only, got "
                                 f"shape {y.shape} with chunks {y.chunks}")
            values, k = None, 1 if y.ndim == 1 else int(y.shape[1])
        else:
            values = check_targets_host(y, X.shape[0], estimator)
            k = values.shape[1]
            if loss == "poisson" and values.min() < 0:
                raise ValueError(f"y: loss='poisson' needs non-negative targets (counts, rates), got a minimum of "
                                 f"{values.min():g}")
        if known is not None and k != known.k:
            raise ValueError(f"y has {k} outputs, but {estimator} was fitted with {known.k}")
        return values, cls(k, loss)

    def place(self, values: Any, y: Any, xp: ModuleType, device: Any, dtype: Any) -> Array:
        """The targets (k, m) on the training placement (a Dask y: transposed lazily)."""
        if values is None:
            lazy = y if y.ndim == 2 else y[:, None]
            return lazy.astype(dtype).T
        return move_to(values.T, xp, device, dtype)

    @property
    def units(self) -> int:
        return self.k

    def stratify(self, placed: Array) -> None:
        """Regression splits are not stratified."""
        return None

    def check_same(self, fitted: Any, message: str) -> None:
        """``ValueError`` (``message`` formatted) unless these are the ``fitted`` outputs."""
        if self.k != fitted.k:
            raise ValueError(message.format(what="number of outputs", fitted=fitted.k, given=self.k))

    def attributes(self) -> dict[str, Any]:
        return {"n_outputs_": int(self.k), "_fitted_loss": self.loss}

    @classmethod
    def of(cls, model: Any) -> Outputs:
        return cls(model.n_outputs_, getattr(model, "_fitted_loss", "squared_error"))

    def metadata(self) -> dict[str, Any]:
        return {"n_outputs": int(self.k)}  # the loss is a model file's own entry

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> Outputs:
        return cls(int(metadata["n_outputs"]), metadata.get("loss", "squared_error"))


#: What an estimator's targets are.
Targets = Labels | Outputs


def multilabel_indicator(y: Any, m: int) -> np.ndarray | None:
    """``y`` as a float64 (m, k) indicator matrix where it is one (2-D, k >= 2 columns of 0 and 1,
    as scikit-learn's ``type_of_target`` says "multilabel-indicator"), else None."""
    if y is None or (not hasattr(y, "shape") and not isinstance(y, (list, tuple))):
        return None
    values = to_numpy(y) if array_api_compat.is_array_api_obj(y) else np.asarray(y)
    if values.ndim != 2 or values.shape[1] < 2 or values.shape[0] != m or values.dtype.kind not in "biuf":
        return None
    if not np.isin(values, (0, 1)).all():
        return None
    return values.astype(np.float64)


def _class_indices(labels: Any, classes: np.ndarray, dtype: Any = None) -> Any:
    """Each label's index in the sorted ``classes`` (a block of a Dask array of labels), as ``dtype``."""
    return np.searchsorted(classes, np.asarray(labels)).astype(dtype)
