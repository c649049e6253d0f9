"""One ``xp``/``device`` fixture for every backend, chosen by ``--backend`` or PORTABLE_DNN_BACKEND.

``--backend numpy`` (the default), ``array_api_strict`` (run twice: on the default
device and on ``device1``, which refuses implicit NumPy conversion and device mixing,
like a GPU), ``cupy``, ``torch``, ``jax``, ``dask``, or several separated by commas.

A requested backend that cannot be imported, or has no device, fails the run at start.
The one exception: CuPy on a machine without an NVIDIA driver, whose tests skip with
that reason (the default ``nox`` run includes the CuPy session everywhere).

``PORTABLE_DNN_DEVICES`` (comma-separated device names) chooses the devices of the session's
backends (``cuda:0`` for PyTorch's CUDA suite, ``device1`` alone for array-api-strict);
``PORTABLE_DNN_TESTS=device`` runs only the tests that take the backend fixture (a second suite
on another device, without running the CPU-only tests again), the ``device_specific``-marked ones first
(a library's fast forms against their portable twins, device scopes: what a GPU alone can judge);
``PORTABLE_DNN_TESTS=host`` runs the others. The GPU check runs the two as separate steps.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import portable_dnn
from portable_dnn._backend import BackendUnavailableError, resolve_device, resolve_namespace

BACKEND_ENV = "PORTABLE_DNN_BACKEND"

#: backend -> the device names its tests run on.
DEVICES: dict[str, list[str]] = {
    "numpy": ["cpu"],
    "array_api_strict": ["cpu", "device1"],
    "cupy": ["cuda:0"],
    "torch": ["cpu"],
    "jax": ["cpu"],
    "dask": ["cpu"],
}


def devices_for(backend: str) -> list[str]:
    """The devices a backend's tests run on: ``$PORTABLE_DNN_DEVICES`` (comma-separated) where set,
    else :data:`DEVICES`, plus ``cuda:0`` for PyTorch where it sees a CUDA device."""
    if os.environ.get("PORTABLE_DNN_DEVICES"):
        return [name.strip() for name in os.environ["PORTABLE_DNN_DEVICES"].split(",") if name.strip()]
    if backend == "torch":
        try:
            import torch
        except ImportError:
            return DEVICES[backend]
        return DEVICES[backend] + (["cuda:0"] if torch.cuda.is_available() else [])
    return DEVICES[backend]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default=None,
        help=f"comma-separated array backends to test ({', '.join(DEVICES)}); "
        f"default: ${BACKEND_ENV} or numpy",
    )


def selected_backends(config: pytest.Config) -> list[str]:
    value = config.getoption("--backend") or os.environ.get(BACKEND_ENV) or "numpy"
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in DEVICES]
    if unknown:
        raise pytest.UsageError(f"unknown backend(s) {unknown}; choose from {list(DEVICES)}")
    return names


def nvidia_driver_present() -> bool:
    """Whether this machine has an NVIDIA driver (its tool or its kernel module)."""
    return shutil.which("nvidia-smi") is not None or Path("/proc/driver/nvidia/version").exists()


def backend_problem(backend: str) -> str | None:
    """Why a backend cannot run here (None: it can): its library or its device is missing."""
    try:
        xp = resolve_namespace(backend)
    except BackendUnavailableError as error:
        return str(error)
    if backend == "cupy":
        try:
            devices = xp.__array_namespace_info__().devices()
        except Exception as error:  # CUDARuntimeError with a broken driver or runtime
            return f"CuPy finds no CUDA device ({type(error).__name__}: {error})"
        if not devices:
            return "CuPy finds no CUDA device (0 devices)"
    return None


#: A requested backend that is skipped rather than failed: CuPy on a machine without an NVIDIA
#: driver (the default nox run includes the CuPy session on every machine).
NO_DRIVER_SKIP = "CuPy session on a machine without an NVIDIA driver: skipped by design (explicit opt-out)"


def pytest_configure(config: pytest.Config) -> None:
    """A backend the session asked for must work: a missing library or device fails the session.

    JAX, where installed, stays on the CPU unless the session tests it, and never preallocates
    a GPU's memory (tests that list backends import it)."""
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if "jax" not in selected_backends(config):
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    for backend in selected_backends(config):
        if backend == "cupy" and not nvidia_driver_present():
            continue
        problem = backend_problem(backend)
        if problem:
            raise pytest.UsageError(f"requested backend {backend!r} cannot run: {problem}")
    if "array_api_strict" in selected_backends(config):
        import array_api_strict

        array_api_strict.set_array_api_strict_flags(
            boolean_indexing=False, data_dependent_shapes=False
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"portable_dnn backends: {', '.join(selected_backends(config))}"


#: ``$PORTABLE_DNN_TESTS`` -> whether a test belongs to that part of the suite.
PARTS = {"device": lambda item: "backend_device" in getattr(item, "fixturenames", ()),
         "host": lambda item: "backend_device" not in getattr(item, "fixturenames", ())}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``PORTABLE_DNN_TESTS=device`` (or ``host``), deselect the tests of the other part; the
    device part runs its ``device_specific``-marked tests first."""
    part = os.environ.get("PORTABLE_DNN_TESTS", "")
    if not part:
        return
    if part not in PARTS:
        raise pytest.UsageError(f"PORTABLE_DNN_TESTS={part!r}: choose from {sorted(PARTS)} (or leave it unset)")
    kept = [item for item in items if PARTS[part](item)]
    config.hook.pytest_deselected(items=[item for item in items if not PARTS[part](item)])
    kept.sort(key=lambda item: item.get_closest_marker("device_specific") is None)  # stable: file order otherwise
    items[:] = kept


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend_device" in metafunc.fixturenames:
        cases = [
            (backend, device)
            for backend in selected_backends(metafunc.config)
            for device in devices_for(backend)
        ]
        metafunc.parametrize(
            "backend_device", cases, ids=[f"{b}-{d}" for b, d in cases], indirect=True
        )


@pytest.fixture
def backend_device(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    backend, device_name = request.param
    if backend == "cupy" and not nvidia_driver_present():
        pytest.skip(NO_DRIVER_SKIP)
    xp = resolve_namespace(backend)  # checked in pytest_configure: a failure here is an error
    return xp, resolve_device(xp, device_name)


@pytest.fixture
def xp(backend_device: tuple[Any, Any]) -> Any:
    """The array namespace under test."""
    return backend_device[0]


@pytest.fixture
def device(backend_device: tuple[Any, Any]) -> Any:
    """The device under test (array_api_strict also runs on the non-default ``device1``)."""
    return backend_device[1]


@pytest.fixture
def backend_kwargs(xp: Any, device: Any) -> dict[str, Any]:
    """Keywords that place new parameters on the backend and device under test."""
    return {"backend": xp, "device": device}


def to_numpy(x: Any) -> np.ndarray:
    """Host copy of an array of any backend (tests compare values on the host only)."""
    return portable_dnn.to_numpy(x)


@pytest.fixture
def dtypes_here(xp: Any, device: Any) -> list[str]:
    """The dtypes the device under test has (JAX by default: none of 64 bits)."""
    return list(xp.__array_namespace_info__().dtypes(device=device))


@pytest.fixture
def float_dtypes(dtypes_here: list[str]) -> list[str]:
    """The real floating dtypes the device under test has."""
    return [name for name in ("float32", "float64") if name in dtypes_here]


#: What a 64-bit dtype becomes on a device without it.
NARROWER = {"float64": "float32", "complex128": "complex64", "int64": "int32", "uint64": "uint32"}


def available(dtype: str | None, dtypes_here: list[str]) -> str | None:
    """``dtype``, or its 32-bit counterpart where the device has no 64-bit one."""
    return NARROWER.get(dtype, dtype) if dtype is not None and dtype not in dtypes_here else dtype


@pytest.fixture
def make(xp: Any, device: Any, dtypes_here: list[str]) -> Any:
    """``make(host_array, dtype="float64")``: the host array on the backend and device under test
    (a 64-bit dtype becomes its 32-bit counterpart on a device without it)."""

    def make(host: Any, dtype: str | None = "float64") -> Any:
        host = np.asarray(host)
        dtype = available(dtype, dtypes_here)
        target = getattr(xp, dtype) if dtype else None
        return xp.asarray(host, dtype=target, device=device)

    return make


@pytest.fixture
def check(xp: Any, device: Any, dtypes_here: list[str]) -> Any:
    """``check(actual, expected, dtype="float64", atol=1e-8)``: namespace, device, dtype and values.

    On a device without float64, a float64 check expects float32 to float32's precision.
    """

    def check(
        actual: Any, expected: Any, dtype: str = "float64", atol: float = 1e-8, rtol: float = 0.0
    ) -> None:
        from array_api_compat import array_namespace
        from array_api_compat import device as device_of

        if available(dtype, dtypes_here) != dtype:
            dtype, atol, rtol = "float32", max(atol, 1e-6), max(rtol, 1e-5)
        assert array_namespace(actual) is xp, f"namespace {array_namespace(actual).__name__}"
        assert device_of(actual) == device, f"device {device_of(actual)} != {device}"
        assert actual.dtype == getattr(xp, dtype), f"dtype {actual.dtype} != {dtype}"
        np.testing.assert_allclose(to_numpy(actual), np.asarray(expected), atol=atol, rtol=rtol)

    return check


@pytest.fixture(autouse=True)
def _float64_only_where_the_device_has_it(request: pytest.FixtureRequest) -> None:
    """A test parametrized with ``dtype="float64"`` is skipped on a device without float64
    (JAX with its default, x64 off: the tests-jax64 session runs those)."""
    params = getattr(request.node, "callspec", None)
    if params is None or params.params.get("dtype") != "float64" or "backend_device" not in params.params:
        return
    if "float64" not in request.getfixturevalue("float_dtypes"):
        pytest.skip("the device under test has no float64 (JAX's default; run the float64 session)")
