"""Crossing between libraries and devices, explicitly: any backend's array to the host
(:func:`to_numpy`), and anything array-like onto a namespace's device (:func:`move_to`)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from . import Array, device_scope, dtype_name


def _host_view(x: Array) -> np.ndarray:
    """``x`` on the host as a NumPy array, sharing memory with ``x`` where it already is there."""
    if isinstance(x, np.ndarray):
        return x
    if not array_api_compat.is_array_api_obj(x):
        raise TypeError(f"x: expected an array, got {type(x).__name__}")
    if array_api_compat.is_cupy_array(x):
        return x.get()  # type: ignore[no-any-return]
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()  # type: ignore[no-any-return]
    if array_api_compat.is_array_api_strict_namespace(array_api_compat.array_namespace(x)):
        x = x.to_device(x.__array_namespace__().Device())
    host: Any = x
    return np.asarray(host)


def to_numpy(x: Array) -> np.ndarray:
    """A copy of ``x`` on the host, as a new NumPy array (never sharing memory with ``x``),
    from any supported backend."""
    host = _host_view(x)
    if array_api_compat.is_cupy_array(x):
        return host  # .get() is already a fresh host array
    return np.array(host, copy=True)


def move_to(x: Any, xp: ModuleType, device: Any, dtype: Any = None) -> Array:
    """``x`` (an array of any backend, or an array-like) as an array of ``xp`` on ``device``.

    Within one namespace this is a device move (``x`` itself when it is already there in
    ``dtype``); across namespaces it goes through the host, copying only where needed.
    ``dtype`` (optional) casts on arrival.
    """
    if array_api_compat.is_array_api_obj(x) and array_api_compat.array_namespace(x) is xp:
        if array_api_compat.device(x) != device:
            x = array_api_compat.to_device(x, device)
        return x if dtype is None or x.dtype == dtype else xp.astype(x, dtype)
    host = _host_view(x) if array_api_compat.is_array_api_obj(x) else np.asarray(x)
    if dtype is not None:
        host = host.astype(np.dtype(dtype_name(xp, dtype)), copy=False)
    with device_scope(device):  # CuPy copies onto the current device
        return xp.asarray(host, device=device)
