"""Project rules checked on the source: the math modules never import NumPy."""

from __future__ import annotations

import ast
from pathlib import Path

import portable_dnn

PACKAGE = Path(portable_dnn.__file__).parent
#: Modules where the host is genuinely involved: seeded draws, host copies and files, the CLI,
#: and the estimators' labels (strings, sorted classes) and scikit-learn-style input checks.
HOST_MODULES = {"_random.py", "io.py", "datasets.py", "cli.py", "plots.py", "__main__.py", "estimator.py",
                "_network.py", "regressor.py", "_validation.py", "tables.py", "own_data.py"}


#: Calls that import a module named by their first argument.
IMPORT_CALLS = {"import_module", "__import__"}


def _imported_modules(path: Path) -> set[str]:
    """Modules imported by statements, ``importlib.import_module("...")`` or ``__import__("...")``
    with a literal name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if called in IMPORT_CALLS and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def test_math_modules_do_not_import_numpy():
    math_modules = [path for path in PACKAGE.glob("*.py") if path.name not in HOST_MODULES]
    assert len(math_modules) >= 6
    offenders = {
        path.name: sorted(name for name in _imported_modules(path) if name.split(".")[0] == "numpy")
        for path in math_modules
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_check_sees_a_numpy_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy as np\nfrom numpy.linalg import norm\nimport importlib\n"
                      "np2 = importlib.import_module('numpy.fft')\nnp3 = __import__('numpy')\n"
                      "from importlib import import_module\nnp4 = import_module('numpy.random')\n")
    assert _imported_modules(sample) == {"numpy", "numpy.linalg", "importlib", "numpy.fft", "numpy.random"}


def test_the_build_requires_a_setuptools_that_reads_the_license():
    """``license = "MIT"`` (an SPDX expression) needs setuptools 77 or later to build."""
    import re

    import pytest

    tomllib = pytest.importorskip("tomllib", reason="Python 3.11 or later reads TOML")
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)
    (requirement,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    minimum = re.fullmatch(r"setuptools>=(\d+)", requirement)
    assert minimum and int(minimum.group(1)) >= 77, requirement
