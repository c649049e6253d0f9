"""portable-dnn: train, predict and list backends from the command line.

    portable-dnn train                  # the default network on the embedded digits (10 classes)
    portable-dnn train --data parity    # the same images, even vs odd (one sigmoid unit)
    portable-dnn train --data moons --optimizer adam   # the course's two moons, mini-batch Adam
    portable-dnn train --train train_catvnoncat.h5 --test test_catvnoncat.h5
    portable-dnn train --data my.csv --target label     # your own table (.csv, .npy, .npz, .h5)
    portable-dnn train --data my.csv --task regression  # ... predicting a number
    portable-dnn predict MODEL DATA     # DATA: a course .h5 file, an .npy of images, "digits",
                                        # "moons", or (for a model of your table) a table file
    portable-dnn info                   # the backends and devices on this machine
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import numpy as np

from .. import __version__
from .._backend import (
    BACKENDS,
    BackendUnavailableError,
    backend_name,
    describe_dtype,
    install_extra,
    resolve_device,
    resolve_namespace,
)
from .._engine.settings import Settings
from ..datasets import Dataset, load_digits, load_digits_parity, load_h5_dataset, load_moons, read_h5_split
from ..initialization import INIT_SCHEMES, initialize_parameters_deep
from ..io import load_metadata, load_parameters, move_to, save_parameters, to_numpy
from ..minibatch import hold_out
from ..models import predict_proba
from ..optimizers import OPTIMIZERS
from ..training import TrainingDivergedError, train
from .reports import warn_if_not_learning
from .tables import is_table

#: Defaults by dataset: the course's settings for its cat files and its two moons (the optimisation
#: chapter: [2, 5, 2, 1], He initialisation with seed 3, batches of 64, learning rate 0.0007, 5000
#: epochs); for the embedded digits, learning rates at which the same network converges within
#: the same 3000 iterations.
COURSE_LEARNING_RATE = 0.0075
LEARNING_RATES = {"h5": COURSE_LEARNING_RATE, "digits": 0.3, "parity": 0.1, "moons": 0.0007}
DATA_DEFAULTS: dict[str, dict[str, Any]] = {
    "moons": {"hidden": [5, 2], "mini_batch_size": 64, "iterations": 5000, "init": "he", "seed": 3},
}
GENERAL_DEFAULTS: dict[str, Any] = {"hidden": [20, 7, 5], "mini_batch_size": None, "iterations": 3000,
                                    "init": "lecun", "seed": 1}
#: The embedded and generated datasets by name.
TASKS = {"digits": load_digits, "parity": load_digits_parity, "moons": load_moons}


class CommandError(Exception):
    """An error to report as one line, without a traceback."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least 2 positive sizes, got {text!r}")
    return sizes


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    return _integer(text, 0, "a non-negative integer")


def _positive_int(text: str) -> int:
    return _integer(text, 1, "a positive integer")


def _integer(text: str, minimum: int, expected: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="portable-dnn", description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--version", action="version", version=f"portable_dnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    placement = _Parser(add_help=False)
    placement.add_argument("--backend", default="numpy", choices=sorted(BACKENDS),
                           help="the array library to compute with (default: numpy)")
    placement.add_argument("--device", default=None, help="e.g. cpu, cuda, cuda:1, device1")
    placement.add_argument("--dtype", default=None, choices=["float32", "float64"],
                           help="default: float64 where the device has it")

    train_cmd = commands.add_parser("train", parents=[placement], help="train and evaluate a network")
    train_cmd.add_argument("--train", type=Path, help="the course's train_catvnoncat.h5 (with --test)")
    train_cmd.add_argument("--test", type=Path, help="the course's test_catvnoncat.h5 (with --train)")
    train_cmd.add_argument("--layers", type=_layers, help="layer sizes, default n_x,20,7,5,n_y (moons: 2,5,2,1)")
    train_cmd.add_argument("--iterations", "--epochs", dest="iterations", type=_positive_int,
                           help="epochs (full batches: iterations), at least 1; default 3000 (moons: 5000; your "
                                "own table: at most 1000, the stopping rule ending training sooner)")
    train_cmd.add_argument("--learning-rate", type=_positive_float,
                           help=f"default {COURSE_LEARNING_RATE} with --train/--test, "
                                f"{LEARNING_RATES['digits']} on the digits, {LEARNING_RATES['parity']} for parity, "
                                f"{LEARNING_RATES['moons']} on the moons")
    train_cmd.add_argument("--optimizer", choices=list(OPTIMIZERS),
                           help="default gd (the course's); adam for your own table")
    train_cmd.add_argument("--mini-batch-size", type=_non_negative_int,
                           help="examples per step (0: full batches); default full batches (moons: 64)")
    train_cmd.add_argument("--lambd", type=float,
                           help="L2 strength (default 0; with your own table, the estimators' alpha 0.0001)")
    train_cmd.add_argument("--keep-prob", type=float, default=1.0, help="dropout: keep probability (default 1)")
    train_cmd.add_argument("--decay-rate", type=float, default=0.0,
                           help="learning-rate decay: lr / (1 + decay_rate * epoch), every epoch; with "
                                "--time-interval, every that many epochs (the course: --decay-rate 1 "
                                "--time-interval 1000)")
    train_cmd.add_argument("--time-interval", type=_non_negative_int,
                           help="epochs between learning-rate decays (default: every epoch)")
    train_cmd.add_argument("--early-stopping", action=argparse.BooleanOptionalAction, default=None,
                           help="hold out 10%% of the training data; stop after 10 epochs without a better "
                                "accuracy (R²) on it and keep the best (default: on for a regression on your own "
                                "table, off otherwise)")
    train_cmd.add_argument("--init", choices=sorted(INIT_SCHEMES), help="default lecun (moons: he)")
    train_cmd.add_argument("--seed", type=int, help="initialisation and shuffling seed; default 1 (moons: 3)")
    train_cmd.add_argument("--out", type=Path, default=Path("portable-dnn-output"),
                           help="output folder (default: ./portable-dnn-output)")
    train_cmd.add_argument("--quiet", action="store_true", help="no progress bar or cost lines")

    predict_cmd = commands.add_parser("predict", parents=[placement], help="predict with a saved model")
    predict_cmd.add_argument("model", type=Path, help="a model file written by 'train'")
    predict_cmd.add_argument("data", help="a course .h5 file, an .npy of images (m, h, w[, c]), "
                                          "'digits' (the embedded test images) or 'moons' (their test points); "
                                          "for a model trained on your table, a table file like it")
    predict_cmd.add_argument("--target", help="your table's target column, to score the predictions against")
    train_cmd.add_argument("--data", default="digits", type=_data,
                           help="'digits' (10 classes, softmax; default), 'parity' (even/odd, one sigmoid "
                                "unit), 'moons' (the course's two moons), or your own table: a .csv with a "
                                "header, an .npy (target last), or an .npz/.h5 with arrays X and y")
    train_cmd.add_argument("--target", help="your table's target column (a name or 0-based index; default: "
                                            "the last column)")
    train_cmd.add_argument("--task", choices=["classification", "regression"], default="classification",
                           help="for your own table: predict a class or a number (default: classification)")
    train_cmd.add_argument("--test-data", type=Path, help="your own test table (default: hold out "
                                                          "--test-fraction of --data)")
    train_cmd.add_argument("--test-fraction", type=float, default=0.2,
                           help="the share of your table held out for testing (default 0.2)")
    train_cmd.add_argument("--no-scale", action="store_true",
                           help="your table's features (and a regression's target) as they are (default: "
                                "standardised to mean 0 and standard deviation 1 on the training rows; the saved "
                                "model takes raw features and predicts in the target's units either way)")

    commands.add_parser("info", help="list the backends and devices available here")
    return parser


def _data(text: str) -> str:
    if text in TASKS or is_table(text):
        return text
    raise argparse.ArgumentTypeError(f"expected one of {', '.join(sorted(TASKS))} or a .csv, .npy, .npz or .h5 "
                                     f"file, got {text!r}")


def _placement(args: argparse.Namespace) -> tuple[ModuleType, Any]:
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
    if len(probabilities) == 1:
        return np.asarray(probabilities[0] > 0.5, dtype=np.int64)
    return np.asarray(probabilities.argmax(axis=0))


def _accuracy(X: Any, Y: Any, parameters: dict[str, Any]) -> tuple[np.ndarray, float]:
    predictions = class_indices(to_numpy(predict_proba(X, parameters)))
    return predictions, float(np.mean(predictions == to_numpy(Y)[0]))


def _setting(args: argparse.Namespace, name: str, source: str) -> Any:
    """A training setting: given on the command line, else the dataset's default."""
    given = getattr(args, name, None)
    return given if given is not None else DATA_DEFAULTS.get(source, GENERAL_DEFAULTS).get(
        name, GENERAL_DEFAULTS.get(name))


def command_train(args: argparse.Namespace) -> None:
    xp, device = _placement(args)
    if is_table(args.data):
        from .own_data import train_on_table

        train_on_table(args, xp, device)
        return
    data, source = _load_dataset(args, xp, device)
    n_x = data.train_x.shape[0]
    outputs = 1 if len(data.classes) == 2 else len(data.classes)
    layers = args.layers or [n_x, *_setting(args, "hidden", source), outputs]
    if layers[0] != n_x or layers[-1] != outputs:
        raise CommandError(f"--layers must start with the input size {n_x} and end with {outputs} "
                           f"(the output units for {len(data.classes)} classes), got {layers}")
    learning_rate = args.learning_rate or LEARNING_RATES[source]
    init, seed = _setting(args, "init", source), _setting(args, "seed", source)
    batch = _setting(args, "mini_batch_size", source) or None
    optimizer = args.optimizer or "gd"
    settings = {"learning_rate": learning_rate, "num_epochs": _setting(args, "iterations", source),
                "optimizer": optimizer, "mini_batch_size": batch, "lambd": args.lambd or 0.0,
                "keep_prob": args.keep_prob, "decay_rate": args.decay_rate, "time_interval": args.time_interval,
                "seed": seed}
    Settings(**{key: value for key, value in settings.items() if key != "num_epochs"})  # refused before training
    parameters = initialize_parameters_deep(
        layers, seed=seed, init=init, backend=xp, device=device, dtype=data.train_x.dtype
    )
    train_x, train_y = data.train_x, data.train_y
    if args.early_stopping:
        train_x, train_y, settings["validation_data"] = hold_out(train_x, train_y, 0.1, seed,
                                                                  stratify=to_numpy(train_y).reshape(-1))
        settings["n_iter_no_change"] = 10
    if not args.quiet:
        print(f"Training {layers} on {train_x.shape[1]} {source} examples "
              f"({backend_name(xp)}, {device}, {describe_dtype(data.train_x.dtype)}); {optimizer}, "
              f"learning rate {learning_rate}" + (f", mini-batches of {batch}" if batch else ""))
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
    warn_if_not_learning(recorded, train_accuracy, len(data.classes), learning_rate)

    from . import plots

    out: Path = args.out
    model_path = save_parameters(
        out / "model.npz", parameters, init=init, seed=seed, learning_rate=learning_rate,
        num_iterations=settings["num_epochs"], optimizer=optimizer, mini_batch_size=batch, costs=costs,
        classes=data.classes, image_shape=list(data.image_shape), pixel_max=data.pixel_max, dataset=source,
    )
    unit = "epoch" if batch else "iteration"
    curve_title = f"{optimizer}, learning rate {learning_rate}"
    epochs, recorded_costs = [epoch for epoch, _ in recorded], [cost for _, cost in recorded]
    written = [model_path, plots.save_cost_curve(out / "cost_curve.png", epochs, recorded_costs, curve_title, unit)]
    test_labels = to_numpy(data.test_y)[0]
    if n_x == 2:
        title = f"{optimizer}: train accuracy {train_accuracy:.3f}"
        written.append(plots.save_decision_boundary(
            out / "decision_boundary.png", lambda points: _host_classes(points, parameters),
            to_numpy(data.train_x), to_numpy(data.train_y)[0], title=title))
    if data.image_shape:
        wrong = np.flatnonzero(test_predictions != test_labels)
        written.append(plots.save_image_grid(
            out / "misclassified.png", to_numpy(data.test_x).T[wrong], data.image_shape,
            [f"predicted: {data.classes[int(test_predictions[i])]}\ntrue: {data.classes[int(test_labels[i])]}"
             for i in wrong],
            title=f"{len(wrong)} misclassified test images",
        ))
    print(f"Wrote {', '.join(map(str, written))}")


def _host_classes(points: np.ndarray, parameters: dict[str, Any]) -> np.ndarray:
    """Class indices (k,) the network gives host points (2, k), computed where it lives."""
    W1 = parameters["W1"]
    from array_api_compat import array_namespace, device

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
        from tqdm import tqdm

        with tqdm(total=settings["num_epochs"], unit=unit[:2], desc="training", dynamic_ncols=True) as bar:

            def on_cost(i: int, cost: float) -> None:
                recorded.append((i, cost))
                bar.set_postfix(cost=f"{cost:.6f}", refresh=False)
                tqdm.write(f"Cost after {unit} {i}: {cost}")

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


def command_predict(args: argparse.Namespace) -> None:
    xp, device = _placement(args)
    metadata = load_metadata(args.model)
    if "kind" in metadata:  # an estimator, trained on a table
        from .own_data import predict_table

        predict_table(args, metadata)
        return
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


COMMANDS = {"train": command_train, "predict": command_predict, "info": command_info}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("\nportable-dnn: interrupted; no file was left half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (| head): not an error; nothing more to print
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (CommandError, BackendUnavailableError, ValueError, TypeError, OSError) as error:
        print(f"portable-dnn: error: {error}", file=sys.stderr)
        return 1
    except ImportError as error:  # its own install hint, or the command line's extra
        hint = "" if "pip install" in str(error) else f"; the command line needs: {install_extra('cli')}"
        print(f"portable-dnn: error: {error}{hint}", file=sys.stderr)
        return 1
    return 0
