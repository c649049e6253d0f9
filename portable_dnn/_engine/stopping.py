"""scikit-learn's stopping rule (:class:`EarlyStopping`) and the validation scores it reads
(accuracy, subset accuracy for multilabel, R²)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import ModuleType

from .._backend import Array, check_float, get_namespace
from .._checks import check_non_negative
from .._outputs import REGRESSION_LOSSES, predicted_classes_kernel, targets
from .inputs import check_targets, weight_row
from .settings import check_patience
from .step import forward_activations

#: Called after each iteration with the iteration index (no host sync).
IterationCallback = Callable[[int], None]
#: Called with (iteration, cost) whenever a cost is recorded or reported.
CostCallback = Callable[[int, float], None]


class EarlyStopping:
    """scikit-learn's stopping rule: more than ``n_iter_no_change`` epochs in a row without the
    training cost falling by ``tol`` below its best, or (with validation data) without the
    validation accuracy rising by ``tol`` above its best; then the best accuracy's parameters
    (the first epoch of equal best accuracies) are kept. A change must be strict: with
    ``tol=0`` an epoch that only equals the best counts as no improvement. Inactive when
    ``n_iter_no_change`` is None."""

    def __init__(self, xp: ModuleType, L: int, n_iter_no_change: float | None, tol: float,
                 validation_data: tuple[Array, Array] | None, units: int, hidden_activation: str,
                 X: Array, loss: str = "cross_entropy", checked: bool = False) -> None:
        self.xp, self.L, self.hidden_activation, self.loss = xp, L, hidden_activation, loss
        self.active = n_iter_no_change is not None
        self.patience: float = 0 if n_iter_no_change is None else check_patience(n_iter_no_change)
        self.tol = check_non_negative(tol, "tol")
        self.best, self.count = -math.inf, 0
        self.best_parameters: dict[str, Array] | None = None
        self.validation = None
        self.weights: Array | None = None  # the validation examples' sample weights (1, m_val)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise TypeError("validation_data: expected (X_val, Y_val) or (X_val, Y_val, sample_weight_val)")
            X_val, Y_val = validation_data[0], validation_data[1]
            weights = validation_data[2] if len(validation_data) == 3 else None
            if not checked:
                check_float(get_namespace(X=X, X_val=X_val), X=X, X_val=X_val)
            if X_val.ndim != 2 or X_val.shape[0] != X.shape[0] or X_val.shape[1] == 0:
                raise ValueError(f"validation_data: expected X_val of shape ({X.shape[0]}, m_val), "
                                 f"got {tuple(X_val.shape)}")
            T = targets(xp, Y_val, units, X_val, "validation_data Y_val", loss) if checked else \
                check_targets(xp, Y_val, X_val, units, "validation_data Y_val", loss)
            if weights is not None:
                self.weights, _ = weight_row(xp, weights, X_val, name="validation_data sample_weight_val")
            self.validation = (X_val, T)
            # The classes the validation targets name, once (each epoch compares its predictions to them).
            self.expected = predicted_classes_kernel(xp, T, loss == "binary_cross_entropy")
        self.needs_costs = self.active and self.validation is None

    def should_stop(self, cost: float | None, parameters: dict[str, Array], on_score: CostCallback | None,
                    epoch: int) -> bool:
        """Whether to stop after this epoch (its training ``cost``, computed every epoch when there
        is no validation data; its ``parameters``)."""
        if self.validation is None:
            assert cost is not None  # needs_costs
            value = -cost
        else:
            value = self.accuracy(parameters)
            if on_score is not None:
                on_score(epoch, value)
        # An epoch improves when it beats the best by at least tol, and beats it strictly: with
        # tol=0 a score equal to the best does not reset the count (accuracies tie often).
        improved = value > self.best and value >= self.best + self.tol
        self.count = 0 if improved else self.count + 1
        if value > self.best:  # the first of equal best scores is kept
            self.best = value
            if self.validation is not None:
                self.best_parameters = {key: self.xp.asarray(a, copy=True) for key, a in parameters.items()}
        return self.count > self.patience

    def accuracy(self, parameters: Mapping[str, Array]) -> float:
        """The fraction of the validation examples classified right, or for the squared error
        the coefficient of determination R² (one host sync); each example weighted by its sample
        weight where they are given."""
        xp = self.xp
        X_val, T = self.validation  # type: ignore[misc]
        AL = forward_activations(xp, X_val, parameters, self.L, hidden_activation=self.hidden_activation,
                                 loss=self.loss)[self.L]
        if self.loss in REGRESSION_LOSSES:
            return float(r2_kernel(xp, AL, T, self.weights))
        each_unit = self.loss == "binary_cross_entropy"  # multilabel: every label of an example right
        agree = predicted_classes_kernel(xp, AL, each_unit) == self.expected
        right = xp.all(agree, axis=0) if agree.ndim == 2 else agree
        right = xp.astype(right, AL.dtype)
        if self.weights is None:
            return float(xp.mean(right))
        return float(xp.sum(self.weights * right) / xp.sum(self.weights))


def r2_kernel(xp: ModuleType, AL: Array, T: Array, weights: Array | None = None) -> Array:
    """The coefficient of determination of predictions ``AL`` for targets ``T`` (k, m), averaged
    over the k outputs as scikit-learn's ``r2_score``: ``1 - SS_res / SS_tot`` for each; an output
    whose targets are all equal scores 1 where predicted exactly, else 0. With sample ``weights``
    (1, m), each example's squares are weighted and the mean is the weighted mean."""
    w = xp.ones_like(T[:1, ...]) if weights is None else weights
    mean = xp.sum(w * T, axis=1, keepdims=True) / xp.sum(w)
    residual = xp.sum(w * (T - AL) ** 2, axis=1)
    total = xp.sum(w * (T - mean) ** 2, axis=1)
    constant = total == 0.0
    perfect = xp.astype(residual == 0.0, AL.dtype)
    return xp.mean(xp.where(constant, perfect, 1.0 - residual / xp.where(constant, 1.0, total)))

