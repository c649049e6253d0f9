"""Host transfers and files: the only place, with ``_random``, that uses NumPy directly."""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from ._backend import Array


def to_numpy(x: Array) -> np.ndarray:
    """An explicit copy of ``x`` on the host, as a NumPy array, from any supported backend."""
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
