"""Project rules checked on the source: the math modules never import NumPy, and imports flow one way,
from the command line down to the backend layer (docs/guide/design.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import portable_dnn

PACKAGE = Path(portable_dnn.__file__).parent
#: Modules where the host is genuinely involved: seeded draws, host copies and files, the command line,
#: and the estimators (labels: strings, sorted classes; scikit-learn-style input checks).
HOST_MODULES = {"_random.py", "_splits.py", "_backend/transfers.py", "io.py", "datasets.py", "__main__.py",
                "_validation.py", "onnx.py"}
HOST_FOLDERS = {"cli", "estimators", "export"}

#: The layers, lowest first: a module imports only from its own layer and the ones below it.
LAYERS = [
    {"_backend", "_version", "_checks"},
    {"_parameters", "_random", "_splits", "_summary", "_validation", "_outputs", "activations", "cost",
     "regularization", "initialization", "optimizers", "propagation", "minibatch", "io", "datasets"},
    {"_engine"},
    {"training", "models", "gradient_check"},
    {"estimators"},
    {"export", "onnx"},
    {"cli", "__main__"},
]


def _room(path: Path) -> str:
    """The top-level module or folder of the package that ``path`` is in."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def _layer(room: str) -> int:
    (layer,) = [i for i, rooms in enumerate(LAYERS) if room in rooms]
    return layer


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
    math_modules = [path for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).as_posix() not in HOST_MODULES
                    and _room(path) not in HOST_FOLDERS]
    assert len(math_modules) >= 20
    offenders = {
        path.relative_to(PACKAGE).as_posix(): sorted(
            name for name in _imported_modules(path) if name.split(".")[0] == "numpy")
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


def _package_imports(path: Path) -> set[str]:
    """The package's rooms (top-level modules or folders) that ``path`` imports, at its top or
    inside functions."""
    rooms = set()
    depth = len(path.relative_to(PACKAGE).parts) - 1  # folders below the package
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.level - 1 < depth:  # within its own folder
                rooms.add(_room(path))
            elif node.module:
                rooms.add(node.module.split(".")[0])
            else:
                rooms.update(alias.name for alias in node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            rooms.update(name.split(".")[1] for name in names if name.startswith("portable_dnn."))
            if "portable_dnn" in names:
                rooms.add("portable_dnn")
    return rooms


def test_imports_flow_down_the_layers():
    """No module imports the public package or a room of a higher layer (lazily or not)."""
    upward = {}
    for path in PACKAGE.rglob("*.py"):
        if path.parent == PACKAGE and path.name == "__init__.py":
            continue  # the public API gathers every layer
        here = _layer(_room(path))
        found = sorted(room for room in _package_imports(path) if room == "portable_dnn" or _layer(room) > here)
        if found:
            upward[path.relative_to(PACKAGE).as_posix()] = found
    assert upward == {}


def test_the_layer_check_sees_an_import_going_up(tmp_path, monkeypatch):
    folder = tmp_path / "portable_dnn" / "_engine"
    folder.mkdir(parents=True)
    sample = folder / "sample.py"
    sample.write_text("from ..estimators.base import NetworkEstimator\nfrom . import step\n"
                      "def f():\n    from .. import cli\n    import portable_dnn.training\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "portable_dnn")
    assert _package_imports(sample) == {"estimators", "_engine", "cli", "training"}
