"""The ``portable-dnn`` command line: the commands and their parser (:mod:`.commands`), your own
tables (:mod:`.tables` reads them, :mod:`.own_data` trains on them), the report lines of a run
(:mod:`.reports`) and its pictures (:mod:`.plots`). It builds on the estimators and ``train``;
nothing below it imports it."""

from .commands import build_parser, main

__all__ = ["build_parser", "main"]
