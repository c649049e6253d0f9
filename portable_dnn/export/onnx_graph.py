"""A fitted network as an ONNX graph: :func:`to_onnx`, and the layers and heads it is made of
(:func:`add_network`), written once for ONNX's own builder and for skl2onnx's converters
(:mod:`portable_dnn.onnx`).

Each layer is one ``Gemm`` (``X @ W.T + b``: the course's ``W{l}`` is (out, in), so ``transB=1``)
and its activation. A classifier's head gives ``label`` (its ``predict``) and ``probabilities``
(its ``predict_proba``); a regressor's gives ``variable`` (``[None, n_outputs]``).
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .._backend.transfers import to_numpy
from .._outputs import layer_activations, output_activation
from .._parameters import num_layers
from .._version import __version__
from ..activations import LEAKY_SLOPE
from ..estimators.classifier import DeepNeuralNetwork
from ..estimators.model_files import model_settings
from ..estimators.regressor import DeepNeuralNetworkRegressor
from ..io import load_metadata, load_parameters

#: The opset :func:`to_onnx` writes by default (ONNX 1.12, 2022: every current runtime reads it), and
#: the oldest it writes (``Softmax`` over one axis, as ``predict_proba`` takes it, came in 13).
DEFAULT_OPSET, OLDEST_OPSET = 17, 13

#: Each activation's ONNX operator and attributes (identity: none).
ONNX_ACTIVATIONS: dict[str, tuple[str, dict[str, Any]] | None] = {
    "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": LEAKY_SLOPE}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "identity": None,
    "exp": ("Exp", {}),
    "softmax": ("Softmax", {"axis": 1}),
}

#: The NumPy dtypes the graph computes in, by the names ``to_onnx`` takes.
GRAPH_DTYPES: dict[str, np.dtype[Any]] = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


class GraphBuilder(Protocol):
    """Where the graph's nodes and constants go: ONNX's helper (:class:`OnnxBuilder`) or skl2onnx's container."""

    def constant(self, stem: str, value: np.ndarray) -> str:
        """A constant (initializer) named after ``stem``; returns its name."""

    def node(self, op: str, inputs: list[str], output: str | None = None, **attributes: Any) -> str:
        """An ``op`` node of ``inputs``, writing ``output`` (None: a new name); returns the output's name."""


@dataclass(frozen=True)
class Network:
    """A fitted model's layers on the host in the graph's ``dtype``: ``weights[l-1]`` is ``W{l}``
    (out, in), ``biases[l-1]`` is ``b{l}`` flattened (out,); and what its head gives."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    hidden_activation: str
    output_activation: str
    #: "binary", "multiclass", "multilabel" or "regression".
    head: str
    #: A classifier's labels as the graph gives them (int64 or str), else None.
    classes: np.ndarray | None

    @classmethod
    def of(cls, model: Any, dtype: Any) -> Network:
        """``model``'s network (a fitted :class:`DeepNeuralNetwork` or :class:`DeepNeuralNetworkRegressor`)."""
        if not isinstance(model, (DeepNeuralNetwork, DeepNeuralNetworkRegressor)):
            raise TypeError(f"model: expected a fitted DeepNeuralNetwork or DeepNeuralNetworkRegressor, got "
                            f"{type(model).__name__}")
        model._check_fitted()
        parameters = model.parameters_
        L = num_layers(parameters)
        weights = [to_numpy(parameters[f"W{l}"]).astype(dtype) for l in range(1, L + 1)]
        biases = [to_numpy(parameters[f"b{l}"]).reshape(-1).astype(dtype) for l in range(1, L + 1)]
        targets = model._fitted_targets()
        units = weights[-1].shape[0]
        if isinstance(model, DeepNeuralNetworkRegressor):
            head, classes = "regression", None
        elif model.multilabel_:
            head, classes = "multilabel", None
        else:
            head, classes = "binary" if units == 1 else "multiclass", graph_labels(model.classes_)
        return cls(weights, biases, model.hidden_activation, output_activation(units, targets.loss), head, classes)


def graph_labels(classes: np.ndarray) -> np.ndarray:
    """A classifier's ``classes_`` as an ONNX label tensor holds them: numbers (whole: the classifier
    refuses others) and booleans as int64, anything else (strings, objects) as strings."""
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64)
    return np.asarray([str(label) for label in classes], dtype=object)


def add_network(graph: GraphBuilder, network: Network, X: str, outputs: dict[str, str]) -> None:
    """The layers of ``network`` from input ``X`` ([None, n_features], the network's dtype), then its
    head, writing ``outputs["label"]`` and ``outputs["probabilities"]`` (a classifier) or
    ``outputs["variable"]`` (a regressor)."""
    A = X
    L = len(network.weights)
    # The output layer writes the head's array output itself: a regressor's values, or the
    # probabilities of a softmax or of multilabel sigmoid units (a binary unit's feed two columns).
    last_output = {"regression": "variable", "multiclass": "probabilities", "multilabel": "probabilities"}
    for l, (W, b) in enumerate(zip(network.weights, network.biases, strict=True), start=1):
        Z = graph.node("Gemm", [A, graph.constant(f"W{l}", W), graph.constant(f"b{l}", b)], transB=1)
        name = network.hidden_activation if l < L else network.output_activation
        output = outputs[last_output[network.head]] if l == L and network.head in last_output else None
        A = _activate(graph, name, Z, output, W.dtype)
    if network.head == "regression":
        return
    dtype = network.weights[0].dtype
    labels_are_indices = network.classes is not None and network.classes.dtype == np.int64 and \
        np.array_equal(network.classes, np.arange(len(network.classes)))
    index_output = outputs["label"] if labels_are_indices else None
    if network.head == "multiclass":
        index = graph.node("ArgMax", [A], index_output, axis=1, keepdims=0)  # the first of ties, as xp's
    else:  # sigmoid units: above one half, as predict's
        above = graph.node("Greater", [A, graph.constant("half", np.asarray(0.5, dtype=dtype))])
        if network.head == "multilabel":
            graph.node("Cast", [above], outputs["label"], to=INT64)
            return
        negative = graph.node("Sub", [graph.constant("one", np.asarray(1.0, dtype=dtype)), A])
        graph.node("Concat", [negative, A], outputs["probabilities"], axis=1)
        flat = graph.node("Reshape", [above, graph.constant("flat", np.asarray([-1], dtype=np.int64))])
        index = graph.node("Cast", [flat], index_output, to=INT64)
    if not labels_are_indices:
        assert network.classes is not None
        graph.node("Gather", [graph.constant("classes", network.classes), index], outputs["label"], axis=0)


#: ONNX's TensorProto.INT64 (the label's type; a constant, so that building needs no ``onnx`` import).
INT64 = 7


def _activate(graph: GraphBuilder, name: str, Z: str, output: str | None, dtype: np.dtype) -> str:
    """``name``'s activation of ``Z`` (``dtype``), written to ``output`` (None: a new name)."""
    operator = ONNX_ACTIVATIONS[name]
    if operator is None:
        return graph.node("Identity", [Z], output) if output is not None else Z
    if name == "leaky_relu" and dtype != np.float32:  # LeakyRelu's alpha is a float32: max(Z, slope Z) exactly
        scaled = graph.node("Mul", [Z, graph.constant("slope", np.asarray(LEAKY_SLOPE, dtype=dtype))])
        return graph.node("Max", [Z, scaled], output)
    op, attributes = operator
    return graph.node(op, [Z], output, **attributes)


class OnnxBuilder:
    """:class:`GraphBuilder` on ONNX's helper: the nodes and initializers of one graph, each name unique."""

    def __init__(self, onnx: Any) -> None:
        self.onnx = onnx
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.taken: set[str] = {"X", "label", "probabilities", "variable"}

    def _unique(self, stem: str) -> str:
        name, count = stem, 1
        while name in self.taken:
            count += 1
            name = f"{stem}_{count}"
        self.taken.add(name)
        return name

    def constant(self, stem: str, value: np.ndarray) -> str:
        name = self._unique(stem)
        self.initializers.append(self.onnx.numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], output: str | None = None, **attributes: Any) -> str:
        output = output if output is not None else self._unique(op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [output], name=self._unique(f"{op}_node"),
                                                     **attributes))
        return output


def import_onnx(purpose: str) -> Any:
    """The ``onnx`` package, or an ImportError saying how to install it for ``purpose``."""
    try:
        return importlib.import_module("onnx")
    except ImportError as error:
        raise ImportError(f"{purpose} needs the onnx package: pip install 'portable_dnn[onnx]'") from error


def check_opset(onnx: Any, target_opset: Any) -> int:
    """The opset to write: ``target_opset`` (None: :data:`DEFAULT_OPSET`), between 13 and ONNX's newest."""
    newest = int(onnx.defs.onnx_opset_version())
    if target_opset is None:
        return min(DEFAULT_OPSET, newest)
    if isinstance(target_opset, bool) or not isinstance(target_opset, (int, np.integer)):
        raise TypeError(f"target_opset: expected an int or None, got {target_opset!r}")
    if not OLDEST_OPSET <= target_opset <= newest:
        raise ValueError(f"target_opset: expected an opset from {OLDEST_OPSET} to {newest} (this onnx's newest), "
                         f"got {target_opset}")
    return int(target_opset)


def check_graph_dtype(dtype: Any) -> np.dtype[Any]:
    """The graph's float dtype from ``"float32"``/``"float64"`` (or the NumPy dtypes)."""
    try:
        key = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    except TypeError:
        key = ""
    if key not in GRAPH_DTYPES:
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    return GRAPH_DTYPES[str(key)]


def to_onnx(model: Any, *, dtype: Any = "float32", target_opset: int | None = None) -> Any:
    """The fitted ``model`` (a :class:`~portable_dnn.DeepNeuralNetwork`, binary, multi-class or
    multilabel, or a :class:`~portable_dnn.DeepNeuralNetworkRegressor`, trained on any backend) as
    an ``onnx.ModelProto`` computing in ``dtype`` (``"float32"`` or ``"float64"``).

    Input ``X``: [None, n_features]. A classifier's outputs: ``label`` ([None], or [None, n_classes]
    for multilabel; int64, or strings for string classes) as ``predict`` gives them, and
    ``probabilities`` ([None, n_classes]) as ``predict_proba``; a regressor's: ``variable``
    ([None, n_outputs]). ``target_opset``: the ONNX opset (default 17; 13 at the oldest). The model's
    metadata records this library's version, the estimator and its settings.
    """
    onnx = import_onnx("to_onnx")
    network = Network.of(model, check_graph_dtype(dtype))
    return network_model(onnx, network, type(model).__name__, model_metadata(model), check_opset(onnx, target_opset))


def network_model(onnx: Any, network: Network, title: str, metadata: dict[str, str], opset: int) -> Any:
    """The checked ``onnx.ModelProto`` of ``network`` (input ``X``; see :func:`to_onnx`), the graph
    named ``title``, with ``metadata``."""
    helper, element = onnx.helper, onnx.helper.np_dtype_to_tensor_dtype(network.weights[0].dtype)
    builder = OnnxBuilder(onnx)
    add_network(builder, network, "X", {"label": "label", "probabilities": "probabilities", "variable": "variable"})
    n_features, units = network.weights[0].shape[1], network.weights[-1].shape[0]
    if network.head == "regression":
        outputs = [helper.make_tensor_value_info("variable", element, [None, units])]
    else:
        classes = units if network.head != "binary" else 2
        label_type = onnx.TensorProto.STRING if network.classes is not None and network.classes.dtype == object \
            else onnx.TensorProto.INT64
        outputs = [helper.make_tensor_value_info("label", label_type,
                                                 [None, classes] if network.head == "multilabel" else [None]),
                   helper.make_tensor_value_info("probabilities", element, [None, classes])]
    graph = helper.make_graph(builder.nodes, title, [helper.make_tensor_value_info("X", element, [None, n_features])],
                              outputs, builder.initializers)
    opsets = [helper.make_opsetid("", opset)]
    onnx_model = helper.make_model(graph, opset_imports=opsets, producer_name="portable_dnn",
                                   producer_version=__version__, ir_version=helper.find_min_ir_version_for(opsets),
                                   doc_string=f"A {title} exported by portable_dnn {__version__}")
    helper.set_model_props(onnx_model, metadata)
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model


def export_file(path: str | os.PathLike[str], out: str | os.PathLike[str], *, dtype: Any = "float32",
                target_opset: int | None = None) -> Path:
    """Write the model file ``path`` (an estimator's ``save``, or ``portable-dnn train``'s on the
    course's data) as ONNX to ``out``; returns ``out``. A course model's input is what it trains on:
    each example's values as a row, images flattened and scaled to [0, 1] (``pixel_max`` in its metadata)."""
    onnx = import_onnx("exporting to ONNX")
    graph_dtype, opset = check_graph_dtype(dtype), check_opset(onnx, target_opset)
    saved = load_metadata(path)
    kind = saved.get("kind")
    if kind is not None:  # an estimator's file
        estimator = DeepNeuralNetworkRegressor if kind == "DeepNeuralNetworkRegressor" else DeepNeuralNetwork
        model = estimator.load(path)
        proto = network_model(onnx, Network.of(model, graph_dtype), kind, model_metadata(model), opset)
    else:
        parameters = {key: to_numpy(value) for key, value in load_parameters(path).items()}
        L = num_layers(parameters)
        activations = saved.get("activations") or layer_activations(L, parameters[f"W{L}"].shape[0])
        units = parameters[f"W{L}"].shape[0]
        classes = saved.get("classes") or [str(k) for k in range(max(2, units))]
        network = Network([parameters[f"W{l}"].astype(graph_dtype) for l in range(1, L + 1)],
                          [parameters[f"b{l}"].reshape(-1).astype(graph_dtype) for l in range(1, L + 1)],
                          activations[0] if L > 1 else "identity", activations[-1],
                          "binary" if units == 1 else "multiclass", graph_labels(np.asarray(classes)))
        metadata = {"portable_dnn.version": __version__, "portable_dnn.estimator": "L_layer_model",
                    "portable_dnn.layer_dims": _json(saved["layer_dims"]),
                    "portable_dnn.classes": _json([str(label) for label in classes]),
                    "portable_dnn.settings": _json({key: value for key, value in saved.items()
                                                    if key not in ("costs", "classes", "layer_dims", "format")})}
        proto = network_model(onnx, network, "L_layer_model", metadata, opset)
    Path(out).write_bytes(proto.SerializeToString())
    return Path(out)


def model_metadata(model: Any) -> dict[str, str]:
    """What an exported model records of ``model``: the library's version, the estimator, its layers
    and settings (JSON), a classifier's classes, and the feature names it was fitted with."""
    metadata = {"portable_dnn.version": __version__, "portable_dnn.estimator": type(model).__name__,
                "portable_dnn.layer_dims": json.dumps([int(n) for n in model.layer_dims_]),
                "portable_dnn.settings": _json(model_settings(model))}
    if isinstance(model, DeepNeuralNetwork):
        metadata["portable_dnn.classes"] = _json(np.asarray(model.classes_).tolist())
    names = getattr(model, "feature_names_in_", None)
    if names is not None:  # X's columns, in order
        metadata["portable_dnn.feature_names"] = _json([str(name) for name in names])
    return metadata


def _json(value: Any) -> str:
    """``value`` as JSON (what JSON cannot hold, as its ``repr``)."""
    try:
        return json.dumps(value, sort_keys=True, default=repr)
    except TypeError:  # keys JSON cannot hold (a class_weight keyed by NumPy numbers)
        return json.dumps(repr(value))
