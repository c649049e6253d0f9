"""The GPU check (``scripts/gpu_check.sh``): its preflight's checks run here with the dry run's
CPU stand-ins (array-api-strict's ``device1`` for CuPy, PyTorch's CPU device for ``cuda:0``), and
catch what they are for. ``nox -s gpu-dry-run`` runs the whole script in an environment like a GPU
machine's."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def preflight():
    """scripts/gpu_preflight.py, imported (an import that fails there fails here)."""
    pytest.importorskip("array_api_strict", reason="the dry run's CuPy stand-in is array-api-strict")
    spec = importlib.util.spec_from_file_location("gpu_preflight", ROOT / "scripts" / "gpu_preflight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKS = ["CuPy elementwise, matmul, reduction", "no Python scalar to maximum/minimum (PyTorch)",
          "PyTorch device names", "CuPy devices", "PyTorch fused Adam and SGD chosen",
          "no host sync in an epoch (CuPy)", "no host sync in an epoch (PyTorch)",
          "CuPy ElementwiseKernels = portable forms"]


@pytest.mark.parametrize("name", CHECKS)
def test_each_preflight_check_runs_on_the_stand_ins(name, preflight):
    if "PyTorch" in name:
        pytest.importorskip("torch", reason="the dry run's stand-in for cuda:0 is PyTorch's CPU device")
    assert list(preflight.CHECKS) == CHECKS
    status, line = preflight.run_check(name, preflight.CHECKS[name], preflight.Placement(dry_run=True))
    assert status in ("passed", "needs a GPU"), line
    assert line.startswith(status) and f"preflight: {name} |" in line


@pytest.mark.parametrize("library", ["cupy", "torch"])
def test_a_host_sync_in_the_training_loop_is_caught(library, preflight, monkeypatch):
    """A step that reads a value back on the host (here ``bool`` of an array) fails the check."""
    if library == "torch":
        pytest.importorskip("torch", reason="the dry run's stand-in for cuda:0 is PyTorch's CPU device")
    from portable_dnn import training

    real = training.training_step

    def syncing_step(xp, *args, **kwargs):
        result = real(xp, *args, **kwargs)
        bool(xp.all(result[3] >= 0))
        return result

    monkeypatch.setattr(training, "training_step", syncing_step)
    status, line = preflight.run_check("sync", lambda where: preflight.host_syncs(where, library),
                                       preflight.Placement(dry_run=True))
    assert status == "failed" and "host sync" in line, line


def test_the_script_parses_and_stops_at_once_without_a_driver(tmp_path):
    import shutil

    script = ROOT / "scripts" / "gpu_check.sh"
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    if shutil.which("nvidia-smi"):
        pytest.skip("this machine has an NVIDIA driver: the script would run for real")
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "OUT": str(tmp_path / "out")})
    assert result.returncode == 2 and "no working NVIDIA driver" in result.stderr and "--dry-run" in result.stderr
    result = subprocess.run(["bash", str(script), "--bogus"], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "usage" in result.stderr


def test_the_preflight_reports_every_check_in_the_summary(tmp_path):
    pytest.importorskip("torch", reason="the dry run's stand-in for cuda:0 is PyTorch's CPU device")
    pytest.importorskip("array_api_strict", reason="the dry run's CuPy stand-in is array-api-strict")
    summary = tmp_path / "summary.txt"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_preflight.py"), "--dry-run", "--summary",
                             str(summary)], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = summary.read_text().splitlines()
    assert [line.split(" | ")[1] for line in lines] == [f"preflight: {name}" for name in CHECKS]
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed, 6 need a GPU"


def test_the_steps_limits_add_up_to_less_than_six_minutes():
    import re

    limits = [int(limit) for limit in re.findall(r"^\s*step [\w-]+ (\d+) ", (ROOT / "scripts" / "gpu_check.sh")
                                                   .read_text(), flags=re.MULTILINE)]
    assert len(limits) == 7 and sum(limits) < 360, limits
