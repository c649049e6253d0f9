"""Pages generated from the code at build time, so they cannot drift from it."""

from __future__ import annotations

import argparse
from pathlib import Path

from portable_dnn.cli import build_parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def write_cli_reference(path: Path) -> None:
    """``path``: the command line's reference, each command's ``--help`` as the parser prints it."""
    parser = build_parser()
    parser.prog = "portable-dnn"
    parts = ["# Command-line reference", "",
             "Generated from the parser at each documentation build: what `portable-dnn --help` and each "
             "command's `--help` print.", "", "```text", parser.format_help().rstrip(), "```", ""]
    for name, command in _subcommands(parser).items():
        parts += [f"## `portable-dnn {name}`", "", "```text", command.format_help().rstrip(), "```", ""]
    text = "\n".join(parts)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
