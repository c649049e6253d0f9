"""The course's two-layer and L-layer models, and ``predict``.

Column layout, as in the course: ``X`` (n_x, m), ``Y`` (1, m). Training runs where
``X`` lives (its namespace and device) and in ``X``'s floating dtype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from array_api_compat import device as array_device

from ._backend import Array, as_float_labels, get_namespace, on_the_arrays_device
from ._engine.step import forward_activations
from ._outputs import predicted_classes_kernel
from ._parameters import check_parameters
from .initialization import Parameters, check_layer_dims, initialize_parameters_deep
from .propagation import check_hidden_activation
from .training import train


def _print_cost(iteration: int, cost: float) -> None:
    print(f"Cost after iteration {iteration}: {cost}")


def _fit(
    X: Array, Y: Array, layers_dims: Sequence[int], init: str,
    learning_rate: float, num_iterations: int, print_cost: bool, hidden_activation: str,
) -> tuple[Parameters, list[float]]:
    xp = get_namespace(X=X, Y=Y)
    dims = check_layer_dims(layers_dims, "layers_dims")
    if len(X.shape) == 2 and dims[0] != X.shape[0]:
        raise ValueError(f"layers_dims[0] is {dims[0]} but X has {X.shape[0]} rows (features)")
    parameters = initialize_parameters_deep(
        dims, seed=1, init=init, backend=xp, device=array_device(X), dtype=X.dtype
    )
    return train(
        X, Y, parameters, learning_rate=learning_rate, num_iterations=num_iterations,
        hidden_activation=hidden_activation, on_cost=_print_cost if print_cost else None,
    )


def two_layer_model(
    X: Array,
    Y: Array,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    *,
    hidden_activation: str = "relu",
) -> tuple[Parameters, list[float]]:
    """Train LINEAR->RELU->LINEAR->SIGMOID, ``layers_dims = (n_x, n_h, n_y)`` (SOFTMAX for n_y >= 2).

    Initialised as the course does (``randn * 0.01``, seed 1). Returns
    ``(parameters, costs)`` with the costs of iterations 0, 100, 200, ...; with
    ``print_cost`` prints ``Cost after iteration i: c`` for those and the last iteration.
    """
    if len(check_layer_dims(layers_dims, "layers_dims")) != 3:
        raise ValueError(f"layers_dims: expected (n_x, n_h, n_y), got {list(layers_dims)}")
    return _fit(X, Y, layers_dims, "small", learning_rate, num_iterations, print_cost, hidden_activation)


def L_layer_model(
    X: Array,
    Y: Array,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    *,
    hidden_activation: str = "relu",
) -> tuple[Parameters, list[float]]:
    """Train [LINEAR->RELU]x(L-1) -> LINEAR -> SIGMOID with ``layers_dims = (n_x, n_1, ..., n_L)``
    (SOFTMAX for n_L >= 2; ``Y`` then one-hot (n_L, m) or class indices).

    Initialised as the course does (``randn / sqrt(n_prev)``, seed 1). Returns
    ``(parameters, costs)`` as :func:`two_layer_model`.
    """
    return _fit(X, Y, layers_dims, "lecun", learning_rate, num_iterations, print_cost, hidden_activation)


@on_the_arrays_device
def predict_proba(X: Array, parameters: Mapping[str, Array], *, hidden_activation: str = "relu") -> Array:
    """The network's output probabilities AL for ``X`` (n_x, m), without caches: (1, m) for
    a sigmoid unit, (C, m) for a softmax layer."""
    check_hidden_activation(hidden_activation)
    xp, L = check_parameters(parameters, X=X)
    return forward_activations(xp, X, parameters, L, hidden_activation=hidden_activation)[L]


@on_the_arrays_device
def predict(X: Array, y: Array, parameters: Mapping[str, Array], *, print_accuracy: bool = True,
            hidden_activation: str = "relu") -> tuple[Array, float]:
    """Predictions (1, m) for ``X`` (n_x, m), and their accuracy, as the course's ``predict``.

    Parameters
    ----------
    X : array (n_x, m)
        The examples.
    y : array
        Their labels: (1, m) or (m,) of 0/1 or class indices, or one-hot (C, m) for a softmax layer.
    parameters : dict
        A trained network's ``W1, b1, ..., WL, bL``.
    print_accuracy : bool, default True
        Print ``Accuracy: ...`` as the course does.
    hidden_activation : str, default "relu"
        The activation the network was trained with.

    Returns
    -------
    p : array (1, m)
        For a sigmoid unit, 1 where the probability exceeds 0.5, else 0; for a softmax layer,
        the index of the most probable class; in X's namespace, device and dtype.
    accuracy : float
        The fraction of ``p`` equal to the labels.
    """
    probabilities = predict_proba(X, parameters, hidden_activation=hidden_activation)
    xp = get_namespace(X=X, y=y)
    p = xp.astype(xp.reshape(predicted_classes_kernel(xp, probabilities), (1, -1)), X.dtype)
    if probabilities.shape[0] > 1 and tuple(y.shape) == tuple(probabilities.shape):  # one-hot labels
        labels = xp.astype(xp.reshape(xp.argmax(y, axis=0), (1, -1)), X.dtype)
    else:
        labels = as_float_labels(xp, y, X, "y")
    accuracy = float(xp.mean(xp.astype(p == labels, X.dtype)))
    if print_accuracy:
        print(f"Accuracy: {accuracy}")
    return p, accuracy

