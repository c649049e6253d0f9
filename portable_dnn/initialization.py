"""Parameter initialisation: the notebook's two-layer and L-layer schemes, on any backend."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from ._backend import Array, device_scope, resolve_device, resolve_dtype, resolve_namespace
from ._random import check_seed, scaled_normal_draws

Parameters = dict[str, Array]


def _zeros(draws: Any, fan_in: int) -> Any:
    return draws * 0.0


def _large(draws: Any, fan_in: int) -> Any:
    return draws * 10.0


def _small(draws: Any, fan_in: int) -> Any:
    return draws * 0.01


def _lecun(draws: Any, fan_in: int) -> Any:
    return draws / math.sqrt(fan_in)


def _he(draws: Any, fan_in: int) -> Any:
    return draws * math.sqrt(2.0 / fan_in)


#: Initialisation scheme name -> how standard-normal draws are scaled, given the layer's fan-in.
#: ``"zeros"``: all zeros (the course's example of a network that cannot break symmetry);
#: ``"large"``: ``randn * 10`` (the course's example of too large a scale);
#: ``"small"``: ``randn * 0.01`` (the notebook and the course's two-layer model);
#: ``"lecun"``: ``randn / sqrt(fan_in)`` (the course's L-layer model);
#: ``"he"``: ``randn * sqrt(2 / fan_in)`` (He et al., 2015, for ReLU networks).
INIT_SCHEMES: dict[str, Callable[[Any, int], Any]] = {
    "zeros": _zeros,
    "large": _large,
    "small": _small,
    "lecun": _lecun,
    "he": _he,
}


def check_layer_dims(layer_dims: object, name: str = "layer_dims") -> list[int]:
    """``layer_dims`` as a list of at least two positive integers, or ``ValueError``/``TypeError``."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence):
        raise TypeError(f"{name}: expected a sequence of positive integers, got {type(layer_dims).__name__}")
    dims = list(layer_dims)
    for size in dims:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(f"{name}: expected positive integers, got {size!r} in {dims}")
        if size < 1:
            raise ValueError(f"{name}: expected positive integers, got {size!r} in {dims}")
    if len(dims) < 2:
        raise ValueError(f"{name}: expected at least 2 sizes (input and output), got {dims}")
    return [int(size) for size in dims]


def initialize_parameters_deep(
    layer_dims: Sequence[int],
    *,
    seed: int = 3,
    init: str = "small",
    backend: str | ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Parameters:
    """Parameters ``W1, b1, ..., WL, bL`` of an L-layer network.

    ``Wl`` has shape ``(layer_dims[l], layer_dims[l-1])`` and holds standard-normal draws
    from ``numpy.random.RandomState(seed)`` scaled by ``init`` (see :data:`INIT_SCHEMES`);
    ``bl`` is zeros of shape ``(layer_dims[l], 1)``. Arrays are created on ``backend``
    (a name such as ``"numpy"``/``"cupy"`` or a namespace; default NumPy) and ``device``,
    in ``dtype`` (default float64 where the device supports it).
    """
    dims = check_layer_dims(layer_dims)
    if not isinstance(init, str) or init not in INIT_SCHEMES:
        raise ValueError(f"init: expected one of {sorted(INIT_SCHEMES)}, got {init!r}")
    seed = check_seed(seed)
    xp = resolve_namespace(backend)
    device = resolve_device(xp, device)
    dtype = resolve_dtype(xp, dtype, device)
    shapes = [(dims[l], dims[l - 1]) for l in range(1, len(dims))]
    parameters: Parameters = {}
    with device_scope(device):  # CuPy's zeros ignore device=: make it current
        weights = scaled_normal_draws(
            shapes, INIT_SCHEMES[init], seed=int(seed), xp=xp, device=device, dtype=dtype
        )
        for l, W in enumerate(weights, start=1):
            parameters[f"W{l}"] = W
            parameters[f"b{l}"] = xp.zeros((dims[l], 1), dtype=dtype, device=device)
    return parameters


def initialize_parameters(
    n_x: int,
    n_h: int,
    n_y: int,
    *,
    seed: int = 1,
    init: str = "small",
    backend: str | ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Parameters:
    """Parameters ``W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1)`` of a two-layer network.

    The same draws as ``initialize_parameters_deep([n_x, n_h, n_y], seed=seed)``;
    keywords as there.
    """
    return initialize_parameters_deep(
        [n_x, n_h, n_y], seed=seed, init=init, backend=backend, device=device, dtype=dtype
    )
