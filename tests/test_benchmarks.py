"""The benchmarks: their CPU tables stay on the CPU where a GPU is the default device, and JAX never
preallocates a GPU's memory for them (stood in by two CPU devices, JAX's default the second); the
sparse benchmark runs and prints its rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Run with two CPU devices, the second JAX's default (as a GPU would be).
PROBE = """
import jax
jax.config.update("jax_default_device", jax.devices()[1])
import os, sys
sys.path.insert(0, "benchmarks")
import minibatch
assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
w = minibatch.Workload("tiny", 64, (8, 6, 3), 16)
X, y = minibatch.host_data(w)
cpu = jax.devices("cpu")[0]
from portable_dnn._backend import resolve_device, resolve_namespace
assert resolve_device(resolve_namespace("jax"), "cpu") == cpu  # a platform's name: its first device
for name in ("JAX jit Adam", "portable_dnn adam (JAX, jitted step)"):
    epoch = minibatch.implementations()[name][1](w, X, y)
    epoch()
    arrays = [leaf for cell in epoch.__closure__ or () for leaf in jax.tree.leaves(
        getattr(cell.cell_contents, "parameters", cell.cell_contents)) if isinstance(leaf, jax.Array)]
    assert arrays and all(a.devices() == {cpu} for a in arrays), (name, {str(a.devices()) for a in arrays})
print("on", cpu)
"""


def test_the_jax_rows_run_on_jaxs_cpu_device_whatever_its_default():
    pytest.importorskip("jax", reason="JAX is not installed")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_PYTHON_CLIENT_PREALLOCATE", None)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "on cpu:0"


def test_the_sparse_benchmark_prints_its_three_rows():
    """``benchmarks/sparse_memory.py`` on a small CSR: a row per implementation, each with its numbers."""
    pytest.importorskip("sklearn", reason="scikit-learn is not installed")
    result = subprocess.run([sys.executable, "benchmarks/sparse_memory.py", "--rows", "1000", "--features", "3000",
                             "--density", "0.01"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split("|")[1:-1] for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row[0].strip() for row in rows[1:]] == [
        "portable_dnn (numba's one-pass updates)", "portable_dnn (no numba)", "scikit-learn MLPClassifier"]
    for row in rows[1:]:
        seconds, before, peak = (float(cell) for cell in row[1:])
        assert 0 < seconds and 0 < before <= peak
    stored = int(result.stdout.splitlines()[-1].split(" stored values")[0].replace(",", ""))
    assert 29_000 < stored <= 30_000  # 30 a row at random columns, a few summed
