"""Parameter updates."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

from ._backend import Array, check_float, get_namespace, on_the_arrays_device
from ._parameters import num_layers


def check_learning_rate(learning_rate: object) -> float:
    """``learning_rate`` as a positive finite float, else ``TypeError``/``ValueError``."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
        raise TypeError(f"learning_rate: expected a positive number, got {type(learning_rate).__name__}")
    rate = float(learning_rate)
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"learning_rate: expected a positive finite number, got {learning_rate!r}")
    return rate


@on_the_arrays_device
def update_parameters(
    parameters: Mapping[str, Array], grads: Mapping[str, Array], learning_rate: float
) -> dict[str, Array]:
    """One gradient-descent step: ``Wl - learning_rate * dWl`` and ``bl - learning_rate * dbl``.

    Returns a new dict; the caller's arrays are not modified. ``grads`` needs ``dWl`` and
    ``dbl`` for every layer (other keys, such as ``dAl``, are ignored).
    """
    L = num_layers(parameters)
    lr = check_learning_rate(learning_rate)
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads: expected a dict of arrays, got {type(grads).__name__}")
    pairs = {}
    for key in sorted(parameters):
        if "d" + key not in grads:
            raise ValueError(f"grads: missing {'d' + key!r} for parameters[{key!r}]")
        pairs[f"parameters[{key!r}]"] = parameters[key]
        pairs[f"grads['d{key}']"] = grads["d" + key]
    xp = get_namespace(**pairs)
    check_float(xp, **pairs)
    for key in sorted(parameters):
        shape, grad_shape = tuple(parameters[key].shape), tuple(grads["d" + key].shape)
        if grad_shape != shape:
            raise ValueError(
                f"grads['d{key}']: expected shape {shape} (as parameters[{key!r}]), got {grad_shape}"
            )
    return {
        f"{kind}{l}": parameters[f"{kind}{l}"] - lr * grads[f"d{kind}{l}"]
        for l in range(1, L + 1)
        for kind in ("W", "b")
    }
