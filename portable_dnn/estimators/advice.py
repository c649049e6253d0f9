"""What the estimators tell a user whose training went wrong: a ``ConvergenceWarning`` when the
epochs ran out (advising to scale only data that looks unscaled), and the likelier cause of a
divergence (unscaled inputs)."""

from __future__ import annotations

import warnings
from typing import Any

import array_api_compat
from array_api_compat import is_dask_array

from .._backend import Array
from .._backend.sparse import is_sparse
from .._engine.trainer import TrainingDivergedError
from .._validation import convergence_warning

#: Inputs larger than this in magnitude are likely unscaled: a divergence says so.
UNSCALED = 1e4

#: Features whose mean or standard deviation is beyond this look unscaled: a convergence warning says so.
FAR_FROM_STANDARD = 3.0


def looks_unscaled(columns: Array) -> bool:
    """Whether some feature of ``columns`` (n, m) is far from mean 0 and standard deviation 1
    (measured where the data lives; a Dask array is not computed for this: False)."""
    if is_dask_array(columns) or is_sparse(columns) or columns.shape[1] < 2:
        return False
    xp = array_api_compat.array_namespace(columns)
    mean, deviation = xp.mean(columns, axis=1), xp.std(columns, axis=1)
    return float(xp.max(xp.abs(mean))) > FAR_FROM_STANDARD or float(xp.max(deviation)) > FAR_FROM_STANDARD


def warn_not_converged(model: Any, unscaled: bool) -> None:
    """``ConvergenceWarning``: ``model``'s epochs ran out before its stopping rule ended training."""
    warning = convergence_warning()
    advice = "Train longer, or scale the data (StandardScaler)." if unscaled else \
        "Train longer (a larger num_iterations)."
    warnings.warn(f"{type(model).__name__}: num_iterations={model.num_iterations} epochs ran out before the "
                  f"stopping rule (n_iter_no_change={model.n_iter_no_change}, tol={model.tol}) ended training: "
                  f"it has not converged yet. {advice}", warning, stacklevel=4)


def explain_divergence(error: TrainingDivergedError, columns: Array) -> None:
    """Name unscaled inputs in ``error``'s message where they are the likelier cause (measured
    where the data lives, not on a copy)."""
    if is_sparse(columns):
        scale = float(abs(columns).max())
    else:
        xp = array_api_compat.array_namespace(columns)
        scale = 0.0 if is_dask_array(columns) or not columns.shape[1] else float(xp.max(xp.abs(columns)))
    if scale > UNSCALED:
        error.args = (f"{error.args[0]}. The inputs reach {scale:.3g} in magnitude: scale your data first "
                      "(for example with StandardScaler), which is the likelier cause",)
