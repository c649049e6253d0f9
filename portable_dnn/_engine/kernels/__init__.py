"""The hot loop's operations per array library: in place, fused or the standard's portable forms.

Each operation has one portable form (any array API namespace) and, where a library allows,
a faster one (``out=``, in-place methods, fused products) chosen here in one place; tests
check that the two agree. The math never branches on the backend.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

from ..._backend import backend_name, is_lazy, on_cpu


def momentum_portable(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
    """Momentum, ``v = beta v + (1 - beta) dW``, ``W = W - lr v``, from ``g = (1 - beta) dW`` (the
    training path folds ``1 - beta`` into the output gradient: one pass fewer); returns ``(W, v)``."""
    v = beta * v + g
    return W - lr * v, v


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
    """The host NumPy array ``host`` on ``device`` (:func:`portable_dnn.io.move_to`)."""
    from ...io import move_to  # io builds on the math modules, which build on this one

    return move_to(host, xp, device)


@functools.cache
def _one_pass_kernels(library: ModuleType) -> dict[str, Callable[..., None]] | None:
    """NumPy's optimiser updates compiled by numba (the ``fast`` extra), where it is installed:
    one pass, each element of W, g, v (and s) read once and W, v (and s) written once, with the
    ``out=`` forms' operations in their order and no fast-math, so their numbers to the bit.
    Compiled on first use (about half a second per optimiser and dtype) and cached on disk by numba
    (beside this module, or in the user's cache where that is read-only; where neither is writable,
    compiled in each process): later processes load them."""
    try:
        numba = importlib.import_module("numba")
    except Exception:  # not installed, or not for this NumPy: the out= forms serve
        return None
    sqrt = library.sqrt  # NumPy's keeps float32 in float32 (math.sqrt would not)

    def compile_loop(loop: Callable[..., None]) -> Callable[..., None]:
        options = {"nogil": True, "error_model": "numpy"}  # numpy's: x / 0 is inf, not an exception
        try:
            return numba.njit(**options, cache=True)(loop)  # type: ignore[no-any-return]
        except RuntimeError:  # nowhere writable to cache it: compiled in each process
            return numba.njit(**options)(loop)  # type: ignore[no-any-return]

    @compile_loop
    def momentum(W: Any, g: Any, v: Any, constants: Any) -> None:  # pragma: no cover (compiled)
        beta, lr = constants[0], constants[1]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                velocity = beta * v[i, j] + g[i, j]
                v[i, j] = velocity
                W[i, j] = W[i, j] - velocity * lr

    @compile_loop
    def adam(W: Any, g: Any, v: Any, s: Any, constants: Any) -> None:  # pragma: no cover (compiled)
        beta1, beta2, weight, step_size, eps_hat = constants[0], constants[1], constants[2], constants[3], constants[4]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                gradient = g[i, j]
                first = beta1 * v[i, j] + gradient
                second = beta2 * s[i, j] + (gradient * gradient) * weight
                v[i, j] = first
                s[i, j] = second
                W[i, j] = W[i, j] - first / (sqrt(second) + eps_hat) * step_size

    return {"momentum": momentum, "adam": adam}


def one_pass_allowed() -> bool:
    """Whether NumPy's updates may use :func:`_one_pass_kernels` (not switched off by
    ``PORTABLE_DNN_NUMBA=0``); numba is imported only when an update first runs (it takes half a
    second to import)."""
    return os.environ.get("PORTABLE_DNN_NUMBA", "1") != "0"


def one_pass_enabled(library: ModuleType) -> bool:
    """Whether NumPy's (``library``'s) updates use :func:`_one_pass_kernels`: allowed, and numba installed."""
    return one_pass_allowed() and _one_pass_kernels(library) is not None


def _optimizer_kernels_out(library: ModuleType, one_pass: bool = False) -> dict[str, Callable[..., Any]]:
    """The optimiser updates with ``out=`` (NumPy, CuPy): in place of W, v, s, no allocation;
    ``scratch`` (W's shape) holds the temporaries. With ``one_pass`` (NumPy), 2-D arrays are
    updated by :func:`_one_pass_kernels` instead, in one pass (its constants in an array of W's
    dtype, as NumPy casts Python scalars: one argument to pass instead of five)."""

    def one_pass_for(W: Any) -> dict[str, Callable[..., None]] | None:
        return _one_pass_kernels(library) if one_pass and W.ndim == 2 else None

    def momentum(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
        if (compiled := one_pass_for(W)) is not None:
            compiled["momentum"](W, g, v, library.array((beta, lr), dtype=W.dtype))
            return W, v
        library.multiply(v, beta, out=v)
        library.add(v, g, out=v)
        library.subtract(W, library.multiply(v, lr, out=scratch), out=W)
        return W, v

    def adam(W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float, step_size: float,
             eps_hat: float) -> tuple[Any, Any, Any]:
        if (compiled := one_pass_for(W)) is not None:
            constants = (beta1, beta2, squared_gradient_weight(beta1, beta2), step_size, eps_hat)
            compiled["adam"](W, g, v, s, library.array(constants, dtype=W.dtype))
            return W, v, s
        library.multiply(v, beta1, out=v)
        library.add(v, g, out=v)
        library.multiply(s, beta2, out=s)
        library.square(g, out=scratch)
        library.add(s, library.multiply(scratch, squared_gradient_weight(beta1, beta2), out=scratch), out=s)
        library.add(library.sqrt(s, out=scratch), eps_hat, out=scratch)
        library.divide(v, scratch, out=scratch)
        library.subtract(W, library.multiply(scratch, step_size, out=scratch), out=W)
        return W, v, s

    def add_scaled(a: Any, b: Any, c: float, scratch: Any) -> Any:
        return library.add(a, library.multiply(b, c, out=scratch), out=a)

    # The indices are a permutation's: NumPy's "clip" skips the bounds check and the buffering it
    # needs (CuPy's take has no mode and never checks).
    unchecked = {"mode": "clip"} if library.__name__ == "numpy" else {}

    def take_columns(X: Any, indices: Any, out: Any) -> Any:
        # Columns of a transposed row-major array are its rows: gathering them is a row copy
        # (a strided gather along axis 1 is 100x slower).
        if X.flags.f_contiguous and (out is None or out.flags.f_contiguous):
            return library.take(X.T, indices, axis=0, out=None if out is None else out.T, **unchecked).T
        return library.take(X, indices, axis=1, out=out, **unchecked)

    def empty_columns(X: Any, m: int) -> Any:
        layout = "F" if X.flags.f_contiguous and not X.flags.c_contiguous else "C"
        return library.empty((X.shape[0], m), dtype=X.dtype, order=layout)

    def examples_contiguous(X: Any) -> Any:  # each column contiguous: a batch is a row copy of X.T
        return X if X.flags.f_contiguous else library.asfortranarray(X)

    return {"momentum": momentum, "adam": adam, "add_scaled": add_scaled, "take_columns": take_columns,
            "empty_columns": empty_columns, "batch_source": examples_contiguous}


@functools.lru_cache(maxsize=1)
def _optimizer_kernels_cupy(cupy: ModuleType) -> dict[str, Callable[..., Any]]:
    """The optimiser updates as one fused CUDA kernel each (``cupy.ElementwiseKernel``): every
    element of W, g, v (and s) read once and W, v (and s) written once, in one launch per parameter
    instead of the eight to eleven of the ``out=`` forms; the same formulas as theirs."""
    momentum_kernel = cupy.ElementwiseKernel(
        "T g, T beta, T lr", "T W, T v",
        "v = beta * v + g; W = W - lr * v;",
        "portable_dnn_momentum")
    adam_kernel = cupy.ElementwiseKernel(
        "T g, T beta1, T beta2, T weight, T step_size, T eps_hat", "T W, T v, T s",
        "v = beta1 * v + g; s = beta2 * s + weight * (g * g); W = W - step_size * (v / (sqrt(s) + eps_hat));",
        "portable_dnn_adam")

    def momentum(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
        momentum_kernel(g, beta, lr, W, v)
        return W, v

    def adam(W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float, step_size: float,
             eps_hat: float) -> tuple[Any, Any, Any]:
        adam_kernel(g, beta1, beta2, squared_gradient_weight(beta1, beta2), step_size, eps_hat, W, v, s)
        return W, v, s

    return {"momentum": momentum, "adam": adam}


def _momentum_torch(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
    """Momentum with PyTorch's in-place methods."""
    v.mul_(beta).add_(g)
    return W.add_(v, alpha=-lr), v


def _adam_torch(W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float, step_size: float,
                eps_hat: float) -> tuple[Any, Any, Any]:
    """Adam with PyTorch's in-place methods (``addcmul_``, ``addcdiv_``)."""
    v.mul_(beta1).add_(g)
    s.mul_(beta2).addcmul_(g, g, value=squared_gradient_weight(beta1, beta2))
    denominator = s.sqrt() if scratch is None else sys.modules["torch"].sqrt(s, out=scratch)
    return W.addcdiv_(v, denominator.add_(eps_hat), value=-step_size), v, s


@functools.cache
def _torch_scalar(value: float, device: Any) -> Any:
    """A float32 scalar tensor on ``device``, made once."""
    torch = importlib.import_module("torch")
    return torch.full((), value, dtype=torch.float32, device=device)


def _momentum_fused(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
    """Momentum by ``torch._fused_sgd_`` (SGD with momentum past its first step, no dampening:
    ``v = beta v + g``, ``W = W - lr v``), one pass."""
    sys.modules["torch"]._fused_sgd_(
        [W], [g], [v], weight_decay=0.0, momentum=beta, lr=lr, dampening=0.0, nesterov=False, maximize=False,
        is_first_step=False)
    return W, v


def _adam_fused(W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float, step_size: float,
                eps_hat: float) -> tuple[Any, Any, Any]:
    """Adam by ``torch._fused_adam_`` (float32), one pass: ``torch.optim.Adam``'s update at an
    infinite step count, so that its own bias corrections are 1 (they are folded into step_size
    and eps_hat); it divides g by its grad_scale ``1 - beta1`` (in place) to get back the
    gradient it expects."""
    sys.modules["torch"]._fused_adam_(
        [W], [g], [v], [s], [], [_torch_scalar(math.inf, W.device)], amsgrad=False, lr=step_size, beta1=beta1,
        beta2=beta2, weight_decay=0.0, eps=eps_hat, maximize=False, grad_scale=_torch_scalar(1.0 - beta1, W.device),
        found_inf=None)
    return W, v, s


@functools.cache
def _fused_agree(device_type: str) -> bool:
    """Whether PyTorch's fused kernels run on ``device_type`` and give the in-place forms' numbers,
    probed once on a few values (they are private functions: a version may change or drop them)."""
    torch = importlib.import_module("torch")
    if device_type not in ("cpu", "cuda"):
        return False

    def values() -> tuple[Any, Any, Any, Any]:  # W, g, v, s
        W, g, v, s = (torch.tensor(x, dtype=torch.float32, device=device_type)
                      for x in ([[0.5, -1.0]], [[0.02, -0.03]], [[0.1, 0.2]], [[0.01, 0.04]]))
        return W, g, v, s

    try:
        pairs = [(_adam_fused(*values(), None, 0.9, 0.99, 0.01, 1e-8), _adam_torch(*values(), None, 0.9, 0.99, 0.01,
                                                                               1e-8)),
                 (_momentum_fused(*values()[:3], None, 0.9, 0.1), _momentum_torch(*values()[:3], None, 0.9, 0.1))]
        return all(bool(torch.allclose(a, b, rtol=1e-5, atol=1e-7)) for got, expected in pairs
                   for a, b in zip(got, expected, strict=True))
    except (AttributeError, TypeError, RuntimeError, NotImplementedError):
        return False


def _one_layout(*tensors: Any) -> bool:
    """Whether the tensors are C-contiguous with the same strides (a size-1 axis may have any
    stride in a contiguous tensor): the fused kernels refuse operands of different layouts on CUDA."""
    strides = tensors[0].stride()
    return all(tensor.is_contiguous() and tensor.stride() == strides for tensor in tensors)


def _optimizer_kernels_torch(torch: ModuleType, device: Any) -> dict[str, Callable[..., Any]]:
    """The optimiser updates as ``torch.optim``'s ``fused=True`` makes them, one pass over each
    parameter (``torch._fused_sgd_``, ``torch._fused_adam_``; Adam in float32, whose gradient
    scale is float32) where they agree with the in-place forms on the device and every operand is
    C-contiguous in one layout (momentum also needs ``beta > 0``: fused SGD takes no momentum buffer without
    momentum), else the in-place forms. ``own_copy`` makes the training's copies C-contiguous;
    ``upload`` copies host data to a CUDA device from pinned memory, asynchronously (a pageable
    copy waits for the queued steps)."""

    def momentum(W: Any, g: Any, v: Any, scratch: Any, beta: float, lr: float) -> tuple[Any, Any]:
        fused = beta > 0.0 and _one_layout(W, g, v) and _fused_agree(W.device.type)
        return (_momentum_fused if fused else _momentum_torch)(W, g, v, scratch, beta, lr)

    def adam(W: Any, g: Any, v: Any, s: Any, scratch: Any, beta1: float, beta2: float, step_size: float,
             eps_hat: float) -> tuple[Any, Any, Any]:
        fused = W.dtype == torch.float32 and _one_layout(W, g, v, s) and _fused_agree(W.device.type)
        return (_adam_fused if fused else _adam_torch)(W, g, v, s, scratch, beta1, beta2, step_size, eps_hat)

    def upload_pinned(host: Any) -> Any:
        return torch.from_numpy(host).pin_memory().to(device, non_blocking=True)

    def take_columns(X: Any, indices: Any, out: Any) -> Any:
        if X.T.is_contiguous() and (out is None or out.T.is_contiguous()):  # rows of the row-major X.T
            return (torch.index_select(X.T, 0, indices) if out is None
                    else torch.index_select(X.T, 0, indices, out=out.T)).T
        return torch.index_select(X, 1, indices) if out is None else torch.index_select(X, 1, indices, out=out)

    def empty_columns(X: Any, m: int) -> Any:
        if X.T.is_contiguous() and not X.is_contiguous():
            return torch.empty((m, X.shape[0]), dtype=X.dtype, device=X.device).T
        return torch.empty((X.shape[0], m), dtype=X.dtype, device=X.device)

    def examples_contiguous(X: Any) -> Any:  # each column contiguous: a batch is a row copy of X.T
        return X if X.T.is_contiguous() else X.T.contiguous().T

    kernels: dict[str, Callable[..., Any]] = {
        "momentum": momentum, "adam": adam, "add_scaled": lambda a, b, c, scratch: a.add_(b, alpha=c),
        "take_columns": take_columns, "empty_columns": empty_columns, "batch_source": examples_contiguous,
        "own_copy": lambda x: x.clone(memory_format=torch.contiguous_format)}
    if getattr(device, "type", None) == "cuda":
        kernels["upload"] = upload_pinned
    return kernels


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
    off the CPU), the step itself elsewhere. ``own_copy(x)`` is a new copy of ``x`` for the
    training to update in place (PyTorch: C-contiguous, as its fused kernels need);
    ``upload(host)`` a host NumPy array on the device (:func:`move_to`; PyTorch CUDA: from
    pinned memory, without waiting for the queued work).
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
    adam: Callable[..., tuple[Any, Any, Any]] = None  # type: ignore[assignment]  # set by kernels()
    add_scaled: Callable[[Any, Any, float, Any], Any] = add_scaled_portable
    take_columns: Callable[[Any, Any, Any], Any] = None  # type: ignore[assignment]  # set by kernels()
    empty_columns: Callable[[Any, int], Any] = lambda X, m: None
    batch_source: Callable[[Any], Any] = lambda X: X
    compile: Callable[[Callable[..., Any]], Callable[..., Any]] = lambda step: step
    own_copy: Callable[[Any], Any] = None  # type: ignore[assignment]  # set by kernels()
    upload: Callable[[Any], Any] = None  # type: ignore[assignment]  # set by kernels()


def kernels(xp: ModuleType, device: Any = None) -> Kernels:
    """The :class:`Kernels` for namespace ``xp`` on ``device``: in place for NumPy, CuPy and
    PyTorch (whose functions take ``out=`` and multiply float by bool), the standard's forms
    elsewhere. PyTorch's CPU heuristics (bias folding by alignment, the mask in chunks) apply
    only on CPU devices: on a GPU each chunk would be a kernel launch."""
    from ...activations import relu_kernel, sigmoid_kernel  # activations builds on this module

    name = backend_name(xp)
    sigmoid = functools.partial(sigmoid_kernel, xp)
    placement: dict[str, Callable[..., Any]] = {"own_copy": functools.partial(own_copy_portable, xp),
                 "upload": functools.partial(upload_portable, xp, device)}
    if name in ("numpy", "cupy", "torch"):
        library = importlib.import_module(name)  # the library behind the namespace, for out=

        def matmul(a: Any, b: Any, out: Any) -> Any:
            return library.matmul(a, b) if out is None else library.matmul(a, b, out=out)

        if name == "torch":  # torch.maximum takes no Python scalar; clamp_ is its in-place ReLU

            cpu = on_cpu(device)

            def addmm(W: Any, A: Any, b: Any, out: Any) -> Any:  # the bias inside the product,
                if cpu and A.data_ptr() % 64:  # except on CPU inputs not 64-byte aligned (NumPy-backed),
                    return matmul(W, A, out).add_(b)  # where addmm is slower than a product and an add
                return library.addmm(b, W, A) if out is None else library.addmm(b, W, A, out=out)

            def mask_whole(dA: Any, keep: Any) -> Any:
                return dA.mul_(keep)

            def mask_in_chunks(dA: Any, keep: Any) -> Any:  # mul_ converts keep to a float temporary:
                rows = max(1, (1 << 18) // max(1, dA.shape[1]))  # keep it at 2**18 values, in cache
                if rows >= dA.shape[0]:
                    return dA.mul_(keep)
                for start in range(0, dA.shape[0], rows):
                    dA[start:start + rows, ...].mul_(keep[start:start + rows, ...])
                return dA

            return Kernels(
                matmul,
                addmm,
                subtract_product=lambda C, a, b, out: C.addmm_(a, b, alpha=-1),
                relu_=lambda Z: Z.clamp_(min=0),
                mask_=mask_in_chunks if cpu else mask_whole,
                reuses_buffers=True,
                sigmoid_=lambda Z: Z.sigmoid_(),
                fused_subtraction=True,
                **{**placement, **_optimizer_kernels_torch(library, device)},  # type: ignore[arg-type]
            )

        def affine(W: Any, A: Any, b: Any, out: Any) -> Any:
            Z = matmul(W, A, out)
            return library.add(Z, b, out=Z)

        def subtract_product(C: Any, a: Any, b: Any, out: Any) -> Any:
            return library.subtract(C, matmul(a, b, out), out=C)

        return Kernels(
            matmul,
            affine,
            subtract_product,
            relu_=lambda Z: library.maximum(Z, 0, out=Z),
            mask_=lambda dA, keep: library.multiply(dA, keep, out=dA),
            reuses_buffers=True,
            sigmoid_=sigmoid,
            sliced_matmul=name != "cupy",
            **{**placement, **_optimizer_kernels_out(library, one_pass=name == "numpy" and one_pass_allowed()),  # type: ignore[arg-type]
               **(_optimizer_kernels_cupy(library) if name == "cupy" else {})},
        )
    settle = _persist if is_lazy(xp) else Kernels._field_defaults["settle"]
    return Kernels(
        matmul=lambda a, b, out: a @ b,
        affine=lambda W, A, b, out: W @ A + b,
        subtract_product=lambda C, a, b, out: C - a @ b,
        relu_=functools.partial(relu_kernel, xp),
        mask_=lambda dA, factor: xp.where(factor, dA, 0.0) if factor.dtype == xp.bool else dA * factor,
        reuses_buffers=False,
        sigmoid_=sigmoid,
        settle=settle,
        adam=functools.partial(adam_portable, xp),
        compile=_jax_compile(device) if name == "jax" else Kernels._field_defaults["compile"],
        **placement,  # type: ignore[arg-type]
        **(_jax_gather(xp) if name == "jax" else {  # type: ignore[arg-type]
            "take_columns": functools.partial(take_columns_portable, xp)}),
    )


def _jax_gather(xp: ModuleType) -> dict[str, Callable[..., Any]]:
    """JAX arrays are row-major, with no strided views: a batch of columns is gathered as rows of
    X's transpose (made once) and transposed back, which XLA folds into the next product
    (a column gather from X itself costs 7x as much)."""
    return {"batch_source": lambda X: X.T,
            "take_columns": lambda rows, indices, out: xp.take(rows, indices, axis=0).T}


def _jax_compile(device: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``jax.jit``, donating the step's parameters and optimiser state (its first three arguments)
    except on the CPU, where XLA cannot reuse donated buffers (and warns)."""
    jax = importlib.import_module("jax")
    donate = () if on_cpu(getattr(device, "platform", device)) else (0, 1, 2)
    return lambda step: jax.jit(step, donate_argnums=donate)


def _persist(arrays: dict[str, Any]) -> dict[str, Any]:
    """Dask: compute the arrays (on the cluster when a client is active) and keep the results."""
    persisted = importlib.import_module("dask").persist(*arrays.values())
    return dict(zip(arrays, persisted, strict=True))
