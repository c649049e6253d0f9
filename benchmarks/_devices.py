"""Where the benchmarks' GPU tables run: CuPy and PyTorch's CUDA device on a machine with a GPU,
or, with ``PORTABLE_DNN_GPU_STANDIN=1`` (the GPU check's dry run on a CPU-only machine), PyTorch's
CPU device in CUDA's place, without the CuPy rows, on workloads shrunk to a smoke test's size.

JAX never preallocates a GPU's memory in the benchmarks, and its CPU rows run on its CPU device
whatever its default device is.
"""

from __future__ import annotations

import importlib.util
import os

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # before JAX starts

#: The GPU tables run on CPU stand-ins (a dry run of the GPU check).
STANDIN = os.environ.get("PORTABLE_DNN_GPU_STANDIN") == "1"


def torch_gpu() -> str | None:
    """PyTorch's device for the GPU rows: ``"cuda"``, ``"cpu"`` standing in, or None (no GPU)."""
    if importlib.util.find_spec("torch") is None:
        return None
    if STANDIN:
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else None


def cupy_gpu() -> bool:
    """Whether the CuPy rows run: CuPy sees a CUDA device (never with the stand-ins)."""
    if STANDIN or importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy

        return bool(cupy.cuda.runtime.getDeviceCount() > 0)
    except Exception:  # a CuPy without a working driver or runtime
        return False


def synchronizer(device: str) -> object:
    """A function that waits for PyTorch's queued work on ``device`` (nothing to wait for on a CPU)."""
    import torch

    return torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)


def jax_cpu() -> object:
    """JAX's first CPU device (the CPU rows' device, also where a GPU is JAX's default)."""
    import jax

    return jax.devices("cpu")[0]
