"""Parameter initialisation: the notebook's two-layer and L-layer schemes, on any backend."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from ._backend import Array, device_scope, resolve_device, resolve_dtype, resolve_namespace
from ._random import Seed, host_draws, random_state

Parameters = dict[str, Array]


def _normal(scale: Callable[[Any, int], Any]) -> Callable[[Any, tuple[int, int]], tuple[Any, Any]]:
    """Weights ``scale(randn(*shape), fan_in)``, biases zero."""
    def draw(rng: Any, shape: tuple[int, int]) -> tuple[Any, Any]:
        return scale(rng.randn(*shape), shape[1]), None
    return draw


def _glorot_uniform(factor: float) -> Callable[[Any, tuple[int, int]], tuple[Any, Any]]:
    """Weights, then biases, uniform in +-sqrt(factor / (fan_in + fan_out)), drawn as scikit-learn's
    MLPs draw them (its (fan_in, fan_out) weights, transposed): from the same seed, the same numbers
    as ``MLPClassifier(random_state=seed)`` starts from (factor 6, or 2 with logistic hidden layers)."""
    def draw(rng: Any, shape: tuple[int, int]) -> tuple[Any, Any]:
        fan_out, fan_in = shape
        bound = math.sqrt(factor / (fan_in + fan_out))
        return (rng.uniform(-bound, bound, (fan_in, fan_out)).T,
                rng.uniform(-bound, bound, fan_out).reshape(fan_out, 1))
    return draw


#: Initialisation scheme name -> ``draw(rng, (fan_out, fan_in)) -> (W, b or None for zeros)`` from a
#: ``numpy.random.RandomState``:
#: ``"zeros"``: all zeros (the course's example of a network that cannot break symmetry);
#: ``"large"``: ``randn * 10`` (the course's example of too large a scale);
#: ``"small"``: ``randn * 0.01`` (the notebook and the course's two-layer model);
#: ``"lecun"``: ``randn / sqrt(fan_in)`` (the course's L-layer model);
#: ``"he"``: ``randn * sqrt(2 / fan_in)`` (He et al., 2015, for ReLU networks);
#: ``"glorot"``: W and b uniform in ``+-sqrt(6 / (fan_in + fan_out))`` (Glorot and Bengio, 2010, as
#: scikit-learn's MLPs; the classifier's default);
#: ``"glorot_sigmoid"``: the same with ``+-sqrt(2 / (fan_in + fan_out))``, scikit-learn's bound for
#: logistic hidden layers (the classifier's default with sigmoid hidden layers).
INIT_SCHEMES: dict[str, Callable[[Any, tuple[int, int]], tuple[Any, Any]]] = {
    "zeros": _normal(lambda draws, fan_in: draws * 0.0),
    "large": _normal(lambda draws, fan_in: draws * 10.0),
    "small": _normal(lambda draws, fan_in: draws * 0.01),
    "lecun": _normal(lambda draws, fan_in: draws / math.sqrt(fan_in)),
    "he": _normal(lambda draws, fan_in: draws * math.sqrt(2.0 / fan_in)),
    "glorot": _glorot_uniform(6.0),
    "glorot_sigmoid": _glorot_uniform(2.0),
}


def check_layer_dims(layer_dims: object, name: str = "layer_dims", minimum: int = 2) -> list[int]:
    """``layer_dims`` as a list of at least ``minimum`` positive integers (2: the input and output
    sizes), or ``ValueError``/``TypeError`` naming the sizes as given."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence):
        raise TypeError(f"{name}: expected a sequence of positive integers, got {type(layer_dims).__name__}")
    dims = list(layer_dims)
    for size in dims:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            raise TypeError(f"{name}: expected positive integers, got {size!r} in {layer_dims!r}")
        if size < 1:
            raise ValueError(f"{name}: expected positive integers, got {size!r} in {layer_dims!r}")
    if len(dims) < minimum:
        raise ValueError(f"{name}: expected at least {minimum} sizes (input and output), got {layer_dims!r}")
    return [int(size) for size in dims]


def initialize_parameters_deep(
    layer_dims: Sequence[int],
    *,
    seed: Seed = 3,
    init: str = "small",
    backend: str | ModuleType | None = None,
    device: Any = None,
    dtype: Any = None,
) -> Parameters:
    """Parameters ``W1, b1, ..., WL, bL`` of an L-layer network.

    ``Wl`` has shape ``(layer_dims[l], layer_dims[l-1])`` and holds draws from
    ``numpy.random.RandomState(seed)`` (or from ``seed`` itself where it is a ``RandomState``,
    which the draws advance) as ``init`` says
    (:data:`~portable_dnn.initialization.INIT_SCHEMES`: standard-normal draws scaled, or for
    the ``"glorot"`` schemes uniform ones); ``bl`` (``(layer_dims[l], 1)``) is zeros, or for
    the ``"glorot"`` schemes uniform draws too. Arrays are created on ``backend``
    (a name such as ``"numpy"``/``"cupy"`` or a namespace; default NumPy) and ``device``,
    in ``dtype`` (default float64 where the device supports it).
    """
    dims = check_layer_dims(layer_dims)
    if not isinstance(init, str) or init not in INIT_SCHEMES:
        raise ValueError(f"init: expected one of {sorted(INIT_SCHEMES)}, got {init!r}")
    rng = random_state(seed)
    xp = resolve_namespace(backend)
    device = resolve_device(xp, device)
    dtype = resolve_dtype(xp, dtype, device)
    shapes = [(dims[l], dims[l - 1]) for l in range(1, len(dims))]
    parameters: Parameters = {}
    with device_scope(device):  # CuPy's zeros ignore device=: make it current
        drawn = host_draws(shapes, INIT_SCHEMES[init], seed=rng, xp=xp, device=device, dtype=dtype)
        for l, (W, b) in enumerate(drawn, start=1):
            parameters[f"W{l}"] = W
            parameters[f"b{l}"] = xp.zeros((dims[l], 1), dtype=dtype, device=device) if b is None else b
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
