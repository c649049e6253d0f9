"""A pytest plugin for the GPU check: a suite that is stopped still says what it did.

    python -m pytest -p pytest_progress --progress-file FILE ...   (scripts/ on PYTHONPATH)

- Each failure's short traceback is written to the log the moment the test fails (pytest keeps
  them for its final summary, which a killed run never writes).
- ``FILE`` holds the counts so far, rewritten after every test (``passed=3 failed=0 errors=0
  skipped=1 total=418``), so even a run killed outright leaves them.
- SIGINT raises ``KeyboardInterrupt`` even where the shell started pytest with SIGINT ignored, so
  ``timeout -s INT`` makes pytest stop, write its JUnit XML and its short summary.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

COUNTS = ("passed", "failed", "errors", "skipped")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--progress-file", default=None, help="rewrite the counts so far to this file after each test")


class Progress:
    def __init__(self, config: pytest.Config, path: Path) -> None:
        self.config, self.path = config, path
        self.counts = dict.fromkeys(COUNTS, 0)
        self.total = 0

    def write(self) -> None:
        text = " ".join(f"{name}={count}" for name, count in self.counts.items()) + f" total={self.total}\n"
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(text)
        os.replace(partial, self.path)  # a reader never sees half a line

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A module skipped or broken at collection counts, as in pytest's summary line."""
        if report.skipped or report.failed:
            self.counts["skipped" if report.skipped else "errors"] += 1
            self.total += 1

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total += len(session.items)
        self.write()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = outcome_of(report)
        if outcome is None:
            return
        self.counts[outcome] += 1
        self.write()
        if outcome in ("failed", "errors"):
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"\n--- {outcome[:-1] if outcome == 'errors' else 'failed'}: {report.nodeid}"
                                    f" ({report.when})")
                reporter.write_line(report.longreprtext)


def outcome_of(report: pytest.TestReport) -> str | None:
    """The one count a report adds to (None: a phase that adds none), as pytest's summary counts:
    a test's call passes or fails; a failing setup or teardown is an error; a skip (or an expected
    failure) in any phase is a skip."""
    if report.skipped:
        return "skipped"
    if report.failed:
        return "failed" if report.when == "call" else "errors"
    return "passed" if report.when == "call" else None


def pytest_configure(config: pytest.Config) -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    path = config.getoption("--progress-file")
    if path:
        config.pluginmanager.register(Progress(config, Path(path)), "progress-file")
