"""``portable-dnn``'s entry: parse, run the command (the course's data in :mod:`.commands`, your
own tables in :mod:`.own_data`), and report a failure as one line with its exit status."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .._backend import BackendUnavailableError, install_extra
from ..io import load_metadata
from .commands import command_info, command_predict, command_train, model_summary, placement
from .own_data import predict_table, train_on_table
from .parser import CommandError, build_parser
from .tables import is_table


def train(args: argparse.Namespace) -> None:
    """``portable-dnn train``: on your own table, or on the course's data."""
    xp, device = placement(args)
    if is_table(args.data):
        train_on_table(args, xp, device)
    else:
        command_train(args, xp, device)


def predict(args: argparse.Namespace) -> None:
    """``portable-dnn predict MODEL DATA``: with an estimator trained on a table, or a course model."""
    xp, device = placement(args)
    metadata = load_metadata(args.model)
    if "kind" in metadata:  # an estimator, trained on a table
        predict_table(args, metadata)
    else:
        command_predict(args, metadata, xp, device)


def info(args: argparse.Namespace) -> None:
    """``portable-dnn info``: the backends here; ``portable-dnn info MODEL``: the model's summary."""
    if args.model is None:
        command_info(args)
    else:
        print(model_summary(args.model))


def export(args: argparse.Namespace) -> None:
    """``portable-dnn export MODEL OUT``: the saved model as ONNX."""
    from ..export.onnx_graph import export_file

    written = export_file(args.model, args.out, dtype=args.dtype, target_opset=args.opset)
    print(f"Wrote {written}")


COMMANDS = {"train": train, "predict": predict, "info": info, "export": export}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``portable-dnn`` with ``argv`` (default: the process's arguments); the exit status."""
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
