"""The portable forms of the hot loop's operations (any array API namespace), and :class:`Kernels`,
the record of a library's operations, whose defaults are these forms."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from ..._backend.transfers import move_to
from ...activations import relu_kernel, sigmoid_kernel
from ...regularization import squared_sum_kernel


def momentum_portable(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
    """Momentum, ``v = beta v + (1 - beta) dW``, ``W = W - lr v``, from ``g = (1 - beta) dW`` (the
    training path folds ``1 - beta`` into the output gradient: one pass fewer); returns ``(W, v)``."""
    v = beta * v + g
    return W - lr * v, v


def sgd_portable(W: Any, g: Any, v: Any, scratch: Any, beta: float, nesterov: bool) -> tuple[Any, Any]:
    """scikit-learn's SGD from ``g = learning_rate dW`` (the step's learning rate folded into the
    output gradient): ``v = beta v - g``, then ``W = W + beta v - g`` (Nesterov's) or ``W = W + v``;
    returns ``(W, v)``."""
    v = beta * v - g
    return W + (beta * v - g if nesterov else v), v


def adam_portable(xp: ModuleType, W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float,
                  step_size: float, eps_hat: float) -> tuple[Any, Any, Any]:
    """Adam with its constants folded: from ``g = (1 - beta1) dW`` (folded into the output
    gradient), ``v = beta1 v + g``, ``s = beta2 s + (1 - beta2) / (1 - beta1)**2 * g**2`` (that is,
    ``(1 - beta2) dW**2``), ``W = W - step_size * v / (sqrt(s) + eps_hat)`` with the bias
    corrections in ``step_size = lr sqrt(1 - beta2**t) / (1 - beta1**t)`` and ``eps_hat = eps
    sqrt(1 - beta2**t)`` (the course's update, rearranged); returns ``(W, v, s)``."""
    v = beta1 * v + g
    s = beta2 * s + squared_gradient_weight(beta1, beta2) * (g * g)
    return W - step_size * (v / (xp.sqrt(s) + eps_hat)), v, s


def squared_gradient_weight(beta1: float, beta2: float) -> float:
    """Adam's weight of ``g**2`` in ``s`` when ``g = (1 - beta1) dW``: ``(1 - beta2) / (1 - beta1)**2``."""
    return (1.0 - beta2) / (1.0 - beta1) ** 2


def add_scaled_portable(a: Any, b: Any, c: float, scratch: Any) -> Any:
    """``a + c b``."""
    return a + c * b


def take_columns_portable(xp: ModuleType, X: Any, indices: Any, out: Any) -> Any:
    """The columns ``indices`` of ``X`` (n, m): (n, len(indices))."""
    return xp.take(X, indices, axis=1)


def own_copy_portable(xp: ModuleType, x: Any) -> Any:
    """A new copy of ``x``."""
    return xp.asarray(x, copy=True)


def upload_portable(xp: ModuleType, device: Any, host: Any) -> Any:
    return move_to(host, xp, device)


class Kernels(NamedTuple):
    """Six hot-loop operations, with a fast form where the library allows it.

    ``matmul(a, b, out)`` is ``a @ b``, written into ``out`` when given and supported;
    ``affine(W, A, b, out)`` is ``W @ A + b`` (b broadcast over columns), likewise; PyTorch
    folds the bias into the matrix product;
    ``subtract_product(C, a, b, out)`` is ``C - a @ b``, in place of ``C`` when supported,
    with ``out`` as scratch for the product unless ``fused_subtraction`` (PyTorch: one
    matrix product that accumulates into ``C``, no scratch);
    ``relu_(Z)`` is ``max(Z, 0)``, computed in place of ``Z`` when supported;
    ``mask_(dA, factor)`` is ``dA * factor`` for a boolean mask (0 where false) or a float
    factor of dA's dtype, in place of ``dA`` when supported;
    ``sigmoid_(Z)`` is the logistic function, in place of ``Z`` with PyTorch's own (one call
    instead of the portable, overflow-free formula's eight).
    Callers always use the returned array, so the portable forms (which allocate) and
    the in-place forms are interchangeable; ``reuses_buffers`` says which one this is.
    ``settle(arrays)`` ends an iteration: Dask computes (persists) the new parameters there,
    so that task graphs do not grow with the iteration count; elsewhere it does nothing.
    ``sliced_matmul`` says whether ``matmul`` takes a block of rows of ``W.T`` without
    copying it (CuPy copies operands that are neither C- nor F-contiguous).
    The optimisers' updates and two helpers, in place where supported (see the portable forms
    :func:`momentum_portable`, :func:`adam_portable`, :func:`add_scaled_portable`,
    :func:`take_columns_portable`): ``momentum(W, g, v, scratch, beta, lr) -> (W, v)``,
    ``sgd(W, g, v, scratch, beta, nesterov) -> (W, v)`` (:func:`sgd_portable`),
    ``adam(W, g, v, s, scratch, beta1, beta2, step_size, eps_hat) -> (W, v, s)`` (both may
    overwrite ``g``, the step's own gradient),
    ``add_scaled(a, b, c, scratch) -> a + c b``, ``take_columns(X, indices, out)`` and
    ``empty_columns(X, m)``, a buffer for m of X's columns in the layout gathering is fastest
    in (None without in-place kernels); ``batch_source(X)``, X (n, m) in the layout
    ``take_columns`` gathers from fastest, copied once where it is in another (NumPy, CuPy,
    PyTorch: each example's column contiguous, so a batch is a copy of whole rows of X.T, X itself
    where it already is, as the transpose of row-major samples; JAX: the rows of its transpose;
    X itself elsewhere). ``compile(step)`` is the training step compiled where the
    library compiles (``jax.jit``: one program per step; parameters and optimiser state donated
    off the CPU unless ``compile(step, donate=False)``), the step itself elsewhere. ``own_copy(x)``
    is a new copy of ``x`` for the training to update in place (PyTorch: C-contiguous, as its fused kernels need);
    ``upload(host)`` a host NumPy array on the device (:func:`move_to`; PyTorch CUDA: from
    pinned memory, without waiting for the queued work). ``squared_sum(W)`` is ``sum(W ** 2)`` as a
    0-d array (:func:`~portable_dnn.regularization.squared_sum_kernel`; NumPy, CuPy: over W's transpose where W is
    column-major, which the dot product would otherwise copy), for the L2 term.
    """

    matmul: Callable[[Any, Any, Any], Any]
    affine: Callable[[Any, Any, Any, Any], Any]
    subtract_product: Callable[[Any, Any, Any, Any], Any]
    relu_: Callable[[Any], Any]
    mask_: Callable[[Any, Any], Any]
    reuses_buffers: bool
    sigmoid_: Callable[[Any], Any]
    fused_subtraction: bool = False
    settle: Callable[[dict[str, Any]], dict[str, Any]] = lambda arrays: arrays
    sliced_matmul: bool = True
    momentum: Callable[..., tuple[Any, Any]] = momentum_portable
    sgd: Callable[..., tuple[Any, Any]] = sgd_portable
    adam: Callable[..., tuple[Any, Any, Any]] = None  # type: ignore[assignment]  # set by kernels()
    add_scaled: Callable[[Any, Any, float, Any], Any] = add_scaled_portable
    take_columns: Callable[[Any, Any, Any], Any] = None  # type: ignore[assignment]  # set by kernels()
    empty_columns: Callable[[Any, int], Any] = lambda X, m: None
    batch_source: Callable[[Any], Any] = lambda X: X
    compile: Callable[..., Callable[..., Any]] = lambda step, donate=True: step
    own_copy: Callable[[Any], Any] = None  # type: ignore[assignment]  # set by kernels()
    upload: Callable[[Any], Any] = None  # type: ignore[assignment]  # set by kernels()
    squared_sum: Callable[[Any], Any] = None  # type: ignore[assignment]  # set by kernels()



def portable_kernels(xp: ModuleType, device: Any, **library_forms: Any) -> Kernels:
    """The standard's forms for ``xp`` on ``device`` (nothing in place), with ``library_forms``
    (a library's own gather, compiler or settling) in place of the defaults."""
    return Kernels(
        matmul=lambda a, b, out: a @ b,
        affine=lambda W, A, b, out: W @ A + b,
        subtract_product=lambda C, a, b, out: C - a @ b,
        relu_=functools.partial(relu_kernel, xp),
        mask_=lambda dA, factor: xp.where(factor, dA, 0.0) if factor.dtype == xp.bool else dA * factor,
        reuses_buffers=False,
        sigmoid_=functools.partial(sigmoid_kernel, xp),
        adam=functools.partial(adam_portable, xp),
        **{**common_forms(xp, device), "take_columns": functools.partial(take_columns_portable, xp),
           **library_forms},
    )


def common_forms(xp: ModuleType, device: Any) -> dict[str, Callable[..., Any]]:
    """``own_copy``, ``upload`` and ``squared_sum`` in their portable forms, for ``xp`` on ``device``
    (every library's defaults)."""
    return {"own_copy": functools.partial(own_copy_portable, xp),
            "upload": functools.partial(upload_portable, xp, device),
            "squared_sum": functools.partial(squared_sum_kernel, xp)}
