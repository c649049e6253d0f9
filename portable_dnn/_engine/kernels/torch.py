"""PyTorch's fast forms: the bias folded into the product (``addmm``), in-place activations and
masks, the subtraction fused into the product, and ``torch.optim``'s fused optimiser updates where
they agree with the in-place forms."""

from __future__ import annotations

import functools
import importlib
import math
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..._backend import on_cpu
from .portable import Kernels, squared_gradient_weight


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

    def sgd(W: Any, g: Any, v: Any, scratch: Any, beta: float, nesterov: bool) -> tuple[Any, Any]:
        v.mul_(beta).sub_(g)
        return (W.add_(v, alpha=beta).sub_(g) if nesterov else W.add_(v)), v

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
        "momentum": momentum, "adam": adam, "sgd": sgd, "add_scaled": lambda a, b, c, scratch: a.add_(b, alpha=c),
        "take_columns": take_columns, "empty_columns": empty_columns, "batch_source": examples_contiguous,
        "own_copy": lambda x: x.clone(memory_format=torch.contiguous_format)}
    if getattr(device, "type", None) == "cuda":
        kernels["upload"] = upload_pinned
    return kernels



def torch_kernels(torch: ModuleType, device: Any, common: dict[str, Callable[..., Any]]) -> Kernels:
    """PyTorch's :class:`Kernels` on ``device``. Its CPU heuristics (bias folding by alignment, the
    mask in chunks) apply only on CPU devices: on a GPU each chunk would be a kernel launch."""
    cpu = on_cpu(device)

    def matmul(a: Any, b: Any, out: Any) -> Any:
        return torch.matmul(a, b) if out is None else torch.matmul(a, b, out=out)

    def addmm(W: Any, A: Any, b: Any, out: Any) -> Any:  # the bias inside the product,
        if cpu and A.data_ptr() % 64:  # except on CPU inputs not 64-byte aligned (NumPy-backed),
            return matmul(W, A, out).add_(b)  # where addmm is slower than a product and an add
        return torch.addmm(b, W, A) if out is None else torch.addmm(b, W, A, out=out)

    def mask_whole(dA: Any, keep: Any) -> Any:
        return dA.mul_(keep)

    def mask_in_chunks(dA: Any, keep: Any) -> Any:  # mul_ converts keep to a float temporary:
        rows = max(1, (1 << 18) // max(1, dA.shape[1]))  # keep it at 2**18 values, in cache
        if rows >= dA.shape[0]:
            return dA.mul_(keep)
        for start in range(0, dA.shape[0], rows):
            dA[start:start + rows, ...].mul_(keep[start:start + rows, ...])
        return dA

    return Kernels(  # torch.maximum takes no Python scalar; clamp_ is its in-place ReLU
        matmul,
        addmm,
        subtract_product=lambda C, a, b, out: C.addmm_(a, b, alpha=-1),
        relu_=lambda Z: Z.clamp_(min=0),
        mask_=mask_in_chunks if cpu else mask_whole,
        reuses_buffers=True,
        sigmoid_=lambda Z: Z.sigmoid_(),
        fused_subtraction=True,
        **{**common, **_optimizer_kernels_torch(torch, device)},  # type: ignore[arg-type]
    )
