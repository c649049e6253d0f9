"""Input validation for the estimator, in scikit-learn's words (so its estimator checks pass),
without needing scikit-learn: host-side label handling (strings, any sorted classes) and
feature checks that run on the features' own device.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import array_api_compat
import numpy as np
from array_api_compat import is_dask_array

from ._backend import Array, device_scope
from ._backend.sparse import check_sparse, is_sparse
from ._backend.transfers import to_numpy


def _sklearn_class(module: str, name: str, fallback: type) -> type:
    """scikit-learn's class where it is installed (so its own checks recognise it), else ``fallback``."""
    try:
        return getattr(__import__(f"sklearn.{module}", fromlist=[name]), name)  # type: ignore[no-any-return]
    except ImportError:
        return fallback


class _NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit`` (scikit-learn's ``NotFittedError`` where installed)."""


class ConvergenceWarning(UserWarning):
    """Training stopped at its limit before it converged (scikit-learn's ``ConvergenceWarning``
    is used instead where scikit-learn is installed: :func:`convergence_warning`)."""


def convergence_warning() -> type:
    """The ``ConvergenceWarning`` class to warn with: scikit-learn's where installed."""
    return _sklearn_class("exceptions", "ConvergenceWarning", ConvergenceWarning)


class _DataConversionWarning(UserWarning):
    """Data in an unexpected layout was converted (scikit-learn's ``DataConversionWarning`` where installed)."""


def not_fitted_error(name: str) -> Exception:
    error = _sklearn_class("exceptions", "NotFittedError", _NotFittedError)
    return error(  # type: ignore[no-any-return]
        f"This {name} instance is not fitted yet. Call 'fit' with appropriate arguments before using this "
        "estimator."
    )


def _shape_message(X: Any, name: str, estimator: str) -> None:
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead:\n{name}={X!r:.200}.\nReshape your data either using "
            "array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) if it contains a "
            "single sample."
        )
    m, n = X.shape
    if m == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={tuple(X.shape)}) while a minimum of 1 is "
                         f"required by {estimator}.")
    if n == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={tuple(X.shape)}) while a minimum of 1 is "
                         f"required by {estimator}.")


def check_features(X: Any, estimator: str, name: str = "X", sparse: bool = False) -> Array:
    """``X`` (m, n) checked: an array of any supported library is kept where it is (checked
    there: one host sync for the finite check; a Dask array's values are checked as its blocks
    are used); anything else becomes a float64 NumPy array.

    ``ValueError``/``TypeError`` in scikit-learn's words for sparse, complex, object or string
    data, shapes that are not 2-D, empty data, NaN and infinity. With ``sparse``, SciPy's and CuPy's
    sparse matrices and arrays are taken (:func:`~portable_dnn._backend.sparse.check_sparse`: CSR)."""
    if X is None:
        raise ValueError(f"{estimator} requires {name} to be passed, but {name} is None")
    if sparse and is_sparse(X):
        return check_sparse(X, name)
    if is_sparse(X):
        raise TypeError(f"Sparse data was passed for {name}, but dense data is required. Use '.toarray()' to "
                        "convert to a dense numpy array.")
    if array_api_compat.is_array_api_obj(X) and not isinstance(X, np.ndarray):
        xp = array_api_compat.array_namespace(X)
        _shape_message(X, name, estimator)
        if not xp.isdtype(X.dtype, ("real floating", "integral", "bool")):
            raise TypeError(f"{name}: expected real numbers, got dtype {X.dtype}")
        # A Dask array is checked block by block as it is used (one pass over the data less).
        if xp.isdtype(X.dtype, "real floating") and not is_dask_array(X):
            with device_scope(array_api_compat.device(X)):  # CuPy: on X's device, whichever is current
                finite = bool(xp.all(xp.isfinite(X)))
            if not finite:
                raise ValueError(f"Input {name} contains NaN or infinity.")
        return X
    host = np.asarray(X)
    if np.iscomplexobj(host):
        raise ValueError("Complex data not supported\n" + repr(host)[:200])
    if host.dtype.kind not in "fiub":
        host = host.astype(np.float64)  # object arrays of numbers; strings and others raise here
    _shape_message(host, name, estimator)
    if host.dtype.kind == "f" and not np.isfinite(host).all():
        kind = "NaN" if np.isnan(host).any() else "infinity or a value too large for " + repr(host.dtype)
        raise ValueError(f"Input {name} contains {kind}.")
    return host


def host_sample_weight(sample_weight: Any, m: int, check: bool = True, whole: bool = True,
                       name: str = "sample_weight") -> np.ndarray:
    """``sample_weight`` (an array of any backend, or array-like) as a new host float64 array (m,).
    ``check``: ``ValueError``/``TypeError`` (naming ``name``) unless it is m finite, non-negative real
    numbers; with ``whole`` (the weights of all the samples, not of a block of them), of positive total."""
    if array_api_compat.is_array_api_obj(sample_weight) and not isinstance(sample_weight, np.ndarray):
        host = to_numpy(sample_weight)
    else:
        host = np.asarray(sample_weight)
    if check:
        if host.dtype.kind not in "biuf":
            raise TypeError(f"{name}: expected real numbers, got dtype {host.dtype}")
        if host.shape != (m,):
            raise ValueError(f"{name}: expected shape ({m},) (one weight per sample), got {host.shape}")
        if not np.all(np.isfinite(host)) or np.any(host < 0):
            raise ValueError(f"{name}: expected finite, non-negative weights")
        if whole:
            positive_total(float(host.sum()), name)
    return np.array(host, dtype=np.float64)


def check_consistent_length(m: int, samples: int) -> None:
    """``ValueError`` in scikit-learn's words unless y's ``samples`` are X's ``m``."""
    if samples != m:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: [{m}, {samples}]")


def positive_total(total: float, name: str = "sample_weight") -> float:
    """``total``, the samples' total weight, or ``ValueError`` where it is 0."""
    if not total > 0:
        raise ValueError(f"{name}: expected a positive total weight, got all zeros")
    return total


def check_targets_host(y: Any, m: int, estimator: str) -> np.ndarray:
    """Regression targets ``y`` (m,) or (m, k) as a float64 NumPy array (m, k), with
    scikit-learn's errors for a missing y, a wrong length or shape, non-numbers, NaN and infinity."""
    if y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    values = to_numpy(y) if array_api_compat.is_array_api_obj(y) else np.asarray(y)
    if np.iscomplexobj(values):
        raise ValueError("Complex data not supported")
    try:
        values = values.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"y: expected real numbers, got values of dtype {values.dtype}") from None
    if values.ndim not in (1, 2):
        raise ValueError(f"y: expected shape ({m},) or ({m}, n_outputs), got {values.shape}")
    check_consistent_length(m, values.shape[0])
    if not np.isfinite(values).all():
        raise ValueError("Input y contains NaN or infinity.")
    return values.reshape(m, -1)


def encode_labels(y: Any, m: int, estimator: str, classes: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, indices)``: the sorted distinct labels of ``y`` (m,) (or the sorted ``classes``
    given) and each label's index in them, on the host. Labels may be integers, strings,
    booleans or whole-number floats; ``ValueError`` in scikit-learn's words otherwise
    (continuous targets, NaN, one class, a length other than m, a 2-D y, a label not in
    ``classes``), and its warning for a column vector (m, 1)."""
    if y is None:
        raise ValueError(f"{estimator} requires y to be passed, but the target y is None")
    labels = to_numpy(y) if array_api_compat.is_array_api_obj(y) else np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        warning = _sklearn_class("exceptions", "DataConversionWarning", _DataConversionWarning)
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the shape of y "
                      "to (n_samples, ), for example using ravel().", warning, stacklevel=3)
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {labels.shape} instead.")
    check_consistent_length(m, labels.shape[0])
    if labels.dtype.kind == "O":  # e.g. a list mixing Python and NumPy numbers, or strings
        for kind, numpy_type in ((str, np.str_), (numbers.Integral, np.int64), (numbers.Real, np.float64)):
            if all(isinstance(value, kind) for value in labels):
                labels = labels.astype(numpy_type)
                break
        else:
            raise ValueError("Unknown label type: mixed. Labels must all be strings or all be numbers.")
    if labels.dtype.kind in "fc":
        if np.iscomplexobj(labels) or not np.isfinite(labels).all():
            raise ValueError("Input y contains NaN or infinity." if not np.iscomplexobj(labels)
                             else "Complex data not supported")
        if (labels != np.round(labels)).any():
            raise ValueError("Unknown label type: continuous. Maybe you are trying to fit a classifier, which "
                             "expects discrete classes on a regression target with continuous values.")
    if classes is not None:
        known = np.unique(np.asarray(classes))
        positions = np.clip(np.searchsorted(known, labels), 0, len(known) - 1)
        unknown = labels[known[positions] != labels]
        if len(unknown):
            raise ValueError(f"y: labels {np.unique(unknown).tolist()[:5]} are not in classes {known.tolist()}")
        classes, indices = known, positions
    else:
        classes, indices = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{estimator} needs samples of at least 2 classes in the data, but the data contains "
                         f"only one class: {classes.tolist()[0]!r}")
    return classes, indices.reshape(-1)
