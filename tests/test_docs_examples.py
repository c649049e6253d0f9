"""Every Python example of the README and of the documentation's pages is executed: each page's
blocks in order, in one namespace, in a scratch folder. A block the page marks
``<!-- not run: REASON -->`` (it needs a GPU, a cluster or files that are not redistributed) is
left out, and the reason must be given. The tutorials' cells are executed by the documentation
build (``nox -s docs``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs" / "guide").glob("*.md"))]
BLOCK = re.compile(r"(?:<!-- not run: (?P<reason>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.DOTALL)
NUMPY_ONLY = os.environ.get("PORTABLE_DNN_BACKEND", "numpy") not in ("numpy", "")


def blocks(page: Path) -> list[tuple[str, str | None]]:
    """The page's Python blocks, each with its not-run reason (None: run it)."""
    return [(match["code"], match["reason"]) for match in BLOCK.finditer(page.read_text())]


def test_the_pages_have_examples():
    assert sum(len(blocks(page)) for page in PAGES) >= 8
    assert all(reason.strip() for page in PAGES for _, reason in blocks(page) if reason is not None)


@pytest.mark.skipif(NUMPY_ONLY, reason="the examples run on NumPy: in the NumPy session")
@pytest.mark.filterwarnings("error:.*epochs ran out before the stopping rule")  # training ends by its rule
@pytest.mark.filterwarnings("ignore::UserWarning")  # though examples may train briefly on purpose
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("page", [page for page in PAGES if any(reason is None for _, reason in blocks(page))],
                         ids=lambda page: str(page.relative_to(ROOT)))
def test_every_example_runs(page, tmp_path, monkeypatch, capsys):
    pytest.importorskip("sklearn", reason="the examples use scikit-learn's datasets")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__example__"}
    for number, (code, reason) in enumerate(blocks(page)):
        if reason is None:
            exec(compile(code, f"{page.name}, example {number + 1}", "exec"), namespace)


@pytest.mark.skipif(NUMPY_ONLY, reason="the examples run on NumPy: in the NumPy session")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("module", ["portable_dnn.estimators.classifier", "portable_dnn.estimators.regressor"])
def test_the_docstrings_examples_run(module):
    import doctest
    import importlib

    results = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert results.attempted > 0 and results.failed == 0


@pytest.mark.skipif(NUMPY_ONLY, reason="the pictures are drawn on NumPy: in the NumPy session")
def test_the_figures_script_redraws_every_picture(tmp_path):
    """``nox -s figures``: the README's and the guide's pictures from the runs their captions name."""
    pytest.importorskip("matplotlib", reason="the command line's extra is not installed")
    import runpy
    import sys

    pictures = {path.name for path in (ROOT / "docs" / "images").glob("*.png")}
    argv = sys.argv
    sys.argv = ["make_figures.py", str(tmp_path)]
    try:
        runpy.run_path(str(ROOT / "scripts" / "make_figures.py"), run_name="__main__")
    finally:
        sys.argv = argv
    assert {path.name for path in tmp_path.glob("*.png")} == pictures


@pytest.mark.skipif(NUMPY_ONLY, reason="the examples run on NumPy: in the NumPy session")
def test_the_readmes_own_table_example_runs_as_written(tmp_path):
    """The README's shell lines for a table of one's own, one after another in a scratch folder:
    each exits 0 with nothing on standard error (no warning with the defaults)."""
    pytest.importorskip("sklearn", reason="the example writes scikit-learn's wine data")
    import shlex
    import subprocess
    import sys

    block = next(code for code in re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
                 if "examples/wine_csv.py" in code)
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    outputs = []
    for line in block.splitlines():
        words = shlex.split(line.split("#")[0])
        program = {"python3": [sys.executable], "portable-dnn": [sys.executable, "-m", "portable_dnn"]}[words[0]]
        arguments = [str(ROOT / word) if word.startswith("examples/") else word for word in words[1:]]
        result = subprocess.run([*program, *arguments], cwd=tmp_path, capture_output=True, text=True, check=False,
                                env={**os.environ, "PYTHONPATH": path})
        assert (result.returncode, result.stderr) == (0, ""), line
        outputs.append(result.stdout)
    assert len(outputs) == 3 and "Test accuracy: 0.9722" in outputs[1] and outputs[2].splitlines()[-1].startswith(
        "Accuracy: ")


@pytest.mark.skipif(NUMPY_ONLY, reason="the table is measured on NumPy: in the NumPy session")
def test_the_cli_guides_table_of_the_defaults_is_current():
    """``scripts/cli_defaults.py`` regenerates the command-line guide's table of the defaults."""
    pytest.importorskip("sklearn", reason="the table compares with scikit-learn's MLPs")
    import runpy

    table = runpy.run_path(str(ROOT / "scripts" / "cli_defaults.py"))["table"]()
    page = (ROOT / "docs" / "guide" / "cli.md").read_text()
    assert page.split("<!-- cli-defaults -->\n")[1].split("<!-- /cli-defaults -->")[0].strip() == table
