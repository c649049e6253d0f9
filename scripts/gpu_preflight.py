"""The GPU check's preflight: seconds-long checks of what only a GPU can show, before the suites.

    python scripts/gpu_preflight.py [--dry-run] [--summary FILE]

Each check prints its result and appends one line to the summary file: ``passed``, ``failed``
or ``needs a GPU``, the check, a figure, the time it took. On a GPU machine CuPy runs on its
current device and PyTorch on ``cuda:0``. With ``--dry-run`` (a CPU-only machine) the same code
runs with stand-ins: array-api-strict's ``device1`` for CuPy and PyTorch's CPU device for
``cuda:0``; what only a GPU can assert is reported as ``needs a GPU``. Exit status 1 if a
check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

import portable_dnn as dnn
from portable_dnn._backend import resolve_device, resolve_namespace, resolve_placement
from portable_dnn._engine.kernels import adam_portable, kernels, momentum_portable
from portable_dnn._engine.kernels import torch as _torch_kernels
from portable_dnn._engine.settings import Settings
from portable_dnn._engine.trainer import Trainer


class NeedsGPU(Exception):
    """What ran with the stand-ins passed; the rest of the check needs a GPU."""


class Placement:
    """Where the checks run: CuPy (or array-api-strict's ``device1``) and PyTorch's ``cuda:0`` (or
    its CPU)."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.cupy = resolve_namespace("array_api_strict" if dry_run else "cupy")
        self.cupy_device = resolve_device(self.cupy, "device1" if dry_run else None)
        self.torch_device_name = "cpu" if dry_run else "cuda:0"

    @property
    def torch(self) -> tuple[Any, Any]:
        xp = resolve_namespace("torch")
        return xp, resolve_device(xp, self.torch_device_name)

    def gpu_only(self, what: str) -> None:
        """End a check that ran on the stand-ins: the assertion ``what`` needs a GPU."""
        if self.dry_run:
            raise NeedsGPU(f"ran on the stand-ins; {what} needs a GPU")


# -- the checks: each returns its figure (a short text) or raises ------------------------------------


def kernel_cache_files() -> tuple[Path, int]:
    """CuPy's kernel cache on disk (``$CUPY_CACHE_DIR``, else ``~/.cupy/kernel_cache``) and its file count."""
    folder = Path(os.environ.get("CUPY_CACHE_DIR") or Path.home() / ".cupy" / "kernel_cache")
    return folder, sum(1 for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0


def warm_kernel_cache(where: Placement) -> str:
    """One epoch per optimiser in float32 and float64 (with the cost recorded), before the suites:
    CuPy compiles each new kernel with NVRTC once, into its cache, where the suites find it."""
    folder, before = kernel_cache_files()
    start = time.perf_counter()
    stepping = [name for name in dnn.OPTIMIZERS if name != "lbfgs"]  # L-BFGS has no mini-batch epoch
    for dtype in ("float32", "float64"):
        for optimizer in stepping:
            trainer_on(where.cupy, where.cupy_device, optimizer, m=512, dtype=dtype).run_epoch(record=True)
    seconds = time.perf_counter() - start
    epochs = f"{2 * len(stepping)} epochs ({', '.join(stepping)}; float32, float64)"
    if where.dry_run:
        raise NeedsGPU(f"{epochs} ran on the stand-in in {seconds:.1f} s; compiling CuPy's kernels needs a GPU")
    compiled = kernel_cache_files()[1] - before
    return f"{epochs}: {seconds:.1f} s, {compiled} kernels compiled into {folder}"


def cupy_alive(where: Placement) -> str:
    """An elementwise operation, a matrix product and a reduction (NVRTC and cuBLAS on a GPU)."""
    xp, device = where.cupy, where.cupy_device
    rng = np.random.RandomState(0)
    a, b = rng.randn(256, 128), rng.randn(128, 64)
    A, B = (dnn.move_to(value, xp, device) for value in (a, b))
    np.testing.assert_allclose(dnn.to_numpy(A * 2.0 + 1.0), a * 2.0 + 1.0, rtol=1e-15)
    np.testing.assert_allclose(dnn.to_numpy(A @ B), a @ b, rtol=1e-12)
    np.testing.assert_allclose(float(xp.sum(A)), a.sum(), rtol=1e-12)
    where.gpu_only("NVRTC and cuBLAS")
    return f"elementwise, 256x128 @ 128x64 and a sum agree with NumPy on {device}"


def no_scalars_to_maximum(where: Placement) -> str:
    """No Python scalar reaches maximum/minimum (PyTorch would copy it to the device each call)."""
    tx, device = where.torch
    torch = sys.modules["torch"]
    real = {name: getattr(tx, name) for name in ("maximum", "minimum")}

    def refusing(name: str) -> Callable[..., Any]:
        def call(x1: Any, x2: Any, /, **kwargs: Any) -> Any:
            assert not isinstance(x1, (int, float)) and not isinstance(x2, (int, float)), name
            return real[name](x1, x2, **kwargs)
        return call

    try:
        for name in real:
            setattr(tx, name, refusing(name))
        parameters = dnn.initialize_parameters_deep([4, 8, 3], backend=tx, device=device, dtype="float32")
        generator = torch.Generator(device=device).manual_seed(0)
        X = torch.randn(4, 32, device=device, generator=generator)
        Y = torch.randint(0, 3, (32,), device=device, generator=generator)
        AL, caches = dnn.L_model_forward(X, parameters)
        dnn.L_model_backward(AL, Y, caches)
        _, costs = dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=3, record_every=1)
    finally:
        for name, function in real.items():
            setattr(tx, name, function)
    return f"forward, backward and 3 iterations on {device}: costs {', '.join(f'{c:.4f}' for c in costs)}"


def torch_devices(where: Placement) -> str:
    """'cuda' is cuda:<current>, equal to the tensors' device; integers and 'cuda' keep PyTorch;
    the GPU's kernels are the whole-array ones (no CPU chunking)."""
    tx, device = where.torch
    torch = sys.modules["torch"]
    like = torch.zeros(2, device=device)
    assert resolve_placement(None, like) == (tx, like.device)
    ops = kernels(tx, device)
    if where.dry_run:
        assert ops.mask_.__name__ == "mask_in_chunks"
        where.gpu_only("'cuda' resolving to the tensors' cuda:0")
    assert resolve_device(tx, "cuda") == like.device == torch.device("cuda", torch.cuda.current_device())
    assert resolve_device(tx, 0) == torch.device("cuda:0")
    assert resolve_placement("cuda", like) == (tx, like.device)
    assert ops.mask_.__name__ == "mask_whole"
    return f"'cuda' -> {resolve_device(tx, 'cuda')}; 0 -> cuda:0; 'cuda' with a tensor stays PyTorch"


def cupy_devices(where: Placement) -> str:
    """CuPy's default device is the current one; training on cuda:1 (where there are two GPUs)."""
    if where.dry_run:
        raise NeedsGPU("CuPy's current device")
    cupy = sys.modules.get("cupy") or __import__("cupy")
    assert resolve_device(where.cupy, None).id == cupy.cuda.runtime.getDevice()
    if cupy.cuda.runtime.getDeviceCount() < 2:
        return "default device = current device; cuda:1 not checked (one GPU)"
    data = dnn.load_digits(backend="cupy", device="cuda:1", dtype="float32")
    parameters = dnn.initialize_parameters_deep([64, 16, 10], backend="cupy", device="cuda:1", dtype="float32")
    trained, costs = dnn.train(data.train_x, data.train_y, parameters, learning_rate=0.3, num_iterations=20)
    assert all(value.device.id == 1 for value in trained.values())
    return f"default device = current device; trained on cuda:1, cost {costs[-1]:.4f}"


def torch_fused_kernels(where: Placement) -> str:
    """PyTorch's fused Adam and SGD kernels are the ones the training uses on the device."""
    tx, device = where.torch
    torch = sys.modules["torch"]
    _torch_kernels._fused_agree.cache_clear()
    assert _torch_kernels._fused_agree(device.type), f"the fused kernels do not run, or disagree, on {device}"
    calls = {"_fused_adam_": 0, "_fused_sgd_": 0}
    real = {name: getattr(torch, name) for name in calls}

    def counting(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real[name](*args, **kwargs)
        return call

    try:
        for name in calls:
            setattr(torch, name, counting(name))
        epoch_on(tx, device, "adam")
        epoch_on(tx, device, "momentum")
    finally:
        for name, function in real.items():
            setattr(torch, name, function)
    assert calls["_fused_adam_"] > 0 and calls["_fused_sgd_"] > 0, calls
    return f"{calls['_fused_adam_']} fused Adam and {calls['_fused_sgd_']} fused SGD calls in two epochs on {device}"


def trainer_on(xp: Any, device: Any, optimizer: str, m: int = 2048, dtype: str = "float32") -> Trainer:
    """A trainer for a [64, 128, 64, 10] network on m random examples, batches of 256."""
    rng = np.random.RandomState(0)
    X = dnn.move_to(rng.randn(64, m).astype(dtype), xp, device)
    Y = dnn.one_hot(dnn.move_to(rng.randint(0, 10, m), xp, device), 10, dtype=X.dtype)
    parameters = dnn.initialize_parameters_deep([64, 128, 64, 10], init="he", backend=xp, device=device,
                                                dtype=dtype)
    settings = Settings(learning_rate=0.01, optimizer=optimizer, mini_batch_size=256)
    return Trainer(xp, X, Y, parameters, 3, settings)


def epoch_on(xp: Any, device: Any, optimizer: str) -> None:
    trainer_on(xp, device, optimizer).run_epoch(record=False)


@contextlib.contextmanager
def reads_refused(array_type: type, names: tuple[str, ...]) -> Iterator[None]:
    """Reading an array's values on the host (``float(x)``, ``bool(x)``, ``x.item()``, ...) raises."""
    saved = {name: array_type.__dict__.get(name) for name in names}

    def refuse(name: str) -> Callable[..., Any]:
        def read(self: Any, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"host sync: {array_type.__name__}.{name} inside the training loop")
        return read

    try:
        for name in names:
            setattr(array_type, name, refuse(name))
        yield
    finally:
        for name, method in saved.items():
            if method is None:
                delattr(array_type, name)
            else:
                setattr(array_type, name, method)


READS = ("__bool__", "__float__", "__int__", "__index__", "__array__", "__complex__")


def syncs_forbidden_torch(device: Any) -> contextlib.AbstractContextManager[None]:
    """PyTorch: host reads refused; on CUDA also ``set_sync_debug_mode("error")``."""
    torch = sys.modules["torch"]
    stack = contextlib.ExitStack()
    stack.enter_context(reads_refused(torch.Tensor, (*READS, "item", "tolist", "numpy", "cpu")))
    if device.type == "cuda":
        torch.cuda.set_sync_debug_mode("error")
        stack.callback(torch.cuda.set_sync_debug_mode, "default")
    return stack


def syncs_forbidden_cupy(where: Placement) -> contextlib.AbstractContextManager[None]:
    """CuPy: ``cupyx.allow_synchronize(False)`` where CuPy still has it; the stand-in's host reads refused."""
    if where.dry_run:
        strict = sys.modules["array_api_strict"]
        return reads_refused(strict._array_object.Array, (*READS, "__dlpack__"))
    cupyx = __import__("cupyx")
    allow = getattr(cupyx, "allow_synchronize", None)
    return allow(False) if allow is not None else contextlib.nullcontext()


def gpu_busy(xp_name: str, seconds: float = 1.0) -> Callable[[], bool]:
    """Queue about ``seconds`` of GPU work (a spinning kernel); returns ``still_busy()``: whether
    that work is still running. A host sync after it was queued waits for it, so work queued
    behind it that returns while it still runs synced nothing."""
    cycles = int(2.0e9 * seconds)  # an H200 runs at about 2 GHz
    if xp_name == "torch":
        torch = sys.modules["torch"]
        torch.cuda._sleep(cycles)
        event = torch.cuda.Event()
        event.record()
        return lambda: not event.query()
    cupy = sys.modules["cupy"]
    spin = cupy.RawKernel(r"""extern "C" __global__ void spin(long long cycles) {
        long long start = clock64(); while (clock64() - start < cycles) { } }""", "spin")
    spin((1,), (1,), (np.int64(cycles),))
    event = cupy.cuda.Event()
    event.record()
    return lambda: not event.done


def host_syncs(where: Placement, library: str) -> str:
    """One warm epoch per optimiser with host syncs forbidden; on a GPU also timed against a
    second of work queued before it, which it must not wait for."""
    if library == "torch":
        xp, device = where.torch
    else:
        xp, device = where.cupy, where.cupy_device
    figures = []
    for optimizer in ("gd", "momentum", "adam"):
        trainer = trainer_on(xp, device, optimizer)
        trainer.run_epoch(record=False)  # warm: kernels compiled, buffers and fused-kernel probes made
        if where.dry_run or (library == "torch" and device.type != "cuda"):
            still_busy = None
        else:
            still_busy = gpu_busy(library)
        start = time.perf_counter()
        with syncs_forbidden_torch(device) if library == "torch" else syncs_forbidden_cupy(where):
            trainer.run_epoch(record=False)
        queued = time.perf_counter() - start
        if still_busy is not None:
            assert still_busy(), f"{optimizer}: the epoch waited for work queued before it (a host sync)"
        figures.append(f"{optimizer} {queued * 1e3:.1f} ms")
    where.gpu_only("timing against queued GPU work")
    return f"8 steps queued without a sync on {device}: " + ", ".join(figures)


def cupy_kernels(where: Placement) -> str:
    """The optimisers' fused kernels against their portable forms, float32 and float64."""
    xp, device = where.cupy, where.cupy_device
    ops = kernels(xp, device)
    rng = np.random.RandomState(1)
    W, g, v, s = (rng.randn(300, 70) for _ in range(4))
    s = np.abs(s)
    worst = 0.0
    for dtype, rtol in (("float32", 1e-5), ("float64", 1e-12)):
        def fresh(*values: np.ndarray, dtype: str = dtype) -> list[Any]:
            return [dnn.move_to(value.copy(), xp, device, getattr(xp, dtype)) for value in values]

        pairs = [(ops.momentum(*fresh(W, 0.1 * g, v), None, 0.9, 0.05),
                  momentum_portable(*fresh(W, 0.1 * g, v), None, 0.9, 0.05)),
                 (ops.adam(*fresh(W, 0.1 * g, v, s), None, 0.9, 0.999, 0.003, 1e-7),
                  adam_portable(xp, *fresh(W, 0.1 * g, v, s), None, 0.9, 0.999, 0.003, 1e-7))]
        for fast, portable in pairs:
            for a, b in zip(fast, portable, strict=True):
                a, b = dnn.to_numpy(a), dnn.to_numpy(b)
                np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-3)
                worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(b) + 1e-30))))
    where.gpu_only("CuPy's ElementwiseKernels")
    return f"momentum and Adam, float32 and float64: largest relative difference {worst:.1e}"


CHECKS: dict[str, Callable[[Placement], str]] = {
    "CuPy kernel cache warmed": warm_kernel_cache,
    "CuPy elementwise, matmul, reduction": cupy_alive,
    "no Python scalar to maximum/minimum (PyTorch)": no_scalars_to_maximum,
    "PyTorch device names": torch_devices,
    "CuPy devices": cupy_devices,
    "PyTorch fused Adam and SGD chosen": torch_fused_kernels,
    "no host sync in an epoch (CuPy)": lambda where: host_syncs(where, "cupy"),
    "no host sync in an epoch (PyTorch)": lambda where: host_syncs(where, "torch"),
    "CuPy ElementwiseKernels = portable forms": cupy_kernels,
}


def run_check(name: str, check: Callable[[Placement], str], where: Placement) -> tuple[str, str]:
    """``(status, summary line)`` of one check."""
    start = time.perf_counter()
    try:
        status, figure = "passed", check(where)
    except NeedsGPU as reason:
        status, figure = "needs a GPU", str(reason)
    except Exception as error:
        traceback.print_exc()
        status, figure = "failed", f"{type(error).__name__}: {error}".splitlines()[0][:300]
    return status, f"{status:<11} | preflight: {name} | {figure} | {time.perf_counter() - start:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="CPU stand-ins for CuPy and cuda:0")
    parser.add_argument("--summary", type=Path, default=None, help="append one line per check to this file")
    args = parser.parse_args()
    where = Placement(args.dry_run)
    counts = {"passed": 0, "failed": 0, "needs a GPU": 0}
    for name, check in CHECKS.items():
        status, line = run_check(name, check, where)
        counts[status] += 1
        print(line, flush=True)
        if args.summary is not None:
            with args.summary.open("a") as summary:
                summary.write(line + "\n")
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['needs a GPU']} need a GPU")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
