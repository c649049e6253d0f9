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

pytestmark = pytest.mark.harness  # the GPU check leaves these out (scripts/gpu_check.sh)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def preflight():
    """scripts/gpu_preflight.py, imported (an import that fails there fails here)."""
    pytest.importorskip("array_api_strict", reason="the dry run's CuPy stand-in is array-api-strict")
    spec = importlib.util.spec_from_file_location("gpu_preflight", ROOT / "scripts" / "gpu_preflight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKS = ["CuPy kernel cache warmed", "CuPy elementwise, matmul, reduction",
          "no Python scalar to maximum/minimum (PyTorch)", "PyTorch device names", "CuPy devices",
          "PyTorch fused Adam and SGD chosen",
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
    from portable_dnn._engine import step, trainer

    real = step.training_step

    def syncing_step(xp, *args, **kwargs):
        result = real(xp, *args, **kwargs)
        bool(xp.all(result[3] >= 0))
        return result

    monkeypatch.setattr(trainer, "training_step", syncing_step)  # in-place steps
    monkeypatch.setattr(step, "training_step", syncing_step)  # gathering steps
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
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed, 7 need a GPU"


def test_the_steps_limits_add_up_to_less_than_eight_minutes():
    """With room for a cut step's 15 s of grace between SIGINT and SIGKILL."""
    import re

    limits = [int(limit) for limit in re.findall(r"^\s*(?:step|suite) [\w-]+ (\d+) ", (ROOT / "scripts" /
                                                  "gpu_check.sh").read_text(), flags=re.MULTILINE)]
    assert len(limits) == 8 and sum(limits) + 15 <= 480, limits


PROGRESS_CASES = '''
import time
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

def test_passes():
    pass

def test_fails():
    assert 1 + 1 == 3, "arithmetic"

@pytest.mark.skip(reason="not here")
def test_skipped():
    pass

def test_errors(broken):
    pass

def test_hangs():
    open("hanging", "w").close()  # the harness stops the run once this test is under way
    time.sleep(60)
'''


#: pytest started with SIGINT ignored, as a shell starts what it runs in the background: the plugin
#: must undo it. (Set in the child itself, not by a ``preexec_fn``, whose fork would run the parent's
#: at-fork hooks: JAX's warns that it is multithreaded.)
IGNORING_SIGINT = ("import signal, sys, pytest; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                   "sys.exit(pytest.main(sys.argv[1:]))")


def run_until_it_hangs(tmp_path, stop):
    """pytest with scripts/pytest_progress.py on five tests, the last of which hangs, and a module
    skipped at collection, started with SIGINT ignored; ``stop(process)`` once the rest have reported.
    Returns (counts file text, log, JUnit path)."""
    import os
    import time

    (tmp_path / "test_cases.py").write_text(PROGRESS_CASES)
    (tmp_path / "test_elsewhere.py").write_text("import pytest\n\npytest.importorskip('no_such_module')\n")
    counts, junit, log = tmp_path / "counts", tmp_path / "junit.xml", tmp_path / "log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")])}
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-c", IGNORING_SIGINT, "-v", "--tb=short", "-p", "no:cacheprovider",
                                    "-p", "pytest_progress", f"--progress-file={counts}", f"--junitxml={junit}",
                                    "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path)],
                                   cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while not (counts.exists() and "skipped=2" in counts.read_text() and "errors=1" in counts.read_text()
                       and (tmp_path / "hanging").exists()):
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.05)
            time.sleep(0.1)  # into test_hangs's sleep
            stop(process)
            process.wait(timeout=30)
        finally:
            process.kill()
    return counts.read_text(), log.read_text(), junit


def test_a_suite_stopped_by_sigint_writes_its_counts_junit_and_summary(tmp_path):
    import signal
    import xml.etree.ElementTree as ET

    counts, log, junit = run_until_it_hangs(tmp_path, lambda process: process.send_signal(signal.SIGINT))
    assert counts == "passed=1 failed=1 errors=1 skipped=2 total=6\n"  # as pytest's own summary counts them
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("5", "1", "1",
                                                                                                       "2")
    assert "KeyboardInterrupt" in log and "1 failed, 1 passed, 2 skipped, 1 error" in log
    # Every outcome as it went, and each failure's traceback at once, before the interruption.
    before = log[:log.index("KeyboardInterrupt")]
    for line in ("test_cases.py::test_passes PASSED", "test_cases.py::test_fails FAILED",
                 "test_cases.py::test_skipped SKIPPED", "test_cases.py::test_errors ERROR",
                 "--- failed: test_cases.py::test_fails (call)", "AssertionError: arithmetic",
                 "--- error: test_cases.py::test_errors (setup)", "RuntimeError: setup broke"):
        assert line in before, line


def test_a_suite_killed_outright_still_leaves_its_counts_and_failures(tmp_path):
    counts, log, junit = run_until_it_hangs(tmp_path, lambda process: process.kill())
    assert counts == "passed=1 failed=1 errors=1 skipped=2 total=6\n"
    assert "AssertionError: arithmetic" in log and "RuntimeError: setup broke" in log and not junit.exists()


def test_a_step_cut_at_its_limit_reports_its_counts_and_fails_the_check(tmp_path):
    """The dry run with every limit scaled down, the device part of the CuPy suite alone: it is cut,
    and says how far it got. Each test is slowed by 0.1 s (a plugin through ``PYTEST_ADDOPTS``), so
    that the cut falls mid-suite however fast or busy the machine is."""
    import os
    import re
    import xml.etree.ElementTree as ET

    pytest.importorskip("array_api_strict", reason="the dry run's CuPy stand-in is array-api-strict")
    out = tmp_path / "out"
    (tmp_path / "slow_each_test.py").write_text("import time\n\n\ndef pytest_runtest_setup(item):\n"
                                                "    time.sleep(0.1)\n")
    env = {**{key: value for key, value in os.environ.items() if not key.startswith("PORTABLE_DNN_")},
           "OUT": str(out), "PYTHON": sys.executable, "WHEELS": str(tmp_path / "no-wheels"),
           "GPU_CHECK_TIME_SCALE": "0.1", "GPU_CHECK_STEPS": "tests-cupy-device",
           "PYTEST_ADDOPTS": "-p slow_each_test",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--dry-run"], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = (out / "summary.txt").read_text().splitlines()
    assert [line.split(" | ")[1] for line in lines[:-1]] == ["versions", "tests-cupy-device"], lines
    figure = re.fullmatch(r"cut +\| tests-cupy-device \| cut at 15 s: (\d+) passed, 0 failed, 0 errors, (\d+) "
                          r"skipped \(of (\d+)\); see tests-cupy-device.log \| \d+ s", lines[1])
    assert figure, lines[1]
    passed, skipped, total = map(int, figure.groups())
    assert 0 < passed + skipped < total
    assert lines[-1].endswith("some steps FAILED or were cut; summary in " + str(out / "summary.txt"))
    suite = ET.parse(out / "tests-cupy-device.xml").getroot().find("testsuite")
    assert int(suite.get("tests")) - int(suite.get("skipped")) == passed
    assert "KeyboardInterrupt" in (out / "tests-cupy-device.log").read_text()


def test_the_time_scale_must_be_a_positive_number(tmp_path):
    for scale in ("0", "-1", "fast"):
        result = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--dry-run"], capture_output=True,
                                text=True, check=False, env={"PATH": "/usr/bin:/bin", "OUT": str(tmp_path),
                                                             "GPU_CHECK_TIME_SCALE": scale})
        assert result.returncode == 2 and f"GPU_CHECK_TIME_SCALE must be a positive number, not '{scale}'" in \
            result.stderr
