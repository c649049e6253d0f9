"""One ``xp``/``device`` fixture for every backend, chosen by ``--backend`` or PORTABLE_DNN_BACKEND.

``--backend numpy`` (the default), ``array_api_strict`` (run twice: on the default
device and on ``device1``, which refuses implicit NumPy conversion and device mixing,
like a GPU), ``cupy`` (skipped with a reason without CuPy or a CUDA device), or
several separated by commas.
"""

from __future__ import annotations

import os
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


def pytest_configure(config: pytest.Config) -> None:
    if "array_api_strict" in selected_backends(config):
        try:
            import array_api_strict
        except ImportError:
            return
        array_api_strict.set_array_api_strict_flags(
            boolean_indexing=False, data_dependent_shapes=False
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"portable_dnn backends: {', '.join(selected_backends(config))}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend_device" in metafunc.fixturenames:
        cases = [
            (backend, device)
            for backend in selected_backends(metafunc.config)
            for device in DEVICES[backend]
        ]
        metafunc.parametrize(
            "backend_device", cases, ids=[f"{b}-{d}" for b, d in cases], indirect=True
        )


def _cupy_skip_reason() -> str | None:
    try:
        import cupy
    except ImportError as error:
        return f"CuPy is not installed ({error})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError without a driver, or a broken install
        return f"CuPy finds no CUDA device ({type(error).__name__}: {error})"
    return None if count > 0 else "CuPy finds no CUDA device (0 devices)"


@pytest.fixture
def backend_device(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    backend, device_name = request.param
    if backend == "cupy":
        reason = _cupy_skip_reason()
        if reason:
            pytest.skip(reason)
    try:
        xp = resolve_namespace(backend)
    except BackendUnavailableError as error:
        pytest.skip(str(error))
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
def make(xp: Any, device: Any) -> Any:
    """``make(host_array, dtype="float64")``: the host array on the backend and device under test."""

    def make(host: Any, dtype: str | None = "float64") -> Any:
        host = np.asarray(host)
        target = getattr(xp, dtype) if dtype else None
        return xp.asarray(host, dtype=target, device=device)

    return make


@pytest.fixture
def check(xp: Any, device: Any) -> Any:
    """``check(actual, expected, dtype="float64", atol=1e-8)``: namespace, device, dtype and values."""

    def check(
        actual: Any, expected: Any, dtype: str = "float64", atol: float = 1e-8, rtol: float = 0.0
    ) -> None:
        from array_api_compat import array_namespace
        from array_api_compat import device as device_of

        assert array_namespace(actual) is xp, f"namespace {array_namespace(actual).__name__}"
        assert device_of(actual) == device, f"device {device_of(actual)} != {device}"
        assert actual.dtype == getattr(xp, dtype), f"dtype {actual.dtype} != {dtype}"
        np.testing.assert_allclose(to_numpy(actual), np.asarray(expected), atol=atol, rtol=rtol)

    return check
