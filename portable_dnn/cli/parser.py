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
import math
from pathlib import Path
from typing import Any, NoReturn

from .._backend import BACKENDS
from .._version import __version__
from ..datasets import load_digits, load_digits_parity, load_moons
from ..initialization import INIT_SCHEMES
from ..optimizers import OPTIMIZERS
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
    """The ``portable-dnn`` parser: ``train``, ``predict``, ``info`` and ``export``."""
    parser = _Parser(prog="portable-dnn", description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--version", action="version", version=f"portable_dnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    placement = _placement_options()
    train_cmd = commands.add_parser("train", parents=[placement], help="train and evaluate a network")
    _add_course_options(train_cmd)
    predict_cmd = commands.add_parser("predict", parents=[placement], help="predict with a saved model")
    predict_cmd.add_argument("model", type=Path, help="a model file written by 'train'")
    predict_cmd.add_argument("data", help="a course .h5 file, an .npy of images (m, h, w[, c]), "
                                          "'digits' (the embedded test images) or 'moons' (their test points); "
                                          "for a model trained on your table, a table file like it")
    predict_cmd.add_argument("--target", help="your table's target column, to score the predictions against")
    _add_table_options(train_cmd)
    info_cmd = commands.add_parser("info", help="list the backends and devices available here, or summarise a model")
    info_cmd.add_argument("model", type=Path, nargs="?", help="a model file: print its layers, as Keras' summary")
    export_cmd = commands.add_parser("export", help="write a saved model as ONNX (needs the onnx extra)")
    export_cmd.add_argument("model", type=Path, help="a model file written by 'train' (or an estimator's save)")
    export_cmd.add_argument("out", type=Path, help="the .onnx file to write")
    export_cmd.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                            help="the graph's float type (default: float32)")
    export_cmd.add_argument("--opset", type=_positive_int, default=None, help="the ONNX opset (default: 17)")
    return parser


def _placement_options() -> _Parser:
    """``--backend``, ``--device`` and ``--dtype``, shared by the commands that compute."""
    placement = _Parser(add_help=False)
    placement.add_argument("--backend", default="numpy", choices=sorted(BACKENDS),
                           help="the array library to compute with (default: numpy)")
    placement.add_argument("--device", default=None, help="e.g. cpu, cuda, cuda:1, device1")
    placement.add_argument("--dtype", default=None, choices=["float32", "float64"],
                           help="default: float64 where the device has it")
    return placement


def _add_course_options(train_cmd: argparse.ArgumentParser) -> None:
    """``train``'s options for the course's data and network (the settings of ``train()``)."""
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


def _add_table_options(train_cmd: argparse.ArgumentParser) -> None:
    """``train``'s options for your own table (:mod:`.own_data`)."""
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


def _data(text: str) -> str:
    if text in TASKS or is_table(text):
        return text
    raise argparse.ArgumentTypeError(f"expected one of {', '.join(sorted(TASKS))} or a .csv, .npy, .npz or .h5 "
                                     f"file, got {text!r}")
