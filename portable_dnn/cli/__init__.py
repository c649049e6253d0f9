"""The ``portable-dnn`` command line: its entry (:mod:`.main`), parser and defaults (:mod:`.parser`),
the commands on the course's data (:mod:`.commands`), your own tables (:mod:`.tables` reads them,
:mod:`.own_data` trains on them), the report lines of a run (:mod:`.reports`) and its pictures
(:mod:`.plots`). It builds on the estimators and ``train``; nothing below it imports it."""

from .main import main
from .parser import build_parser

__all__ = ["build_parser", "main"]
