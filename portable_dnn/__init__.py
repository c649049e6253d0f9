"""portable_dnn: the "deep neural network step by step" network on any array API backend.

The same functions run on NumPy, CuPy, array-api-strict (and other array API
libraries): every function takes its namespace and device from its array arguments.
"""

from ._backend import BACKENDS, BackendUnavailableError, resolve_device, resolve_namespace
from ._backend.transfers import move_to, to_numpy
from ._version import __version__ as __version__
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
from .datasets import Dataset, load_digits, load_digits_parity, load_h5_dataset, load_moons
from .estimators.classifier import DeepNeuralNetwork
from .estimators.regressor import DeepNeuralNetworkRegressor
from .export.onnx_graph import to_onnx
from .gradient_check import dictionary_to_vector, gradient_check_n, gradients_to_vector, vector_to_dictionary
from .initialization import INIT_SCHEMES, initialize_parameters, initialize_parameters_deep
from .io import load_metadata, load_parameters, load_state, save_parameters
from .minibatch import random_mini_batches
from .models import L_layer_model, predict, predict_proba, two_layer_model
from .optimizers import (
    OPTIMIZERS,
    OptimizerState,
    initialize_adam,
    initialize_velocity,
    schedule_lr_decay,
    update_lr,
    update_parameters,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
    update_parameters_with_sgd,
)
from .propagation import (
    L_model_backward,
    L_model_forward,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from .regularization import compute_cost_with_regularization
from .training import TrainingDivergedError, train

__all__ = [
    "ACTIVATIONS",
    "BACKENDS",
    "HIDDEN_ACTIVATIONS",
    "INIT_SCHEMES",
    "OPTIMIZERS",
    "BackendUnavailableError",
    "Dataset",
    "DeepNeuralNetwork",
    "DeepNeuralNetworkRegressor",
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "OptimizerState",
    "TrainingDivergedError",
    "compute_cost",
    "compute_cost_with_regularization",
    "dictionary_to_vector",
    "gradient_check_n",
    "gradients_to_vector",
    "initialize_adam",
    "initialize_parameters",
    "initialize_parameters_deep",
    "initialize_velocity",
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
    "load_moons",
    "load_parameters",
    "load_state",
    "move_to",
    "one_hot",
    "predict",
    "predict_proba",
    "random_mini_batches",
    "relu",
    "relu_backward",
    "resolve_device",
    "resolve_namespace",
    "save_parameters",
    "schedule_lr_decay",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
    "to_numpy",
    "to_onnx",
    "train",
    "two_layer_model",
    "update_lr",
    "update_parameters",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
    "update_parameters_with_sgd",
    "vector_to_dictionary",
]
