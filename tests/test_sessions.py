"""The test sessions themselves: a backend a session asks for must run, or the session fails.

Each case runs a one-test pytest in a subprocess with a broken install simulated by a module
that raises ImportError, shadowing the real library on PYTHONPATH.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import nvidia_driver_present

pytestmark = pytest.mark.harness  # the GPU check leaves these out (scripts/gpu_check.sh)

ROOT = Path(__file__).resolve().parent.parent
ONE_TEST = ["tests/test_numerics.py", "-k", "relu_and_its_backward"]


def session_environment():
    """This process's environment less the variables that choose devices and parts of the suite."""
    chosen = ("PORTABLE_DNN_DEVICES", "PORTABLE_DNN_TESTS")
    return {key: value for key, value in os.environ.items() if key not in chosen}


def run_session(tmp_path, backend, broken=(), fake_driver=False):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    for name in broken:
        (shadow / f"{name}.py").write_text("raise ImportError('simulated broken install')\n")
    # The shadow first, what PYTHONPATH already holds after it (an install by pip --target).
    path = os.pathsep.join(filter(None, [str(shadow), os.environ.get("PYTHONPATH")]))
    env = {**session_environment(), "PORTABLE_DNN_BACKEND": backend, "PYTHONPATH": path}
    if fake_driver:
        tools = tmp_path / "bin"
        tools.mkdir()
        smi = tools / "nvidia-smi"
        smi.write_text("#!/bin/sh\nexit 0\n")
        smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
        env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *ONE_TEST],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("backend", "library"), [("torch", "torch"), ("jax", "jax"), ("dask", "dask"),
                                                  ("array_api_strict", "array_api_strict")])
def test_a_requested_backend_that_cannot_be_imported_fails_the_session(backend, library, tmp_path):
    result = run_session(tmp_path, backend, broken=[library])
    assert result.returncode != 0, result.stdout
    assert f"requested backend {backend!r} cannot run" in result.stderr
    assert "simulated broken install" in result.stderr


def test_cupy_fails_where_there_is_a_driver(tmp_path):
    result = run_session(tmp_path, "cupy", broken=["cupy"], fake_driver=True)
    assert result.returncode != 0, result.stdout
    assert "requested backend 'cupy' cannot run" in result.stderr


def test_cupy_skips_with_the_reason_where_there_is_no_driver(tmp_path):
    if nvidia_driver_present():
        pytest.skip("this machine has an NVIDIA driver")
    result = run_session(tmp_path, "cupy", broken=["cupy"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout and "without an NVIDIA driver" in result.stdout


def test_a_working_backend_runs(tmp_path):
    result = run_session(tmp_path, "numpy")
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout + result.stderr


def collected(part, *paths):
    """The test ids a session on array-api-strict's device1 collects with ``PORTABLE_DNN_TESTS=part``."""
    env = {**session_environment(), "PORTABLE_DNN_BACKEND": "array_api_strict", "PORTABLE_DNN_DEVICES": "device1",
           "PORTABLE_DNN_TESTS": part}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", *paths],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return result, [line for line in result.stdout.splitlines() if "::" in line]


def test_the_suite_splits_into_device_tests_device_specific_first_and_host_tests():
    paths = ["tests/test_numerics.py", "tests/test_kernels.py", "tests/test_placement.py"]
    _, everything = collected("", *paths)
    result, device = collected("device", *paths)
    assert result.returncode == 0, result.stdout + result.stderr
    _, host = collected("host", *paths)
    assert sorted(device + host) == sorted(everything) and device and host
    assert all("[array_api_strict-device1" in test for test in device)
    assert not any("[array_api_strict-device1" in test for test in host)
    kernels = [test for test in device if test.startswith("tests/test_kernels.py")]
    assert device[:len(kernels)] == kernels and len(kernels) > 5  # the device-specific tests first
    assert device[len(kernels):] == [test for test in everything if test in device and test not in kernels]
    result, _ = collected("gpu", *paths)
    assert result.returncode != 0 and "PORTABLE_DNN_TESTS='gpu': choose from ['device', 'host']" in result.stderr
