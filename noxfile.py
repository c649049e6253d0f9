"""Test sessions, one per array backend, plus lint, typecheck and benchmarks.

``nox`` runs the default sessions (everything that works on a CPU-only machine; the
CuPy session runs too and its tests skip with that reason where there is no NVIDIA driver). The
tests that do not take the backend fixture run once, in tests-numpy: the other default sessions
run only the tests on their backend (``PORTABLE_DNN_TESTS=device``, tests/conftest.py).
A backend a session asks for that cannot be imported or has no device fails the session.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests-numpy", "tests-array_api_strict", "tests-cupy", "lint", "typecheck", "docs"]


def _run_tests(session: nox.Session, backend: str, *options: str, **env: str) -> None:
    session.run("python", "-m", "pytest", *options, *session.posargs, env={"PORTABLE_DNN_BACKEND": backend, **env})


@nox.session(name="tests-numpy")
def tests_numpy(session: nox.Session) -> None:
    """The test suite on NumPy arrays (CPU)."""
    session.install("-e", ".[test]")
    _run_tests(session, "numpy")


@nox.session(name="tests-array_api_strict")
def tests_array_api_strict(session: nox.Session) -> None:
    """The tests that run on the backend (``PORTABLE_DNN_TESTS=device``), on array-api-strict's
    default device and on ``device1``; the others do not touch the backend, and ran in tests-numpy
    with the same packages."""
    session.install("-e", ".[test]")
    _run_tests(session, "array_api_strict", PORTABLE_DNN_TESTS="device")


def cuda_major(nvidia_smi_output: str) -> int | None:
    """The CUDA version the driver supports, from ``nvidia-smi``'s banner ("CUDA Version: 13.0")."""
    match = re.search(r"CUDA Version:\s*(\d+)", nvidia_smi_output)
    return int(match.group(1)) if match else None


def cuda_extra() -> str:
    """The package extra that installs CuPy for this machine's driver: ``$PORTABLE_DNN_CUDA_EXTRA``,
    else ``cuda13`` or ``cuda12`` by the driver's CUDA major version (default ``cuda12``)."""
    if os.environ.get("PORTABLE_DNN_CUDA_EXTRA"):
        return os.environ["PORTABLE_DNN_CUDA_EXTRA"]
    try:
        banner = subprocess.run(["nvidia-smi"], capture_output=True, text=True, check=False, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        banner = ""
    return "cuda13" if (cuda_major(banner) or 12) >= 13 else "cuda12"


def has_module(session: nox.Session, name: str) -> bool:
    """Whether the session's interpreter can find module ``name`` (without importing it)."""
    found = session.run("python", "-c", f"import importlib.util; print(importlib.util.find_spec({name!r}) is not None)",
                        silent=True)
    return isinstance(found, str) and found.strip().endswith("True")


@nox.session(name="tests-cupy", venv_params=["--system-site-packages"])
def tests_cupy(session: nox.Session) -> None:
    """The test suite on CuPy arrays (GPU).

    Where an NVIDIA driver is present, installs CuPy (the ``cuda12``/``cuda13`` extra by the
    driver's CUDA version, or ``$PORTABLE_DNN_CUDA_EXTRA``) unless it is already installed
    system-wide; there, a CuPy that cannot run fails the session. Without a driver the tests that
    run on the backend skip with that reason (and the others, the same as tests-numpy's, are not run).
    """
    session.install("-e", ".[test]")
    if shutil.which("nvidia-smi") is not None and not has_module(session, "cupy"):
        session.install("-e", f".[{cuda_extra()}]")
    if nvidia_driver():
        _run_tests(session, "cupy")
        return
    session.log("No NVIDIA driver here: the CuPy tests skip (the summary line counts them); the tests that do not "
                "touch the backend ran in tests-numpy")
    _run_tests(session, "cupy", "-q", "-rfE", PORTABLE_DNN_TESTS="device")  # every test skips for one reason


def nvidia_driver() -> bool:
    """Whether this machine has an NVIDIA driver (its tool or its kernel module)."""
    return shutil.which("nvidia-smi") is not None or os.path.exists("/proc/driver/nvidia/version")


@nox.session(name="tests-torch")
def tests_torch(session: nox.Session) -> None:
    """The test suite on PyTorch tensors (``$PORTABLE_DNN_TORCH``, default ``torch==2.13.0``)."""
    session.install("-e", ".[test]", os.environ.get("PORTABLE_DNN_TORCH", "torch==2.13.0"))
    _run_tests(session, "torch")


@nox.session(name="tests-jax")
def tests_jax(session: nox.Session) -> None:
    """The test suite on JAX arrays with JAX's defaults (float32; float64 tests skip with the reason)."""
    session.install("-e", ".[test]", "jax")
    _run_tests(session, "jax", JAX_ENABLE_X64="0")


@nox.session(name="tests-jax64")
def tests_jax64(session: nox.Session) -> None:
    """The test suite on JAX arrays with float64 switched on (JAX_ENABLE_X64=1): the notebook's values."""
    session.install("-e", ".[test]", "jax")
    _run_tests(session, "jax", JAX_ENABLE_X64="1")


@nox.session(name="tests-dask")
def tests_dask(session: nox.Session) -> None:
    """The test suite on Dask arrays, with dask-ml's wrappers (the cluster and streaming tests run
    in every session with Dask)."""
    session.install("-e", ".[test]", "dask-ml")
    _run_tests(session, "dask")


#: What a GPU machine has installed (scripts/gpu_check.sh), less CuPy, JAX and PyTorch's CUDA build:
#: no Dask, and array-api-compat and array-api-strict only as wheels beside the checkout.
GPU_MACHINE_PACKAGES = ["numpy", "pytest", "hypothesis", "scikit-learn", "setuptools", "h5py", "matplotlib", "tqdm",
                        "numba", "pandas"]


@nox.session(name="gpu-dry-run")
def gpu_dry_run(session: nox.Session) -> None:
    """``scripts/gpu_check.sh --dry-run`` in an environment like a GPU machine's (CPU PyTorch,
    ``$PORTABLE_DNN_TORCH``, standing in for CUDA; no Dask; the project not installed): every step
    must run and pass. Logs and the summary go to ``gpu-check-dry-run/``."""
    session.install(*GPU_MACHINE_PACKAGES, os.environ.get("PORTABLE_DNN_TORCH", "torch==2.13.0"))
    wheels = os.path.join(session.create_tmp(), "wheels")
    shutil.rmtree(wheels, ignore_errors=True)
    session.run("python", "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", wheels,
                "array-api-compat", "array-api-strict")
    session.run("bash", "scripts/gpu_check.sh", "--dry-run", external=True,
                env={"OUT": "gpu-check-dry-run", "WHEELS": wheels, "PYTHON": "python"})


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark tables: full-batch iterations (benchmarks/bench.py; arguments after -- go to
    it), mini-batch epochs (benchmarks/minibatch.py), inference in ONNX Runtime
    (benchmarks/inference.py), a large sparse X (benchmarks/sparse_memory.py), then Dask streaming and
    out-of-core training (benchmarks/out_of_core.py).

    Peers: scikit-learn, JAX, and PyTorch (``$PORTABLE_DNN_BENCH_TORCH``, default ``torch==2.13.0``;
    set it empty to leave PyTorch out). CuPy and PyTorch CUDA join on a GPU machine.
    """
    session.install("-e", ".[bench]")
    torch = os.environ.get("PORTABLE_DNN_BENCH_TORCH", "torch==2.13.0")
    if torch:
        session.install(torch)
    if shutil.which("nvidia-smi") and not has_module(session, "cupy"):
        session.install("-e", f".[{cuda_extra()}]")
    session.run("python", "benchmarks/bench.py", *session.posargs)
    session.run("python", "benchmarks/minibatch.py")
    session.run("python", "benchmarks/minibatch.py", "--time-to-accuracy", "--json", "benchmark-time-to-accuracy.json")
    session.run("python", "benchmarks/inference.py")  # ONNX Runtime beside predict and MLPClassifier.predict
    session.run("python", "benchmarks/sparse_memory.py")  # 100,000 x 100,000 CSR, beside MLPClassifier
    session.run("python", "benchmarks/out_of_core.py")  # writes a 4 GB file to the temporary folder


#: sphinx-build's options: warnings are errors (every one reported first), nitpicky references.
SPHINX = ["-W", "--keep-going", "-n", "-b", "html", "docs", "docs/_build/html"]


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site (docs/, Sphinx): tutorials executed, the API and command-line references
    generated, warnings as errors. Opens at docs/_build/html/index.html."""
    session.install("-e", ".[docs]")
    shutil.rmtree("docs/_build", ignore_errors=True)
    shutil.rmtree("docs/api/generated", ignore_errors=True)
    session.run("python", "-m", "sphinx", *SPHINX)


@nox.session(name="docs-browser")
def docs_browser(session: nox.Session) -> None:
    """The built site in headless Chromium (Debian's ``chromium`` package): each page renders (a
    screenshot of each in docs/_build/screenshots/) and the search page finds a function. Builds the
    site first unless ``--no-build`` is given."""
    if "--no-build" not in session.posargs:
        docs(session)
    else:
        session.install("-e", ".[docs]")
    session.run("python", "scripts/check_docs_in_browser.py", "docs/_build/html", "docs/_build/screenshots")


@nox.session
def figures(session: nox.Session) -> None:
    """The README's and the guide's pictures (docs/images/), from the runs their captions name."""
    session.install("-e", ".[cli]")
    session.run("python", "scripts/make_figures.py", "docs/images")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the package, tests, benchmarks and this file."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy (strict) on the package."""
    session.install("-e", ".", "mypy")
    session.run("mypy")


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut, configured in pyproject.toml) of the math, training, estimator and
    io modules under the NumPy suite; run by hand (about 45 minutes on 2 cores). Arguments go to
    ``mutmut run`` (e.g. ``--max-children 2``); the survivors are listed at the end."""
    session.install("-e", ".[test]", "mutmut>=3.3")
    session.run("mutmut", "run", *session.posargs)
    session.run("mutmut", "results")
