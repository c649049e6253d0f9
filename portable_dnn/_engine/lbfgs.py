"""L-BFGS as SciPy's L-BFGS-B runs without bounds (scikit-learn's ``solver="lbfgs"``), written
once against the array API: :func:`minimize_lbfgs` on one flat vector of the parameters, and
:func:`fit_lbfgs`, the engine's full-batch run of it on a network.

What SciPy does, step by step: the direction ``-H g`` from the last ``memory`` (10) pairs of steps
and gradient changes, ``H`` scaled by ``s'y / y'y`` of the newest pair (the two-loop recursion;
L-BFGS-B's compact form is the same matrix); the first step along ``-g`` of length 1 (``1 / ||g||``
times ``-g``), later ones of 1; the Moré–Thuente search (:mod:`.line_search`, ``ftol=1e-3``,
``gtol=0.9``, ``xtol=0.1``, 20 evaluations at most; a failed search restarts from ``-g`` with an empty
memory, or ends where the memory is already empty); a pair skipped where ``s'y <= eps * (-s'g)``.
It stops at ``max_iter`` iterations, once more than ``max_fun`` evaluations were made (checked after
an iteration), once ``max |g_i| <= pgtol``, or once ``(f_old - f) / max(|f_old|, |f|, 1) <= factr * eps``,
in SciPy's order, with SciPy's status and message.

Each evaluation syncs with the host once (the cost, the slope along the direction, the gradient's
largest entry and ``y'y``, in one small array); each iteration once more (the new direction's slope and
length). Everything else stays on the device.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from array_api_compat import device as array_device

from .._backend import Array
from .._backend.sparse import is_sparse
from .._backend.transfers import to_numpy
from .._validation import convergence_warning
from ..optimizers import OptimizerState
from .kernels import Kernels, kernels
from .line_search import MoreThuente
from .settings import Settings
from .step import Workspace, cost_and_gradients
from .trainer import TrainingDivergedError

if TYPE_CHECKING:
    from .plan import Plan

#: SciPy's defaults as scikit-learn's MLPs use them: ``factr`` (``ftol = factr * eps``), the memory,
#: the line search's evaluations, its largest step.
FACTR, MEMORY, MAX_LINE_SEARCH, MAX_STEP = 1e7, 10, 20, 1e10
EPS = 2.220446049250313e-16  # float64's machine epsilon, as SciPy's tests use whatever the dtype

#: ``objective(x, d, g_old) -> (stats, g)``: at ``x`` (n,), the gradient g (n,) and the host-bound
#: ``stats = [f, g . d, max |g_i|, ||g - g_old||^2]`` (4,).
Objective = Callable[[Array, Array, Array], tuple[Array, Array]]


@dataclass
class LbfgsResult:
    """Where :func:`minimize_lbfgs` ended: ``x``, ``f`` (a host number), the iterations and
    evaluations, SciPy's ``status`` (0 converged, 1 a limit reached, 2 abnormal) and ``message``."""

    x: Array
    f: float
    iterations: int
    evaluations: int
    status: int
    message: str


class _Memory:
    """The last ``size`` pairs ``(s, y, 1 / s'y)``, newest last, and the scaling ``s'y / y'y`` of the newest."""

    def __init__(self, size: int) -> None:
        self.size, self.gamma = size, 1.0
        self.pairs: list[tuple[Array, Array, float]] = []

    def add(self, s: Array, y: Array, sy: float, yy: float) -> None:
        self.pairs.append((s, y, 1.0 / sy))
        del self.pairs[:-self.size]
        self.gamma = sy / yy

    def clear(self) -> None:
        self.pairs, self.gamma = [], 1.0

    def direction(self, xp: ModuleType, g: Array) -> Array:
        """``-H g`` (the two-loop recursion; ``-g`` with no pairs). The products stay on the device."""
        q, alphas = g, []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * xp.vecdot(s, q)
            q = q - alpha * y
            alphas.append(alpha)
        r = q * self.gamma
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas), strict=True):
            r = r + s * (alpha - rho * xp.vecdot(y, r))
        return -r


def minimize_lbfgs(xp: ModuleType, objective: Objective, x0: Array, *, max_iter: int, max_fun: int, pgtol: float,
                   factr: float = FACTR, memory: int = MEMORY,
                   on_iteration: Callable[[int, float, Array], bool | None] | None = None,
                   settle: Callable[[dict[str, Array]], dict[str, Array]] = lambda arrays: arrays) -> LbfgsResult:
    """Minimise ``objective`` from ``x0`` (n,) as SciPy's L-BFGS-B without bounds (see the module):
    ``on_iteration(iteration, f, x)`` at each new iterate (from 1); where it returns True, the
    minimisation stops there (status 0, "STOP: A CALLBACK ASKED TO STOP"). ``settle`` computes the
    vectors it keeps where the library is lazy (Dask: their graphs do not grow)."""
    zeros = xp.zeros_like(x0)
    x = x0
    stats, g = objective(x, zeros, zeros)
    f, _, largest, _ = (float(value) for value in to_numpy(stats))
    evaluations, iterations = 1, 0
    history = _Memory(memory)
    if not math.isfinite(f):
        return LbfgsResult(x, f, 0, evaluations, 2, "ABNORMAL: the cost is not finite at the starting point")
    if largest <= pgtol:
        return LbfgsResult(x, f, 0, evaluations, 0, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL")
    while True:
        d = settle({"d": history.direction(xp, g)})["d"]
        gd_old, dd = (float(value) for value in to_numpy(xp.stack([xp.vecdot(g, d), xp.vecdot(d, d)])))
        stp = min(1.0 / math.sqrt(dd), MAX_STEP) if iterations == 0 else 1.0
        x_old, f_old, g_old = x, f, g
        accepted = False
        if gd_old < 0:
            search = MoreThuente(stpmax=MAX_STEP)
            task, stp = search.start(stp, f, gd_old)
            for _ in range(MAX_LINE_SEARCH):  # SciPy's maxls: the 21st trial is not evaluated
                x = settle({"x": x_old + stp * d})["x"]
                stats, g = objective(x, d, g_old)
                evaluations += 1
                f, gd, largest, yy = (float(value) for value in to_numpy(stats))
                task, stp = search.next(stp, f, gd) if math.isfinite(f) and math.isfinite(gd) \
                    else ("FG", stp / 10.0)  # no further than a non-finite cost: a tenth of the way
                if task != "FG":
                    accepted = True
                    break
        if not accepted:  # back to the last iterate; restart from -g, or end where the memory is empty
            x, f, g = x_old, f_old, g_old
            if not history.pairs:
                return LbfgsResult(x, f, iterations, evaluations, 2, "ABNORMAL: ")
            history.clear()
            continue
        iterations += 1
        if on_iteration is not None and on_iteration(iterations, f, x):
            return LbfgsResult(x, f, iterations, evaluations, 0, "STOP: A CALLBACK ASKED TO STOP")
        if iterations >= max_iter:
            return LbfgsResult(x, f, iterations, evaluations, 1, "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT")
        if evaluations > max_fun:
            return LbfgsResult(x, f, iterations, evaluations, 1, "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT")
        if largest <= pgtol:
            return LbfgsResult(x, f, iterations, evaluations, 0, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL")
        if f_old - f <= factr * EPS * max(abs(f_old), abs(f), 1.0):
            return LbfgsResult(x, f, iterations, evaluations, 0,
                               "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH")
        sy = (gd - gd_old) * stp  # s'y, s = stp d and y = g - g_old
        if sy > EPS * (-gd_old * stp):
            pair = settle({"s": stp * d, "y": g - g_old})
            history.add(pair["s"], pair["y"], sy, yy)


def parameter_keys(L: int) -> list[str]:
    """The order the parameters are packed in: ``W1, b1, ..., WL, bL``."""
    return [f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")]


def parameter_shapes(parameters: Mapping[str, Array], L: int) -> dict[str, tuple[int, ...]]:
    """Each parameter's shape, by key, in packing order."""
    return {key: tuple(parameters[key].shape) for key in parameter_keys(L)}


def pack(xp: ModuleType, arrays: Mapping[str, Array], keys: list[str]) -> Array:
    """``arrays[key]`` for each key, flattened into one new vector."""
    return xp.concat([xp.reshape(arrays[key], (-1,)) for key in keys])


def unpack(xp: ModuleType, x: Array, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, Array]:
    """The parameters of shapes ``shapes`` (by key, in packing order) from the vector ``x``."""
    parameters, start = {}, 0
    for key, shape in shapes.items():
        size = math.prod(shape)
        parameters[key] = xp.reshape(x[start:start + size], shape)
        start += size
    return parameters


def network_objective(xp: ModuleType, settings: Settings, L: int, parameters: Mapping[str, Array], X: Array,
                      Y: Array, total: float | None, ops: Kernels) -> Objective:
    """The :data:`Objective` of a network shaped as ``parameters`` (packed by :func:`pack`) on the
    whole of ``X``, ``Y``: the fused step's passes without its update (:func:`~.step.cost_and_gradients`)
    with the kernels ``ops``, compiled where the backend compiles, its buffers made once where it
    writes in place."""
    shapes = parameter_shapes(parameters, L)
    keys = [f"d{key}" for key in shapes]
    reused = Workspace(xp, parameters, L, X.shape[1], gradients=True, ops=ops) if ops.reuses_buffers else None

    def evaluate(x: Array, X: Array, Y: Array, d: Array, g_old: Array) -> tuple[Array, Array]:
        parameters = unpack(xp, x, shapes)
        workspace = reused or Workspace(xp, parameters, L, X.shape[1], gradients=True, ops=ops)
        cost, gradients = cost_and_gradients(xp, settings, L, workspace, parameters, X, Y, total)
        g = pack(xp, gradients, keys)
        change = g - g_old
        stats = xp.stack([xp.astype(cost, g.dtype), xp.vecdot(g, d), xp.max(xp.abs(g)), xp.vecdot(change, change)])
        settled = ops.settle({"stats": stats, "g": g})  # Dask: computed once, together
        return settled["stats"], settled["g"]

    compiled = ops.compile(evaluate, donate=False)
    return lambda x, d, g_old: compiled(x, X, Y, d, g_old)


def fit_lbfgs(xp: ModuleType, X: Array, Y: Array, parameters: Mapping[str, Array], L: int, settings: Settings,
              plan: Plan, host_weights: Any = None) -> tuple[dict[str, Array], list[float]]:
    """Train ``parameters`` (never modified) by :func:`minimize_lbfgs` on all of ``X``, ``Y`` (as the
    engine's :func:`~.run.run` takes them): ``(parameters, costs)``, the cost after every
    ``plan.record_every``-th iteration (from the first). ``plan.epochs`` is the iteration limit,
    ``plan.tol`` the gradient's (``pgtol``), ``plan.max_fun`` the evaluations'. Each iteration counts
    as an epoch of ``plan.state``; ``plan.callbacks`` are called per iteration, ``on_stop`` when it
    converged. Warns (``ConvergenceWarning``, scikit-learn's message) when it did not."""
    if plan.epochs == 0:
        return dict(parameters), []
    keys = parameter_keys(L)
    ops = kernels(xp, array_device(Y), sparse=is_sparse(X))  # Y: X may be sparse
    total = None if host_weights is None else float(host_weights.sum())
    objective = network_objective(xp, settings, L, parameters, X, Y, total, ops)
    calls, costs = plan.callbacks, []
    state = plan.state if plan.state is not None else OptimizerState()
    first = state.epochs

    def recorded(iteration: int) -> bool:
        return (iteration - 1) % plan.record_every == 0

    shapes = parameter_shapes(parameters, L)

    def on_iteration(iteration: int, f: float, x: Array) -> bool:
        epoch = first + iteration - 1
        state.epochs += 1
        if recorded(iteration):
            costs.append(f)
            if calls.on_cost is not None:
                calls.on_cost(epoch, f)
        if calls.on_iteration is not None:
            calls.on_iteration(epoch)
        # x is never overwritten: its views are the parameters as they stand
        stop = calls.on_epoch is not None and calls.on_epoch(epoch, lambda: unpack(xp, x, shapes))
        if calls.on_epoch_begin is not None and not stop and iteration < plan.epochs:
            calls.on_epoch_begin(epoch + 1)  # the next iteration's, begun as this one ends
        return stop

    if calls.on_epoch_begin is not None:
        calls.on_epoch_begin(first)
    result = minimize_lbfgs(xp, objective, pack(xp, parameters, keys), max_iter=plan.epochs, max_fun=plan.max_fun,
                            pgtol=plan.tol, on_iteration=on_iteration, settle=ops.settle)
    if result.iterations and not recorded(result.iterations) and calls.on_cost is not None:
        calls.on_cost(state.epochs - 1, result.f)  # the last iteration's cost, as the epochs' last
    if not math.isfinite(result.f):
        raise TrainingDivergedError(result.iterations, result.f, settings.learning_rate, dict(parameters), costs)
    if result.status == 0:
        if calls.on_stop is not None:
            calls.on_stop(state.epochs - 1)
    else:
        message = (f"lbfgs failed to converge after {result.iterations} iteration(s) (status={result.status}):\n"
                   f"{result.message}\n")
        if result.iterations == plan.epochs:
            message += f"\nIncrease the number of iterations to improve the convergence (num_iterations={plan.epochs})."
        warnings.warn(message, convergence_warning(), stacklevel=4)
    return unpack(xp, result.x, shapes), costs
