"""An estimator's constructor settings as the engine takes them: one :class:`Settings` (what
shapes each step) and the samples' order each epoch."""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import is_dask_array

from .._checks import check_count
from .._engine.settings import Settings
from .inputs import FitData


def engine_settings(model: Any, data: FitData) -> Settings:
    """``model``'s settings as the engine's, for training on ``data``, checked once (:class:`Settings`)."""
    batch = None if model.batch_size is None or not model._stochastic else min(
        check_count(model.batch_size, "batch_size", minimum=1), data.columns.shape[1])
    return Settings(
        learning_rate=model.learning_rate, hidden_activation=model.hidden_activation, optimizer=model.optimizer,
        mini_batch_size=batch, beta=model.beta, beta1=model.beta1, beta2=model.beta2, epsilon=model.epsilon,
        lambd=model.alpha, keep_prob=model.keep_prob, decay_rate=model.decay_rate, seed=model.seed,
        loss=data.spec.loss, epsilon_hat=True, weighted=data.weights is not None, nesterov=model.nesterov,
        schedule=model.learning_rate_schedule, power_t=model.power_t)


def sample_order(model: Any, data: FitData, rng: np.random.RandomState) -> np.random.RandomState | bool | None:
    """The samples' order each epoch: drawn from ``rng`` as scikit-learn's, or in order
    (``shuffle=False``); a Dask stream's by ``seed`` (None)."""
    if not isinstance(model.shuffle, bool):
        raise TypeError(f"shuffle: expected True or False, got {model.shuffle!r}")
    if is_dask_array(data.columns):
        return None
    return rng if model.shuffle else False
