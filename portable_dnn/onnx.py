"""ONNX export: :func:`to_onnx` for one fitted model, and, on import, converters registered with
skl2onnx, so that ``skl2onnx.to_onnx`` converts a pipeline that ends in a
:class:`~portable_dnn.DeepNeuralNetwork` or :class:`~portable_dnn.DeepNeuralNetworkRegressor`::

    import portable_dnn.onnx  # registers the converters
    from skl2onnx import to_onnx
    onx = to_onnx(make_pipeline(StandardScaler(), DeepNeuralNetwork()).fit(X, y), X[:1].astype("float32"),
                  options={"zipmap": False})

As for skl2onnx's classifiers, the options ``zipmap`` (by default a ZipMap of the probabilities)
and ``nocl`` (True: the labels are the class indices) apply. The outputs are named as skl2onnx names
``MLPClassifier``'s (``label``, ``probabilities``) and ``MLPRegressor``'s (``variable``); they compute
in the input's float type (float32, or float64 for a double input). Needs the ``onnx`` extra:
``pip install 'portable_dnn[onnx]'``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .estimators.classifier import DeepNeuralNetwork
from .estimators.regressor import DeepNeuralNetworkRegressor
from .export.onnx_graph import Network, add_network, import_onnx, to_onnx

__all__ = ["register_converters", "to_onnx"]


class _ContainerBuilder:
    """:class:`~.export.onnx_graph.GraphBuilder` on skl2onnx's scope (names) and container (nodes)."""

    def __init__(self, scope: Any, container: Any) -> None:
        self.scope, self.container = scope, container

    def constant(self, stem: str, value: np.ndarray) -> str:
        onnx = import_onnx("portable_dnn.onnx")
        name: str = self.scope.get_unique_variable_name(stem)
        if value.dtype == object:
            self.container.add_initializer(name, onnx.TensorProto.STRING, list(value.shape),
                                           [str(label).encode("utf-8") for label in value.ravel()])
        else:
            self.container.add_initializer(name, onnx.helper.np_dtype_to_tensor_dtype(value.dtype),
                                           list(value.shape), value.ravel().tolist())
        return name

    def node(self, op: str, inputs: list[str], output: str | None = None, **attributes: Any) -> str:
        output = output if output is not None else str(self.scope.get_unique_variable_name(op.lower()))
        self.container.add_node(op, inputs, output, name=self.scope.get_unique_operator_name(op), **attributes)
        return output


def _network_input(scope: Any, operator: Any, container: Any) -> tuple[str, np.dtype]:
    """The operator's input as the graph computes on it: a float32 or float64 input as it is, anything
    else cast to float32 (as skl2onnx's MLPs)."""
    onnx = import_onnx("portable_dnn.onnx")
    element = operator.inputs[0].type.to_onnx_type().tensor_type.elem_type
    if element == onnx.TensorProto.DOUBLE:
        return operator.inputs[0].full_name, np.dtype(np.float64)
    if element == onnx.TensorProto.FLOAT:
        return operator.inputs[0].full_name, np.dtype(np.float32)
    cast = scope.get_unique_variable_name("cast_input")
    container.add_node("Cast", [operator.inputs[0].full_name], cast, to=onnx.TensorProto.FLOAT,
                       name=scope.get_unique_operator_name("Cast"))
    return cast, np.dtype(np.float32)


def _convert(scope: Any, operator: Any, container: Any) -> None:
    """skl2onnx's converter for both estimators: the network (:func:`~.export.onnx_graph.add_network`)
    writing the operator's outputs."""
    X, dtype = _network_input(scope, operator, container)
    network = Network.of(operator.raw_operator, dtype)
    if network.classes is not None and scope.get_options(operator.raw_operator, {"nocl": False})["nocl"]:
        network = replace(network, classes=np.arange(len(network.classes), dtype=np.int64))  # labels: class indices
    names = [output.full_name for output in operator.outputs]
    outputs = {"variable": names[0]} if network.head == "regression" else \
        {"label": names[0], "probabilities": names[1]}
    add_network(_ContainerBuilder(scope, container), network, X, outputs)


def _regressor_shapes(operator: Any) -> None:
    """skl2onnx's shape calculator for the regressor: ``variable`` [N, n_outputs_] in the input's float type."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    kind = DoubleTensorType if isinstance(operator.inputs[0].type, DoubleTensorType) else FloatTensorType
    operator.outputs[0].type = kind([operator.inputs[0].get_first_dimension(), operator.raw_operator.n_outputs_])


def register_converters() -> None:
    """Register both estimators with skl2onnx (done on import; again is harmless)."""
    try:
        from skl2onnx import update_registered_converter
        from skl2onnx._supported_operators import sklearn_classifier_list
        from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
    except ImportError as error:
        raise ImportError("portable_dnn.onnx needs skl2onnx: pip install 'portable_dnn[onnx]'") from error
    if DeepNeuralNetwork not in sklearn_classifier_list:  # its parser's test for two outputs (label, probabilities)
        sklearn_classifier_list.append(DeepNeuralNetwork)
    update_registered_converter(DeepNeuralNetwork, "PortableDnnDeepNeuralNetwork",
                                calculate_linear_classifier_output_shapes, _convert,
                                options={"zipmap": [True, False, "columns"], "nocl": [False, True]})
    update_registered_converter(DeepNeuralNetworkRegressor, "PortableDnnDeepNeuralNetworkRegressor",
                                _regressor_shapes, _convert)


register_converters()
