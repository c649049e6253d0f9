"""``DeepNeuralNetwork``: the notebook's "easy-to-use neural network class", a classifier.

It follows scikit-learn's estimator conventions (samples in rows, ``get_params`` /
``set_params``, fitted attributes ending in ``_``), so it works in ``Pipeline``,
``clone`` and ``cross_val_score`` when scikit-learn is installed, without needing it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from ._backend import Array, default_float_dtype
from ._network import AUTO_EARLY_STOPPING, UNSCALED, ConvergenceWarning, NetworkEstimator
from ._validation import encode_labels
from .io import move_to, to_numpy
from .streaming import is_dask_array

__all__ = ["AUTO_EARLY_STOPPING", "UNSCALED", "ConvergenceWarning", "DeepNeuralNetwork"]


class DeepNeuralNetwork(NetworkEstimator):
    """A classifier: [LINEAR->ACTIVATION] x len(hidden_layers) -> LINEAR -> SIGMOID or SOFTMAX.

    Trained like scikit-learn's ``MLPClassifier`` by default: Adam (``learning_rate`` 1e-3,
    ``beta1``, ``beta2``, ``epsilon``) on shuffled mini-batches of ``batch_size`` examples (200,
    or all when fewer; ``None``: full batches), L2 strength ``alpha`` (the course's ``lambd``),
    He initialisation, at most ``num_iterations`` epochs, stopping when the training cost has
    not fallen by ``tol`` for more than ``n_iter_no_change`` epochs (``None`` or ``math.inf``:
    never; ``fit`` warns with ``ConvergenceWarning`` when the epochs run out first) or, with
    ``early_stopping``, when the accuracy on a held-out ``validation_fraction`` (stratified) has not risen
    by ``tol``, keeping the best epoch's parameters (``"auto"``, the default: early stopping
    with more than 10,000 examples, as scikit-learn's ``HistGradientBoostingClassifier``).
    ``warm_start``: ``fit`` goes on from the fitted parameters (a new optimiser state, the epoch
    count going on), as ``MLPClassifier``'s.
    ``optimizer``: ``"adam"``, ``"momentum"`` (``beta``) or ``"gd"``; ``keep_prob``: dropout
    of the hidden layers; ``decay_rate``: the course's learning-rate decay per epoch. The course's notebook settings are
    ``optimizer="gd", batch_size=None, alpha=0, learning_rate=0.0075, num_iterations=3000,
    init="lecun", n_iter_no_change=None, early_stopping=False``.

    ``fit(X, y)`` takes ``X`` (m, n_features) and labels ``y`` (m,) of any kind scikit-learn's
    classifiers take (integers, strings, booleans, whole-number floats), as NumPy, CuPy or any
    supported arrays (or array-likes). Two classes train one sigmoid unit, more a softmax layer.
    Training runs on ``device``: ``None`` (where ``X`` lives), ``"cpu"``, ``"cuda"``,
    ``"cuda:1"``, a backend name such as ``"array_api_strict"``, or a device object. ``dtype``:
    ``None`` (``X``'s floating dtype, else float64 where available), ``"float32"`` or
    ``"float64"``. ``hidden_activation``: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or
    ``"leaky_relu"``. Predictions come back in the namespace and device of the ``X`` they are
    asked for (labels as a NumPy array where they are not numbers).

    Fitted attributes: ``parameters_`` (on the training device), ``costs_`` (each epoch's),
    ``n_iter_`` (epochs run), ``layer_dims_``, ``n_features_in_``, ``classes_`` (sorted NumPy
    array), ``optimizer_state_`` (to go on training: :meth:`partial_fit`), ``validation_scores_``
    and ``best_validation_score_`` (each epoch's held-out accuracy and the best; ``None`` without
    early stopping).
    """

    _fitted_attributes = (*NetworkEstimator._fitted_attributes, "classes_")

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(multi_class=True),
            input_tags=InputTags(),
        )

    # -- the targets: class labels --------------------------------------------------------------

    def _encode(self, X: Any, y: Any, classes: Any) -> tuple[Any, np.ndarray]:
        """``(class indices on the host, or None for a Dask y encoded on its blocks, classes)``."""
        if is_dask_array(X) and is_dask_array(y) and y.ndim == 1:  # checked by their distinct values
            distinct = importlib.import_module("dask.array").unique(y).compute()
            classes, _ = encode_labels(distinct, distinct.shape[0], type(self).__name__, classes)
            return None, classes
        classes, indices = encode_labels(y, X.shape[0], type(self).__name__, classes)
        return indices, classes

    def _place(self, indices: Any, y: Any, classes: np.ndarray, xp: Any, device: Any, dtype: Any) -> Array:
        """The class indices (m,) on the training placement (a Dask y: encoded on its blocks)."""
        if indices is None:
            return y.map_blocks(_class_indices, classes, dtype=dtype)
        return move_to(indices, xp, device, dtype)

    def _units(self, classes: np.ndarray) -> int:
        """One sigmoid unit for two classes, a softmax over more."""
        return 1 if len(classes) == 2 else len(classes)

    def _stratify(self, labels: Array) -> np.ndarray:
        """Held-out splits keep each class in proportion, as scikit-learn's."""
        return to_numpy(labels)

    def _same_targets(self, classes: Any, message: str) -> None:
        if not np.array_equal(np.asarray(classes), self.classes_):
            raise ValueError(message.format(what="classes", fitted=self.classes_.tolist(),
                                            given=np.asarray(classes).tolist()))

    def _set_targets(self, classes: Any) -> None:
        self.classes_ = np.asarray(classes)

    def _target_metadata(self) -> dict[str, Any]:
        return {"classes": self.classes_.tolist()}

    def _restored_targets(self, metadata: dict[str, Any]) -> Any:
        return metadata.get("classes", [0, 1])

    # -- training and prediction ----------------------------------------------------------------

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> DeepNeuralNetwork:
        """One epoch on ``X`` (m, n_features), ``y`` (m,), going on from the current parameters and
        optimiser state (the first call starts new ones and needs every label in ``classes``).
        Returns ``self``."""
        fitted = hasattr(self, "parameters_")
        if not fitted and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if fitted and classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={np.unique(np.asarray(classes)).tolist()} is not the same as on the first "
                             f"call to partial_fit ({self.classes_.tolist()})")
        return self._partial_fit(X, y, self.classes_ if fitted else classes)

    def predict_log_proba(self, X: Any) -> Array:
        """The natural logarithm of :meth:`predict_proba` (``-inf`` where a probability is 0)."""
        probabilities = self.predict_proba(X)
        return array_api_compat.array_namespace(probabilities).log(probabilities)

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities (m, n_classes) in ``classes_`` order, in ``X``'s namespace (a Dask
        ``X``: lazily, block by block)."""
        if (elsewhere := self._elsewhere(X, "predict_proba")) is not None:
            return elsewhere
        with self._fitted_device_scope():
            AL, home_xp, home_device = self._output(X)
            xp = array_api_compat.array_namespace(AL)
            probabilities = xp.stack([1.0 - AL[0, :], AL[0, :]], axis=1) if AL.shape[0] == 1 else AL.T
            return move_to(probabilities, home_xp, home_device)

    def _class_indices(self, X: Any) -> tuple[Array, ModuleType, Any]:
        AL, home_xp, home_device = self._output(X)
        xp = array_api_compat.array_namespace(AL)
        integers = xp.__array_namespace_info__().default_dtypes(device=array_api_compat.device(AL))["integral"]
        indices = AL[0, :] > 0.5 if AL.shape[0] == 1 else xp.argmax(AL, axis=0)
        return xp.astype(indices, integers), home_xp, home_device

    def predict(self, X: Any) -> Any:
        """Labels (m,) from ``classes_``: in ``X``'s namespace and on its device when the
        labels are numbers (integers in that namespace's default integer dtype, floats in its
        widest float), a NumPy array otherwise (strings, booleans, objects); a Dask ``X``: a Dask
        array of the labels, lazily, block by block."""
        if (elsewhere := self._elsewhere(X, "predict")) is not None:
            return elsewhere
        with self._fitted_device_scope():
            indices, home_xp, home_device = self._class_indices(X)
            classes = self.classes_
            if classes.dtype.kind not in "iuf":
                return classes[to_numpy(indices)]
            if classes.dtype.kind in "iu" and np.array_equal(classes, np.arange(len(classes))):  # 0..C-1
                return move_to(indices, home_xp, home_device)
            xp, device = array_api_compat.array_namespace(indices), array_api_compat.device(indices)
            kind = indices.dtype if classes.dtype.kind in "iu" else default_float_dtype(xp, device)
            table = xp.astype(move_to(classes, xp, device), kind)
            return move_to(xp.take(table, indices), home_xp, home_device)

    def score(self, X: Any, y: Any) -> float:
        """Mean accuracy of ``predict(X)`` against labels ``y`` (m,)."""
        predicted = self.predict(X)
        predicted = to_numpy(predicted) if array_api_compat.is_array_api_obj(predicted) else predicted
        labels = to_numpy(y) if array_api_compat.is_array_api_obj(y) else np.asarray(y)
        if labels.shape != predicted.shape:
            raise ValueError(f"y: expected shape {predicted.shape} (one label per row of X), got {labels.shape}")
        return float(np.mean(predicted == labels))



def _class_indices(labels: Any, classes: np.ndarray, dtype: Any = None) -> Any:
    """Each label's index in the sorted ``classes`` (a block of a Dask array of labels), as ``dtype``."""
    return np.searchsorted(classes, np.asarray(labels)).astype(dtype)
