"""portable_dnn: the "deep neural network step by step" network on any array API backend.

The same functions run on NumPy, CuPy, array-api-strict (and other array API
libraries): every function takes its namespace and device from its array arguments.
"""

__version__ = "0.1.0"

from ._backend import BACKENDS, BackendUnavailableError, resolve_device, resolve_namespace
from .activations import (
    ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    tanh,
    tanh_backward,
)
from .cost import compute_cost, one_hot
from .datasets import Dataset, load_digits, load_digits_parity, load_h5_dataset
from .estimator import DeepNeuralNetwork
from .initialization import INIT_SCHEMES, initialize_parameters, initialize_parameters_deep
from .io import load_metadata, load_parameters, move_to, save_parameters, to_numpy
from .models import L_layer_model, predict, predict_proba, two_layer_model
from .optim import update_parameters
from .propagation import (
    L_model_backward,
    L_model_forward,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from .training import TrainingDivergedError, train

__all__ = [
    "ACTIVATIONS",
    "BACKENDS",
    "HIDDEN_ACTIVATIONS",
    "INIT_SCHEMES",
    "BackendUnavailableError",
    "Dataset",
    "DeepNeuralNetwork",
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "TrainingDivergedError",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "leaky_relu",
    "leaky_relu_backward",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "load_digits",
    "load_digits_parity",
    "load_h5_dataset",
    "load_metadata",
    "load_parameters",
    "move_to",
    "one_hot",
    "predict",
    "predict_proba",
    "relu",
    "relu_backward",
    "resolve_device",
    "resolve_namespace",
    "save_parameters",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
    "to_numpy",
    "train",
    "two_layer_model",
    "update_parameters",
]
