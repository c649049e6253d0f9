"""Forward and backward propagation of the [LINEAR->RELU]x(L-1) -> LINEAR -> SIGMOID network.

The output layer follows its size: one unit is a sigmoid (the notebook's binary network), C >= 2
units a softmax over C classes. The hidden activation is ReLU unless ``hidden_activation``
names another element-wise one (``"tanh"``, ``"sigmoid"``, ``"leaky_relu"``).

Shapes: ``X``/``A_prev`` (n_prev, m), ``Wl`` (n_l, n_prev), ``bl`` (n_l, 1), ``Z``/``A`` (n_l, m).
Caches are the notebook's: ``linear_cache = (A_prev, W, b)``, ``activation_cache = Z``,
a layer's cache ``(linear_cache, activation_cache)``, and ``caches`` a list of layer caches.
With dropout (``keep_prob < 1``) a hidden layer's cache also holds its mask:
``(linear_cache, Z, D)``, D the 0/1 mask (n_l, m) in the layer's dtype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from array_api_compat import device as array_device

from ._backend import Array, check_float, check_ndim, get_namespace, on_the_arrays_device
from ._outputs import check_loss, layer_activations, targets
from ._parameters import check_layer_shapes, check_parameters
from ._random import DeviceRandom, check_seed
from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, check_activation
from .regularization import check_keep_prob, check_lambd, drop

LinearCache = tuple[Array, Array, Array]
LayerCache = tuple[LinearCache, Array]


def check_hidden_activation(hidden_activation: object) -> str:
    """``hidden_activation`` if it names an element-wise activation, else ``ValueError``."""
    return check_activation(hidden_activation, "hidden_activation", HIDDEN_ACTIVATIONS)


# -- kernels: no checks, ``xp`` passed in -------------------------------------------------


def linear_activation_forward_kernel(
    xp: ModuleType, A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, LayerCache]:
    Z = W @ A_prev + b
    return ACTIVATIONS[activation].forward(xp, Z), ((A_prev, W, b), Z)


def linear_backward_kernel(
    xp: ModuleType, dZ: Array, A_prev: Array, W: Array
) -> tuple[Array, Array, Array]:
    """``(dA_prev, dW, db)`` from ``dZ`` (n, m): dW = dZ A_prev^T / m, db = row sums / m."""
    m = A_prev.shape[1]
    dW = (1.0 / m) * (dZ @ A_prev.T)
    db = (1.0 / m) * xp.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


# -- cache checks ---------------------------------------------------------------------------


def _unpack(cache: object, length: int, name: str, layout: str) -> tuple[Any, ...]:
    if not isinstance(cache, (tuple, list)) or len(cache) != length:
        raise ValueError(f"{name}: expected a cache {layout}, got {type(cache).__name__}"
                         f"{' of length ' + str(len(cache)) if isinstance(cache, (tuple, list)) else ''}")
    return tuple(cache)


def _linear_cache_arrays(cache: object, name: str) -> dict[str, Array]:
    """A linear cache's ``A_prev, W, b`` by the names errors give them (``cache[0] (A_prev)``, ...)."""
    A_prev, W, b = _unpack(cache, 3, name, "(A_prev, W, b)")
    return {f"{name}[0] (A_prev)": A_prev, f"{name}[1] (W)": W, f"{name}[2] (b)": b}


def _layer_cache_arrays(cache: object, name: str, mask: bool = False) -> dict[str, Array]:
    """A layer cache's ``A_prev, W, b, Z`` (and dropout mask ``D`` where ``mask``) by the names
    errors give them."""
    if mask:
        linear_cache, Z, D = _unpack(cache, 3, name, "((A_prev, W, b), Z, D) of a hidden layer with dropout "
                                     "(from L_model_forward with the same keep_prob)")
        return {**_linear_cache_arrays(linear_cache, f"{name}[0]"), f"{name}[1] (Z)": Z, f"{name}[2] (D)": D}
    linear_cache, Z = _unpack(cache, 2, name, "((A_prev, W, b), Z)")
    return {**_linear_cache_arrays(linear_cache, f"{name}[0]"), f"{name}[1] (Z)": Z}


def _check_cache_shapes(named: dict[str, Array]) -> None:
    """Shapes of the arrays of :func:`_linear_cache_arrays` or :func:`_layer_cache_arrays`
    (which must be arrays: checked by ``get_namespace`` first)."""
    names = list(named)
    A_prev, W, b = (named[key] for key in names[:3])
    check_layer_shapes(A_prev, W, b, (names[0], names[1], names[2]))
    for name in names[3:]:  # Z, and a dropout mask D
        expected, Z = (W.shape[0], A_prev.shape[1]), named[name]
        check_ndim(name, Z)
        if tuple(Z.shape) != expected:
            raise ValueError(f"{name}: expected shape {expected}, got {tuple(Z.shape)}")


def _check_gradient_shape(name: str, gradient: Array, shape: tuple[int, ...]) -> None:
    if tuple(gradient.shape) != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {tuple(gradient.shape)}")


# -- public, step-by-step functions ----------------------------------------------------------


@on_the_arrays_device
def linear_forward(A: Array, W: Array, b: Array) -> tuple[Array, LinearCache]:
    """Z = W A + b. Returns ``(Z, (A, W, b))``; Z has shape (n, m)."""
    xp = get_namespace(A=A, W=W, b=b)
    check_float(xp, A=A, W=W, b=b)
    check_layer_shapes(A, W, b, ("A", "W", "b"))
    return W @ A + b, (A, W, b)


@on_the_arrays_device
def linear_activation_forward(
    A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, LayerCache]:
    """A = g(W A_prev + b) for ``activation`` "relu", "sigmoid", "tanh", "leaky_relu" or "softmax".

    Returns ``(A, (linear_cache, activation_cache))``; A has shape (n, m).
    """
    check_activation(activation)
    xp = get_namespace(A_prev=A_prev, W=W, b=b)
    check_float(xp, A_prev=A_prev, W=W, b=b)
    check_layer_shapes(A_prev, W, b, ("A_prev", "W", "b"))
    return linear_activation_forward_kernel(xp, A_prev, W, b, activation)


@on_the_arrays_device
def L_model_forward(
    X: Array, parameters: Mapping[str, Array], *, hidden_activation: str = "relu",
    keep_prob: float = 1.0, seed: int | None = None, loss: str = "cross_entropy",
) -> tuple[Array, list[Any]]:
    """Forward pass of [LINEAR->RELU] x (L-1) -> LINEAR -> SIGMOID (or SOFTMAX for nL >= 2 units).

    Parameters
    ----------
    X : array (n0, m)
        One column per example.
    parameters : dict
        ``W1, b1, ..., WL, bL`` (:func:`initialize_parameters_deep`), on X's namespace and device.
    hidden_activation : {"relu", "tanh", "sigmoid", "leaky_relu", "identity"}, default "relu"
        The hidden layers' activation.
    keep_prob : float, default 1.0
        Below 1: inverted dropout on every hidden layer's output (not X, not AL), masks
        ``D_l = uniform < keep_prob`` drawn on X's device, each kept in its layer's cache as
        ``(linear_cache, Z, D)``.
    seed : int or None, default None
        Seeds the dropout masks (layer 1 first); ``None``: unseeded.
    loss : {"cross_entropy", "binary_cross_entropy", "squared_error", "poisson"}, default "cross_entropy"
        ``"squared_error"`` makes the output layer the identity (a regression network),
        ``"poisson"`` the exponential (a log link);
        ``"binary_cross_entropy"`` keeps nL sigmoid units (multilabel).

    Returns
    -------
    AL : array (nL, m)
        The output, in X's namespace, device and dtype.
    caches : list
        One cache per layer, for :func:`L_model_backward`.

    Raises
    ------
    TypeError, ValueError
        Arrays of another library or device, shapes that do not chain, a dtype that is not
        real floating, an unknown activation or loss (each naming the argument).
    """
    check_hidden_activation(hidden_activation)
    keep_prob = check_keep_prob(keep_prob)
    xp, L = check_parameters(parameters, X=X)
    if seed is not None:
        seed = check_seed(seed)
    rng = DeviceRandom(xp, array_device(X), seed) if keep_prob < 1.0 else None
    caches: list[Any] = []
    A = X
    activations = layer_activations(L, parameters[f"W{L}"].shape[0], hidden_activation, check_loss(loss))
    for l, activation in enumerate(activations, start=1):
        A, cache = linear_activation_forward_kernel(
            xp, A, parameters[f"W{l}"], parameters[f"b{l}"], activation
        )
        if rng is not None and l < L:
            D = xp.astype(rng.mask(tuple(A.shape), keep_prob), A.dtype)
            A = drop(A, D, keep_prob)
            caches.append((*cache, D))
        else:
            caches.append(cache)
    return A, caches


@on_the_arrays_device
def linear_backward(dZ: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """Gradients of the linear step. ``dZ`` (n, m), ``cache = (A_prev, W, b)``.

    Returns ``(dA_prev, dW, db)`` with the shapes of ``A_prev``, ``W`` and ``b``.
    """
    named = _linear_cache_arrays(cache, "cache")
    xp = get_namespace(dZ=dZ, **named)
    check_float(xp, dZ=dZ, **named)
    _check_cache_shapes(named)
    A_prev, W, _ = named.values()
    _check_gradient_shape("dZ", dZ, (W.shape[0], A_prev.shape[1]))
    return linear_backward_kernel(xp, dZ, A_prev, W)


@on_the_arrays_device
def linear_activation_backward(
    dA: Array, cache: LayerCache, activation: str
) -> tuple[Array, Array, Array]:
    """Gradients of a LINEAR->ACTIVATION layer from ``dA`` (n, m), the gradient of its output.

    Returns ``(dA_prev, dW, db)`` with the shapes of ``A_prev``, ``W`` and ``b``.
    """
    check_activation(activation)
    named = _layer_cache_arrays(cache, "cache")
    xp = get_namespace(dA=dA, **named)
    check_float(xp, dA=dA, **named)
    _check_cache_shapes(named)
    A_prev, W, _, Z = named.values()
    _check_gradient_shape("dA", dA, tuple(Z.shape))
    dZ = ACTIVATIONS[activation].backward(xp, dA, Z)
    return linear_backward_kernel(xp, dZ, A_prev, W)


def output_gradient(xp: ModuleType, AL: Array, Y: Array, loss: str = "cross_entropy") -> Array:
    """dAL, the gradient of the loss summed over the examples with respect to AL: for the
    squared error ``AL - Y``; for the Poisson deviance ``1 - Y / AL``; for the cross-entropy
    -(Y / AL - (1 - Y) / (1 - AL))
    for one sigmoid unit (AL (1, m)), -Y / AL for a softmax layer (AL (C, m), Y one-hot).

    AL within machine epsilon of 0 or 1 (0 and 1 included) is clipped to [eps, 1 - eps],
    as :func:`compute_cost` clips it, so the result stays finite; values outside [0, 1]
    (the notebook's test case has some) are used as given.
    """
    if loss == "squared_error":
        return AL - Y
    if loss == "poisson":  # then dZ = dAL * exp(Z) = AL - Y
        return 1.0 - Y / AL
    binary = AL.shape[0] == 1 or loss == "binary_cross_entropy"
    eps = float(xp.finfo(AL.dtype).eps)
    AL = xp.where((AL >= 0.0) & (AL < eps), eps, xp.where((AL > 1.0 - eps) & (AL <= 1.0), 1.0 - eps, AL))
    if not binary:
        return -(Y / AL)
    return -(Y / AL - (1.0 - Y) / (1.0 - AL))


@on_the_arrays_device
def L_model_backward(
    AL: Array, Y: Array, caches: Sequence[Any], *, hidden_activation: str = "relu",
    lambd: float = 0.0, keep_prob: float = 1.0, loss: str = "cross_entropy",
) -> dict[str, Array]:
    """Gradients of the cost for the network that produced ``caches``.

    The output layer is differentiated through :func:`sigmoid_backward` (or
    :func:`softmax_backward`) with the cached Z, like the notebook.

    Parameters
    ----------
    AL : array (nL, m)
        The output of :func:`L_model_forward`: (1, m) of a sigmoid unit, (C, m) of a softmax layer.
    Y : array
        0/1 labels (1, m) or (m,) for a sigmoid unit; one-hot (C, m) or class indices (m,) or
        (1, m) for a softmax layer; real targets (k, m) or (m,) with ``loss="squared_error"``.
    caches : list
        From :func:`L_model_forward` (with the same ``hidden_activation`` and ``loss``).
    hidden_activation : str, default "relu"
        The hidden layers' activation.
    lambd : float, default 0.0
        L2 strength: adds ``(lambd / m) W_l`` to each ``dW_l``.
    keep_prob : float, default 1.0
        With the forward pass's dropout (its masks are in the caches): each hidden ``dA_l`` is
        masked and scaled by ``1 / keep_prob`` as its activation was.
    loss : str, default "cross_entropy"
        The cost differentiated (:func:`compute_cost`).

    Returns
    -------
    grads : dict
        ``dA0 .. dA{L-1}`` (``dA{l}``: with respect to the activation of layer l, ``dA0`` to X;
        as in the notebook, of the loss summed over the examples, so m times the cost's),
        ``dW1 .. dWL`` and ``db1 .. dbL`` (of the cost), each of its array's shape.

    Raises
    ------
    TypeError, ValueError
        Arrays of another library or device, shapes that do not match the caches, malformed caches.
    """
    check_hidden_activation(hidden_activation)
    loss = check_loss(loss)
    lambd, keep_prob = check_lambd(lambd), check_keep_prob(keep_prob)
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        raise ValueError(f"caches: expected a non-empty list of layer caches, got {caches!r:.80}")
    dropout = keep_prob < 1.0
    layers = [_layer_cache_arrays(cache, f"caches[{i}]", dropout and i < len(caches) - 1)
              for i, cache in enumerate(caches)]
    named = {"AL": AL}
    for layer in layers:
        named.update(layer)
    xp = get_namespace(**named, Y=Y)
    check_float(xp, **named)
    for layer in layers:
        _check_cache_shapes(layer)
    checked = [tuple(layer.values()) for layer in layers]
    L = len(checked)
    _check_gradient_shape("AL", AL, tuple(checked[-1][3].shape))
    Y = targets(xp, Y, AL.shape[0], AL, loss=loss)

    grads: dict[str, Array] = {}
    dA = output_gradient(xp, AL, Y, loss)
    activations = layer_activations(L, AL.shape[0], hidden_activation, loss)
    m = AL.shape[1]
    for l, activation in reversed(list(enumerate(activations, start=1))):
        A_prev, W, _, Z = checked[l - 1][:4]
        dZ = ACTIVATIONS[activation].backward(xp, dA, Z)
        dA, dW, grads[f"db{l}"] = linear_backward_kernel(xp, dZ, A_prev, W)
        grads[f"dW{l}"] = dW + (lambd / m) * W if lambd else dW
        if dropout and l > 1:
            dA = drop(dA, checked[l - 2][4], keep_prob)
        grads[f"dA{l - 1}"] = dA
    return grads
