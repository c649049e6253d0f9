"""An estimator's model file: its parameters, optimiser state, constructor settings and targets in
the library's ``.npz`` format (:mod:`portable_dnn.io`), written atomically and loaded onto any
backend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .._backend import resolve_placement
from ..io import load_metadata, load_parameters, load_state, save_parameters
from ..optimizers import OptimizerState

Model = TypeVar("Model")


def model_settings(model: Any) -> dict[str, Any]:
    """The constructor settings a model file records (all but the placement), as JSON takes them."""
    settings = {k: v for k, v in model.get_params().items() if k not in ("device", "dtype")}
    settings["hidden_layers"] = list(settings["hidden_layers"])
    return settings


def save_model(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save the fitted ``model`` to ``path`` (see ``save``)."""
    settings = model_settings(model)
    state = model.optimizer_state_
    arrays = {**{f"v.{key}": value for key, value in state.v.items()},
              **{f"s.{key}": value for key, value in state.s.items()}}
    targets = model._fitted_targets()
    names = getattr(model, "feature_names_in_", None)
    extra = {} if names is None else {"feature_names": [str(name) for name in names]}
    return save_parameters(path, model.parameters_, hidden_activation=model.hidden_activation,
                           init=model._init_scheme(), estimator=settings, costs=list(model.costs_),
                           loss=targets.loss, kind=type(model).__name__, state=arrays,
                           optimizer_state={"t": state.t, "epochs": state.epochs, "samples": state.samples,
                                            "learning_rate": state.learning_rate}, **targets.metadata(), **extra)


def load_model(cls: type[Model], path: str | os.PathLike[str], device: Any = None, dtype: Any = None) -> Model:
    """A fitted ``cls`` from :func:`save_model`'s file, placed on ``device`` (default: NumPy, CPU)."""
    metadata = load_metadata(path)
    kind = metadata.get("kind", "DeepNeuralNetwork")  # files from before the regressor: classifiers
    if kind != cls.__name__:
        raise ValueError(f"{path}: holds a {kind} trained for {metadata.get('loss')}, not a {cls.__name__}; "
                         "load it with its own class")
    xp, where = resolve_placement(device)
    settings = dict(metadata.get("estimator", {}))
    if "hidden_layers" in settings:
        settings["hidden_layers"] = tuple(settings["hidden_layers"])
    model: Any = cls(**settings, device=device, dtype=dtype)  # type: ignore[call-arg]
    parameters = load_parameters(path, backend=xp, device=where, dtype=dtype)
    arrays = load_state(path, backend=xp, device=where, dtype=parameters["W1"].dtype)
    counts = metadata.get("optimizer_state", {})
    state = OptimizerState(
        v={key[2:]: value for key, value in arrays.items() if key.startswith("v.")},
        s={key[2:]: value for key, value in arrays.items() if key.startswith("s.")},
        t=int(counts.get("t", 0)), epochs=int(counts.get("epochs", 0)), samples=int(counts.get("samples", 0)),
        learning_rate=counts.get("learning_rate"),
    )
    model._set_fitted(parameters, metadata.get("costs", []), metadata["layer_dims"],
                      model._targets.from_metadata(metadata), state)
    if "feature_names" in metadata:
        model.feature_names_in_ = np.asarray(metadata["feature_names"], dtype=object)
    return model  # type: ignore[no-any-return]
