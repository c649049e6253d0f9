"""The engine's one entry: :func:`run` trains parameters with checked :class:`Settings` (each step)
and a :class:`Plan` (the run: epochs, recording, stopping, order, callbacks), in memory or streamed
from Dask blocks. :func:`~portable_dnn.train` and the estimators both call it."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from array_api_compat import is_dask_array

from .._backend import Array, is_lazy
from .._backend.transfers import move_to
from .._outputs import targets
from .._random import check_generator
from .inputs import check_finite, check_targets, weighted
from .lbfgs import fit_lbfgs
from .plan import Plan
from .settings import Settings
from .stopping import EarlyStopping
from .streaming import StreamTrainer, chunk_placement
from .trainer import EpochRunner, Trainer, TrainingDivergedError, run_epochs


def run(xp: ModuleType, X: Array, Y: Array, parameters: Mapping[str, Array], L: int, settings: Settings,
        plan: Plan, validation_data: tuple[Array, ...] | None = None,
        sample_weight: Any = None) -> tuple[dict[str, Array], list[float]]:
    """Train ``parameters`` (finite, never modified) on ``X`` (n0, m) and targets ``Y`` (as
    :func:`~portable_dnn.train` takes them): ``(parameters, costs)``. A Dask ``X`` with mini-batches
    streams block by block on its chunks' library, and the results come back as Dask arrays."""
    shuffle = check_generator(plan.shuffle)
    units = parameters[f"W{L}"].shape[0]
    if settings.mini_batch_size is not None and is_lazy(xp) and is_dask_array(X):  # streamed, block by block
        if shuffle is not None:
            raise ValueError("shuffle: a generator orders examples in memory; a Dask stream's blocks and their "
                             "examples are shuffled by seed (pass shuffle=None; False, in order, is for memory too)")
        lazy_xp, (xp, device) = xp, chunk_placement(X)
        parameters = {key: move_to(value, xp, device) for key, value in parameters.items()}
        if isinstance(validation_data, (tuple, list)):
            validation_data = tuple(move_to(part, xp, device) for part in validation_data)
        stream = StreamTrainer(X, Y, parameters, L, settings, plan.state, units, plan.copy_X, sample_weight)
        like = xp.empty((X.shape[0], 0), dtype=parameters["W1"].dtype, device=device)
        try:
            trained, costs = _epochs(xp, stream, settings, plan, parameters, L, units, validation_data, like)
        except TrainingDivergedError as error:
            error.parameters = {key: move_to(value, lazy_xp, None) for key, value in error.parameters.items()}
            raise
        finally:
            stream.close()
        return {key: move_to(value, lazy_xp, None) for key, value in trained.items()}, costs  # the caller's library
    if plan.checked:
        Y = targets(xp, Y, units, X, loss=settings.loss)
    else:
        Y = check_targets(xp, Y, X, units, loss=settings.loss)
        check_finite(xp, X=X)
    host_weights = None
    if sample_weight is not None:
        Y, host_weights = weighted(xp, Y, sample_weight, check=not plan.checked)
    if settings.optimizer == "lbfgs":
        if validation_data is not None or plan.n_iter_no_change is not None:
            raise ValueError("optimizer='lbfgs' stops by its own rules (tol on the gradient, max_fun): pass neither "
                             "validation_data nor n_iter_no_change")
        return fit_lbfgs(xp, X, Y, parameters, L, settings, plan, host_weights)
    trainer = Trainer(xp, X, Y, parameters, L, settings, plan.state, copy_X=plan.copy_X, host_weights=host_weights,
                      shuffle=shuffle)
    return _epochs(xp, trainer, settings, plan, parameters, L, units, validation_data, X)


def _epochs(xp: ModuleType, trainer: EpochRunner, settings: Settings, plan: Plan, parameters: Mapping[str, Array],
            L: int, units: int, validation_data: Any, like: Array) -> tuple[dict[str, Array], list[float]]:
    """The plan's epochs of ``trainer``, with its stopping rule on ``validation_data`` (or the cost)."""
    stopping = EarlyStopping(xp, L, plan.n_iter_no_change, plan.tol, validation_data, units,
                             settings.hidden_activation, like, settings.loss, checked=plan.checked)
    return run_epochs(xp, trainer, settings, plan.epochs, plan.record_every, stopping, parameters, plan.callbacks)
