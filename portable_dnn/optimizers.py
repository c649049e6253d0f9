"""Parameter updates: gradient descent, momentum and Adam (the course's functions), and
learning-rate decay.

Optimiser state mirrors the gradients: ``v["dW1"], v["db1"], ...`` (and ``s`` for Adam).
Every update returns new dicts; the caller's arrays are not modified. Shapes: each state
array has its parameter's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType

from ._backend import Array, check_float, get_namespace, on_the_arrays_device
from ._checks import check_count, check_fraction, check_non_negative, check_positive
from ._parameters import num_layers

#: The training path's optimisers, the course's three, scikit-learn's SGD (``"sgd"``, whose
#: velocity sums the gradients, with Nesterov's form by default) and L-BFGS (``"lbfgs"``, full batch).
OPTIMIZERS = ("gd", "momentum", "adam", "sgd", "lbfgs")

#: Learning-rate schedules as scikit-learn's MLPs define them (for every optimiser but Adam).
SCHEDULES = ("constant", "invscaling", "adaptive")


def check_optimizer(optimizer: object) -> str:
    """``optimizer`` if it names one of :data:`OPTIMIZERS`, else ``ValueError``."""
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer: expected one of {list(OPTIMIZERS)}, got {optimizer!r}")
    return optimizer


def _check_update(parameters: Mapping[str, Array], grads: Mapping[str, Array],
                  **states: Mapping[str, Array]) -> tuple[ModuleType, int]:
    """``(xp, L)`` after checking that ``grads`` (and each optimiser state dict, keyed like the
    gradients) hold an array of its parameter's shape, namespace, device and dtype per parameter."""
    L = num_layers(parameters)
    named: dict[str, Array] = {}
    for dict_name, values in {"grads": grads, **states}.items():
        if not isinstance(values, Mapping):
            raise TypeError(f"{dict_name}: expected a dict of arrays, got {type(values).__name__}")
        for key in sorted(parameters):
            if "d" + key not in values:
                raise ValueError(f"{dict_name}: missing {'d' + key!r} for parameters[{key!r}]")
            named[f"{dict_name}['d{key}']"] = values["d" + key]
    own = {f"parameters[{key!r}]": parameters[key] for key in sorted(parameters)}
    xp = get_namespace(**own, **named)  # the layers need not chain: each update is per parameter
    check_float(xp, **own, **named)
    for name, value in named.items():
        key = name.partition("['d")[2][:-2]
        shape, found = tuple(parameters[key].shape), tuple(value.shape)
        if found != shape:
            raise ValueError(f"{name}: expected shape {shape} (as parameters[{key!r}]), got {found}")
    return xp, L


def _keys(L: int) -> list[str]:
    return [f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")]


@on_the_arrays_device
def update_parameters(
    parameters: Mapping[str, Array], grads: Mapping[str, Array], learning_rate: float
) -> dict[str, Array]:
    """One gradient-descent step: ``Wl - learning_rate * dWl`` and ``bl - learning_rate * dbl``.

    Returns a new dict; the caller's arrays are not modified. ``grads`` needs ``dWl`` and
    ``dbl`` for every layer (other keys, such as ``dAl``, are ignored).
    """
    lr = check_positive(learning_rate, "learning_rate")
    _, L = _check_update(parameters, grads)
    return {key: parameters[key] - lr * grads["d" + key] for key in _keys(L)}


@on_the_arrays_device
def update_parameters_with_gd(
    parameters: Mapping[str, Array], grads: Mapping[str, Array], learning_rate: float
) -> dict[str, Array]:
    """The course's name for :func:`update_parameters` (one step of (mini-batch) gradient descent)."""
    return update_parameters(parameters, grads, learning_rate)


def _zeros_like_each(parameters: Mapping[str, Array]) -> dict[str, Array]:
    L = num_layers(parameters)
    named = {f"parameters[{key!r}]": parameters[key] for key in sorted(parameters)}
    xp = get_namespace(**named)
    check_float(xp, **named)
    return {"d" + key: xp.zeros_like(parameters[key]) for key in _keys(L)}


@on_the_arrays_device
def initialize_velocity(parameters: Mapping[str, Array]) -> dict[str, Array]:
    """Momentum's velocity: ``v["dWl"]``, ``v["dbl"]`` zeros of each parameter's shape, namespace,
    device and dtype."""
    return _zeros_like_each(parameters)


@on_the_arrays_device
def initialize_adam(parameters: Mapping[str, Array]) -> tuple[dict[str, Array], dict[str, Array]]:
    """Adam's ``(v, s)``: moving averages of the gradient and of its square, zeros keyed like the
    gradients (``v["dW1"]``, ``s["db1"]``, ...)."""
    return _zeros_like_each(parameters), _zeros_like_each(parameters)


@on_the_arrays_device
def update_parameters_with_momentum(
    parameters: Mapping[str, Array], grads: Mapping[str, Array], v: Mapping[str, Array],
    beta: float, learning_rate: float,
) -> tuple[dict[str, Array], dict[str, Array]]:
    """One momentum step: ``v = beta v + (1 - beta) dW``, ``W = W - learning_rate v`` (likewise b).

    Returns new ``(parameters, v)``; ``beta`` in [0, 1) (0: plain gradient descent).
    """
    beta = check_fraction(beta, "beta")
    lr = check_positive(learning_rate, "learning_rate")
    _, L = _check_update(parameters, grads, v=v)
    new_v = {"d" + key: beta * v["d" + key] + (1.0 - beta) * grads["d" + key] for key in _keys(L)}
    return {key: parameters[key] - lr * new_v["d" + key] for key in _keys(L)}, new_v


@on_the_arrays_device
def update_parameters_with_sgd(
    parameters: Mapping[str, Array], grads: Mapping[str, Array], v: Mapping[str, Array],
    beta: float = 0.9, learning_rate: float = 0.1, nesterov: bool = True,
) -> tuple[dict[str, Array], dict[str, Array]]:
    """One step of scikit-learn's SGD with momentum ``beta`` (its ``momentum``)::

        v = beta v - learning_rate dW
        W = W + beta v - learning_rate dW    (nesterov; else W = W + v)

    (likewise b). The velocity sums the gradients, where the course's momentum averages them.
    Returns new ``(parameters, v)``, ``v`` from :func:`initialize_velocity` at the first step.
    """
    beta = check_fraction(beta, "beta")
    lr = check_positive(learning_rate, "learning_rate")
    if not isinstance(nesterov, bool):
        raise TypeError(f"nesterov: expected True or False, got {nesterov!r}")
    _, L = _check_update(parameters, grads, v=v)
    new_v = {"d" + key: beta * v["d" + key] - lr * grads["d" + key] for key in _keys(L)}
    step = {key: beta * new_v["d" + key] - lr * grads["d" + key] if nesterov else new_v["d" + key]
            for key in _keys(L)}
    return {key: parameters[key] + step[key] for key in _keys(L)}, new_v


@on_the_arrays_device
def update_parameters_with_adam(
    parameters: Mapping[str, Array], grads: Mapping[str, Array], v: Mapping[str, Array],
    s: Mapping[str, Array], t: int, learning_rate: float = 0.01, beta1: float = 0.9,
    beta2: float = 0.999, epsilon: float = 1e-8,
) -> tuple[dict[str, Array], dict[str, Array], dict[str, Array], dict[str, Array], dict[str, Array]]:
    """One Adam step (step count ``t`` from 1), as the course writes it::

        v = beta1 v + (1 - beta1) dW;     v_corrected = v / (1 - beta1**t)
        s = beta2 s + (1 - beta2) dW**2;  s_corrected = s / (1 - beta2**t)
        W = W - learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)

    (likewise b). Returns new ``(parameters, v, s, v_corrected, s_corrected)``.
    """
    t = check_count(t, "t", minimum=1)
    lr = check_positive(learning_rate, "learning_rate")
    beta1, beta2 = check_fraction(beta1, "beta1"), check_fraction(beta2, "beta2")
    epsilon = check_positive(epsilon, "epsilon")
    xp, L = _check_update(parameters, grads, v=v, s=s)
    new_v, new_s, v_corrected, s_corrected, new_parameters = {}, {}, {}, {}, {}
    for key in _keys(L):
        g = grads["d" + key]
        new_v["d" + key] = beta1 * v["d" + key] + (1.0 - beta1) * g
        new_s["d" + key] = beta2 * s["d" + key] + (1.0 - beta2) * (g * g)
        v_corrected["d" + key] = new_v["d" + key] / (1.0 - beta1**t)
        s_corrected["d" + key] = new_s["d" + key] / (1.0 - beta2**t)
        step = v_corrected["d" + key] / (xp.sqrt(s_corrected["d" + key]) + epsilon)
        new_parameters[key] = parameters[key] - lr * step
    return new_parameters, new_v, new_s, v_corrected, s_corrected


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """The course's decay: ``learning_rate0 / (1 + decay_rate * epoch_num)``."""
    lr0 = check_positive(learning_rate0, "learning_rate0")
    return lr0 / (1.0 + check_non_negative(decay_rate, "decay_rate") * check_count(epoch_num, "epoch_num"))


def schedule_lr_decay(learning_rate0: float, epoch_num: int, decay_rate: float,
                      time_interval: int = 1000) -> float:
    """The course's decay in steps: ``learning_rate0 / (1 + decay_rate * floor(epoch_num /
    time_interval))``."""
    lr0 = check_positive(learning_rate0, "learning_rate0")
    rate = check_non_negative(decay_rate, "decay_rate")
    interval = check_count(time_interval, "time_interval", minimum=1)
    return lr0 / (1.0 + rate * (check_count(epoch_num, "epoch_num") // interval))



@dataclass
class OptimizerState:
    """What training carries from one step (and one call) to the next: momentum's and Adam's
    moving averages ``v`` and ``s`` (keyed like the gradients, empty until first used; SGD's
    velocity in ``v``), Adam's step count ``t``, the number of epochs done (for learning-rate
    decay and shuffling), the ``samples`` trained on (scikit-learn's ``t_``, for ``"invscaling"``)
    and the schedule's current ``learning_rate`` (None: the initial one)."""

    v: dict[str, Array] = field(default_factory=dict)
    s: dict[str, Array] = field(default_factory=dict)
    t: int = 0
    epochs: int = 0
    samples: int = 0
    learning_rate: float | None = None
