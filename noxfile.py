"""Test sessions, one per array backend, plus lint, typecheck and benchmarks.

``nox`` runs the default sessions (everything that works on a CPU-only machine; the
CuPy session runs too and its tests skip with a reason when there is no CUDA device).
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests-cupy", "tests-numpy", "tests-array_api_strict", "lint", "typecheck"]



def _run_tests(session: nox.Session, backend: str) -> None:
    session.run(
        "python", "-m", "pytest", *session.posargs, env={"PORTABLE_DNN_BACKEND": backend}
    )


@nox.session(name="tests-numpy")
def tests_numpy(session: nox.Session) -> None:
    """The test suite on NumPy arrays (CPU)."""
    session.install("-e", ".[test]")
    _run_tests(session, "numpy")


@nox.session(name="tests-array_api_strict")
def tests_array_api_strict(session: nox.Session) -> None:
    """The test suite on array-api-strict, on its default device and on ``device1``."""
    session.install("-e", ".[test]")
    _run_tests(session, "array_api_strict")


@nox.session(name="tests-cupy", venv_params=["--system-site-packages"])
def tests_cupy(session: nox.Session) -> None:
    """The test suite on CuPy arrays (GPU).

    Installs CuPy (extra ``cuda12``, or ``$PORTABLE_DNN_CUDA_EXTRA``) only where an NVIDIA
    driver is present and CuPy is not already installed system-wide; elsewhere the tests
    run and skip with the reason.
    """
    session.install("-e", ".[test]")
    has_driver = shutil.which("nvidia-smi") is not None
    has_cupy = session.run("python", "-c", "import cupy", success_codes=[0, 1], silent=True) is True
    if has_driver and not has_cupy:
        session.install("-e", f".[{os.environ.get('PORTABLE_DNN_CUDA_EXTRA', 'cuda12')}]")
    _run_tests(session, "cupy")


@nox.session(name="tests-torch")
def tests_torch(session: nox.Session) -> None:
    """The test suite on PyTorch tensors (``$PORTABLE_DNN_TORCH``, default ``torch==2.13.0``)."""
    session.install("-e", ".[test]", os.environ.get("PORTABLE_DNN_TORCH", "torch==2.13.0"))
    _run_tests(session, "torch")


@nox.session(name="tests-jax")
def tests_jax(session: nox.Session) -> None:
    """The test suite on JAX arrays, with float64 switched on for the notebook's values."""
    session.install("-e", ".[test]", "jax")
    session.run("python", "-m", "pytest", *session.posargs,
                env={"PORTABLE_DNN_BACKEND": "jax", "JAX_ENABLE_X64": "1"})


@nox.session(name="tests-dask")
def tests_dask(session: nox.Session) -> None:
    """The test suite on Dask arrays (the cluster test runs in every session with Dask)."""
    session.install("-e", ".[test]")
    _run_tests(session, "dask")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark table (benchmarks/bench.py); arguments after -- go to it.

    Peers: scikit-learn, and PyTorch (``$PORTABLE_DNN_BENCH_TORCH``, default ``torch==2.13.0``;
    set it empty to leave PyTorch out). CuPy and PyTorch CUDA join on a GPU machine.
    """
    session.install("-e", ".[bench]")
    torch = os.environ.get("PORTABLE_DNN_BENCH_TORCH", "torch==2.13.0")
    if torch:
        session.install(torch)
    if shutil.which("nvidia-smi"):
        session.install("-e", f".[{os.environ.get('PORTABLE_DNN_CUDA_EXTRA', 'cuda12')}]")
    session.run("python", "benchmarks/bench.py", *session.posargs)


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
