"""The hot loop's operations per array library: in place, fused or the standard's portable forms.

Each operation has one portable form (any array API namespace) and, where a library allows,
a faster one (``out=``, in-place methods, fused products) chosen here in one place; tests
check that the two agree. The math never branches on the backend.

The record and the portable forms are in :mod:`.portable`; each library's fast forms in its own
module (:mod:`.numpy`, shared by CuPy's :mod:`.cupy`; :mod:`.torch`, :mod:`.jax`, :mod:`.dask`),
chosen by :func:`kernels` alone; sparse inputs' products on NumPy and CuPy in :mod:`.sparse`.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from ..._backend import backend_name, is_lazy
from .cupy import _optimizer_kernels_cupy
from .dask import _persist
from .jax import _jax_compile, _jax_gather
from .numpy import one_pass_enabled, out_kernels
from .portable import Kernels, adam_portable, common_forms, momentum_portable, portable_kernels
from .sparse import with_sparse_inputs
from .torch import torch_kernels

__all__ = ["Kernels", "adam_portable", "kernels", "momentum_portable", "one_pass_enabled"]


def kernels(xp: ModuleType, device: Any = None, sparse: bool = False) -> Kernels:
    """The :class:`Kernels` for namespace ``xp`` on ``device``: in place for NumPy, CuPy and
    PyTorch (whose functions take ``out=`` and multiply float by bool), the standard's forms
    elsewhere (JAX compiled, Dask persisted after each step). ``sparse``: for sparse inputs X
    (NumPy, CuPy: :func:`.sparse.with_sparse_inputs`; the dense kernels never test for them)."""
    name = backend_name(xp)
    common = common_forms(xp, device)
    if name == "torch":
        return torch_kernels(importlib.import_module(name), device, common)
    if name in ("numpy", "cupy"):
        library = importlib.import_module(name)  # the library behind the namespace, for out=
        dense = out_kernels(library, xp, common, **(_optimizer_kernels_cupy(library) if name == "cupy" else {}))
        return with_sparse_inputs(library, dense) if sparse else dense
    if name == "jax":
        return portable_kernels(xp, device, compile=_jax_compile(device), **_jax_gather(xp))
    if is_lazy(xp):
        return portable_kernels(xp, device, settle=_persist)
    return portable_kernels(xp, device)
