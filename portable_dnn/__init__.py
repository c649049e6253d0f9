"""portable_dnn: the "deep neural network step by step" network on any array API backend.

The same functions run on NumPy, CuPy, array-api-strict (and other array API
libraries): every function takes its namespace and device from its array arguments.
"""

__version__ = "0.1.0"

from ._backend import BACKENDS, BackendUnavailableError, resolve_device, resolve_namespace
from .activations import ACTIVATIONS, relu, relu_backward, sigmoid, sigmoid_backward
from .cost import compute_cost
from .initialization import INIT_SCHEMES, initialize_parameters, initialize_parameters_deep
from .io import to_numpy
from .optim import update_parameters
from .propagation import (
    L_model_backward,
    L_model_forward,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)

__all__ = [
    "ACTIVATIONS",
    "BACKENDS",
    "INIT_SCHEMES",
    "BackendUnavailableError",
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "relu",
    "relu_backward",
    "resolve_device",
    "resolve_namespace",
    "sigmoid",
    "sigmoid_backward",
    "to_numpy",
    "update_parameters",
]
