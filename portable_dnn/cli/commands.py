"""The commands on the course's data: ``train`` on the embedded digits, their parity, the two moons or
the course's cat files (``train()`` with the course's settings by dataset), ``predict`` on images
or points, and ``info``. Your own tables go to :mod:`.own_data`."""

from __future__ import annotations

import argparse
import importlib
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from .._backend import (
    BACKENDS,
    BackendUnavailableError,
    backend_name,
    describe_dtype,
    resolve_device,
    resolve_namespace,
)
from .._backend.transfers import move_to, to_numpy
from .._engine.settings import Settings
from .._outputs import layer_activations, predicted_classes_kernel
from .._summary import summary_text
from .._version import __version__
from ..datasets import Dataset, load_digits, load_digits_parity, load_h5_dataset, load_moons, read_h5_split
from ..estimators.classifier import DeepNeuralNetwork
from ..estimators.regressor import DeepNeuralNetworkRegressor
from ..initialization import initialize_parameters_deep
from ..io import load_metadata, load_parameters, save_parameters
from ..minibatch import hold_out
from ..models import predict_proba
from ..training import TrainingDivergedError, train
from .parser import DATA_DEFAULTS, GENERAL_DEFAULTS, LEARNING_RATES, TASKS, CommandError
from .plots import save_cost_curve, save_decision_boundary, save_image_grid
from .reports import cost_line, warn_if_not_learning, wrote


def placement(args: argparse.Namespace) -> tuple[ModuleType, Any]:
    xp = resolve_namespace(args.backend)
    return xp, resolve_device(xp, args.device)


def _load_dataset(args: argparse.Namespace, xp: ModuleType, device: Any) -> tuple[Dataset, str]:
    if (args.train is None) != (args.test is None):
        raise CommandError("--train and --test go together (the course's two .h5 files)")
    if args.train is not None:
        return load_h5_dataset(args.train, args.test, backend=xp, device=device, dtype=args.dtype), "h5"
    return TASKS[args.data](backend=xp, device=device, dtype=args.dtype), args.data


def class_indices(probabilities: np.ndarray) -> np.ndarray:
    """Predicted class indices (m,) from host probabilities: (1, m) of a sigmoid unit
    (1 above 0.5) or (C, m) of a softmax layer (the most probable)."""
    return np.asarray(predicted_classes_kernel(array_namespace(probabilities), probabilities), dtype=np.int64
                      ).reshape(-1)


def _accuracy(X: Any, Y: Any, parameters: dict[str, Any]) -> tuple[np.ndarray, float]:
    predictions = class_indices(to_numpy(predict_proba(X, parameters)))
    return predictions, float(np.mean(predictions == to_numpy(Y)[0]))


def _setting(args: argparse.Namespace, name: str, source: str) -> Any:
    """A training setting: given on the command line, else the dataset's default."""
    given = getattr(args, name, None)
    return given if given is not None else DATA_DEFAULTS.get(source, GENERAL_DEFAULTS).get(
        name, GENERAL_DEFAULTS.get(name))


def command_train(args: argparse.Namespace, xp: ModuleType, device: Any) -> None:
    """``portable-dnn train`` on the course's data, on ``xp``'s ``device``."""
    data, source = _load_dataset(args, xp, device)
    layers, init, settings = _course_settings(args, data, source)
    parameters = initialize_parameters_deep(
        layers, seed=settings["seed"], init=init, backend=xp, device=device, dtype=data.train_x.dtype
    )
    train_x, train_y = data.train_x, data.train_y
    if args.early_stopping:
        train_x, train_y, settings["validation_data"] = hold_out(train_x, train_y, 0.1, settings["seed"],
                                                                  stratify=to_numpy(train_y).reshape(-1))
        settings["n_iter_no_change"] = 10
    batch = settings["mini_batch_size"]
    if not args.quiet:
        print(f"Training {layers} on {train_x.shape[1]} {source} examples "
              f"({backend_name(xp)}, {device}, {describe_dtype(data.train_x.dtype)}); {settings['optimizer']}, "
              f"learning rate {settings['learning_rate']}" + (f", mini-batches of {batch}" if batch else ""))
    scores: list[float] = []
    if args.early_stopping:
        settings["on_score"] = lambda epoch, score: scores.append(score)
    recorded: list[tuple[int, float]] = []
    parameters, costs = _train_with_progress(args, train_x, train_y, parameters, settings, recorded)
    if scores:
        print(f"Early stopping: {len(scores)} epochs, best validation accuracy {max(scores):.4f} "
              f"(epoch {scores.index(max(scores))}, kept)")
    _, train_accuracy = _accuracy(data.train_x, data.train_y, parameters)
    test_predictions, test_accuracy = _accuracy(data.test_x, data.test_y, parameters)
    print(f"Train accuracy: {train_accuracy:.4f}")
    print(f"Test accuracy: {test_accuracy:.4f}")
    warn_if_not_learning(recorded, train_accuracy, len(data.classes), settings["learning_rate"])
    model_path = save_parameters(
        args.out / "model.npz", parameters, init=init, seed=settings["seed"], learning_rate=settings["learning_rate"],
        num_iterations=settings["num_epochs"], optimizer=settings["optimizer"], mini_batch_size=batch, costs=costs,
        classes=data.classes, image_shape=list(data.image_shape), pixel_max=data.pixel_max, dataset=source,
    )
    title = f"{settings['optimizer']}: train accuracy {train_accuracy:.3f}"
    wrote([model_path, *_pictures(args.out, data, parameters, settings, recorded, test_predictions, title)])


def _course_settings(args: argparse.Namespace, data: Dataset, source: str) -> tuple[list[int], str, dict[str, Any]]:
    """``(layers, init, settings)``: the network and ``train``'s settings for ``data`` from the flags
    and the dataset's defaults, checked before training."""
    n_x = data.train_x.shape[0]
    outputs = 1 if len(data.classes) == 2 else len(data.classes)
    layers = args.layers or [n_x, *_setting(args, "hidden", source), outputs]
    if layers[0] != n_x or layers[-1] != outputs:
        raise CommandError(f"--layers must start with the input size {n_x} and end with {outputs} "
                           f"(the output units for {len(data.classes)} classes), got {layers}")
    settings = {"learning_rate": args.learning_rate or LEARNING_RATES[source],
                "num_epochs": _setting(args, "iterations", source), "optimizer": args.optimizer or "gd",
                "mini_batch_size": _setting(args, "mini_batch_size", source) or None, "lambd": args.lambd or 0.0,
                "keep_prob": args.keep_prob, "decay_rate": args.decay_rate, "time_interval": args.time_interval,
                "seed": _setting(args, "seed", source)}
    Settings(**{key: value for key, value in settings.items() if key != "num_epochs"})  # refused before training
    return layers, _setting(args, "init", source), settings


def _pictures(out: Path, data: Dataset, parameters: dict[str, Any], settings: dict[str, Any],
              recorded: list[tuple[int, float]], test_predictions: np.ndarray, title: str) -> list[Path]:
    """The run's pictures in ``out``: the cost curve, the decision boundary (2-D points) and the
    misclassified test images (images)."""
    unit = "epoch" if settings["mini_batch_size"] else "iteration"
    curve_title = f"{settings['optimizer']}, learning rate {settings['learning_rate']}"
    epochs, recorded_costs = [epoch for epoch, _ in recorded], [cost for _, cost in recorded]
    written = [save_cost_curve(out / "cost_curve.png", epochs, recorded_costs, curve_title, unit)]
    test_labels = to_numpy(data.test_y)[0]
    if data.train_x.shape[0] == 2:
        written.append(save_decision_boundary(
            out / "decision_boundary.png", lambda points: _host_classes(points, parameters),
            to_numpy(data.train_x), to_numpy(data.train_y)[0], title=title))
    if data.image_shape:
        wrong = np.flatnonzero(test_predictions != test_labels)
        written.append(save_image_grid(
            out / "misclassified.png", to_numpy(data.test_x).T[wrong], data.image_shape,
            [f"predicted: {data.classes[int(test_predictions[i])]}\ntrue: {data.classes[int(test_labels[i])]}"
             for i in wrong],
            title=f"{len(wrong)} misclassified test images",
        ))
    return written


def _host_classes(points: np.ndarray, parameters: dict[str, Any]) -> np.ndarray:
    """Class indices (k,) the network gives host points (2, k), computed where it lives."""
    W1 = parameters["W1"]
    X = move_to(points, array_namespace(W1), device(W1), W1.dtype)
    return class_indices(to_numpy(predict_proba(X, parameters)))


def _train_with_progress(
    args: argparse.Namespace, X: Any, Y: Any, parameters: dict[str, Any], settings: dict[str, Any],
    recorded: list[tuple[int, float]],
) -> tuple[dict[str, Any], list[float]]:
    """``train`` with a progress bar and cost lines (unless ``--quiet``); each reported ``(epoch, cost)``
    (every 100th and the last) appended to ``recorded``."""
    unit = "epoch" if settings["mini_batch_size"] else "iteration"
    try:
        if args.quiet:
            return train(X, Y, parameters, **settings, on_cost=lambda i, cost: recorded.append((i, cost)))
        from tqdm import tqdm  # the cli extra's

        with tqdm(total=settings["num_epochs"], unit=unit[:2], desc="training", dynamic_ncols=True) as bar:

            def on_cost(i: int, cost: float) -> None:
                recorded.append((i, cost))
                bar.set_postfix(cost=f"{cost:.6f}", refresh=False)
                tqdm.write(cost_line(unit, i, cost))

            return train(X, Y, parameters, **settings, on_iteration=lambda i: bar.update(1), on_cost=on_cost)
    except TrainingDivergedError as error:
        raise CommandError(f"{error}; nothing was saved") from None


def _read_images(data: str, metadata: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """Host images (m, n_x) scaled to [0, 1], and labels if the data has them."""
    pixel_max = float(metadata.get("pixel_max", 255.0))
    if data == "digits":
        dataset = load_digits() if metadata["layer_dims"][-1] > 1 else load_digits_parity()
        return to_numpy(dataset.test_x).T, to_numpy(dataset.test_y)[0]
    if data == "moons":
        dataset = load_moons()
        return to_numpy(dataset.test_x).T, to_numpy(dataset.test_y)[0]
    path = Path(data)
    if path.suffix in (".h5", ".hdf5"):
        for split in ("test", "train"):
            try:
                images, labels, _ = read_h5_split(path, split)
            except ValueError as error:
                if "missing dataset" in str(error):
                    continue
                raise
            return images.reshape(len(images), -1) / pixel_max, labels
        raise CommandError(f"{path}: holds neither test_set_x/test_set_y nor train_set_x/train_set_y")
    if path.suffix == ".npy":
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        images = np.load(path, allow_pickle=False)
        flat = images.reshape(len(images), -1)
        return (flat / pixel_max if images.dtype == np.uint8 else flat.astype(np.float64)), None
    raise CommandError(f"{data}: expected a course .h5 file, an .npy of images, 'digits' or 'moons'")


def command_predict(args: argparse.Namespace, metadata: dict[str, Any], xp: ModuleType, device: Any) -> None:
    """``portable-dnn predict MODEL DATA`` with a model of ``train`` on the course's data."""
    parameters = load_parameters(args.model, backend=xp, device=device, dtype=args.dtype)
    images, labels = _read_images(args.data, metadata)
    n_x = metadata["layer_dims"][0]
    if images.shape[1] != n_x:
        raise CommandError(f"{args.data}: images have {images.shape[1]} values each, the model expects {n_x}")
    X = xp.asarray(images.T.astype(to_numpy(parameters["W1"]).dtype), device=device)
    probabilities = to_numpy(predict_proba(X, parameters))
    predicted = class_indices(probabilities)
    # p: the predicted class's probability (a sigmoid unit gives that of class 1)
    shown = np.where(predicted == 1, probabilities[0], 1.0 - probabilities[0]) if len(probabilities) == 1 \
        else probabilities.max(axis=0)
    classes = metadata.get("classes") or [str(k) for k in range(max(2, len(probabilities)))]
    for i, (k, p) in enumerate(zip(predicted, shown, strict=True)):
        print(f"{i}: {classes[k]} (p={p:.4f})")
    if labels is not None:
        print(f"Accuracy: {float(np.mean(predicted == labels)):.4f}")


def command_info(args: argparse.Namespace) -> None:
    """``portable-dnn info``: the version, and each backend's library and devices."""
    print(f"portable_dnn {__version__}")
    for name in BACKENDS:
        try:
            xp = resolve_namespace(name)
            with warnings.catch_warnings():  # a library's own notices about its device types are not ours to print
                warnings.simplefilter("ignore")
                devices = list(xp.__array_namespace_info__().devices())
            library = importlib.import_module(name.split(".")[0])
            listed = ", ".join(map(str, devices)) or "none"
            status = f"{getattr(library, '__version__', '?')}; devices: {listed}"
        except BackendUnavailableError:
            status = "not installed"
        except Exception as error:  # a library present but unusable (no CUDA driver, ...)
            status = f"unavailable ({type(error).__name__}: {error})"
        print(f"  {name:<17} {status}")


def model_summary(path: Path) -> str:
    """The summary of the model file ``path`` (an estimator's, or one of ``train`` on the course's data)."""
    metadata = load_metadata(path)
    kind = metadata.get("kind")
    if kind is not None:
        estimator = DeepNeuralNetworkRegressor if kind == "DeepNeuralNetworkRegressor" else DeepNeuralNetwork
        lines: list[str] = []
        estimator.load(path).summary(print_fn=lines.append)
        return "\n".join(lines)
    layer_dims = metadata["layer_dims"]
    activations = metadata.get("activations") or layer_activations(len(layer_dims) - 1, layer_dims[-1])
    classes = metadata.get("classes")
    return summary_text(f"L_layer_model ({path.name})", layer_dims, activations, loss="cross_entropy",
                        dtype=metadata.get("dtype", "float64"), device="(a file: loaded where predict runs)",
                        notes=[f"Classes: {', '.join(map(str, classes))}"] if classes else [])
