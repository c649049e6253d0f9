"""The scikit-learn-style estimators: what they share (:mod:`.base`), the classifier and the
regressor. They build on the engine and the model files; the command line builds on them."""

from .classifier import DeepNeuralNetwork
from .regressor import DeepNeuralNetworkRegressor

__all__ = ["DeepNeuralNetwork", "DeepNeuralNetworkRegressor"]
