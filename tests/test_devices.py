"""Device handling that a CPU machine can check: device names normalised, integer devices,
CPU-only heuristics switched by device type, no Python scalars handed to maximum/minimum,
and the nox sessions' CuPy detection."""

from __future__ import annotations

import importlib.util
import stat
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import portable_dnn as dnn
from portable_dnn._backend import resolve_device, resolve_namespace, resolve_placement
from portable_dnn._engine.kernels import kernels

pytestmark = pytest.mark.device_specific  # the GPU check runs these first (tests/conftest.py)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def torch_with_two_gpus(monkeypatch):
    """PyTorch as it looks on a machine with two CUDA devices, the second one current."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    return torch


def test_torch_cuda_devices_carry_their_index(torch_with_two_gpus):
    torch = torch_with_two_gpus
    xp = resolve_namespace("torch")
    assert resolve_device(xp, "cuda") == torch.device("cuda:1")
    assert resolve_device(xp, torch.device("cuda")) == torch.device("cuda:1")
    assert resolve_device(xp, "cuda:0") == torch.device("cuda:0")
    assert resolve_device(xp, 0) == torch.device("cuda:0") and resolve_device(xp, 1) == torch.device("cuda:1")
    assert resolve_device(xp, "cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match=r"device: 'cuda:3' requested but PyTorch sees 2 CUDA device\(s\)"):
        resolve_device(xp, "cuda:3")
    like = torch.zeros(2)
    assert resolve_placement(1, like) == (xp, torch.device("cuda:1"))


def test_cuda_names_keep_a_pytorch_tensors_library(torch_with_two_gpus):
    """``device="cuda"`` (or ``"gpu"``, ``"cuda:N"``) for a PyTorch tensor means PyTorch's CUDA
    device, as an integer does: not CuPy, through the host."""
    torch = torch_with_two_gpus
    xp, like = resolve_namespace("torch"), torch.zeros(2)
    assert resolve_placement("cuda", like) == (xp, torch.device("cuda:1"))
    assert resolve_placement("gpu", like) == (xp, torch.device("cuda:1"))
    assert resolve_placement("cuda:0", like) == (xp, torch.device("cuda:0"))
    assert resolve_device(xp, "gpu") == torch.device("cuda:1")


def test_cupys_default_device_is_the_current_one(monkeypatch):
    """CuPy puts new arrays on the current CUDA device: ``resolve_device(cupy, None)`` is that
    one, not device 0 (stood in by a namespace and a cupy module with two devices, the second
    current)."""
    info = types.SimpleNamespace(default_device=lambda: "cuda:0 device", devices=lambda: ["cuda:0 device",
                                                                                         "cuda:1 device"])
    namespace = types.ModuleType("array_api_compat.cupy")
    namespace.__array_namespace_info__ = lambda: info
    cupy = types.ModuleType("cupy")
    cupy.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDevice=lambda: 1))
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    assert resolve_device(namespace, None) == "cuda:1 device"
    assert resolve_device(namespace, "cuda:0") == "cuda:0 device"


def test_cuda_without_a_gpu_is_a_clear_error():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    xp = resolve_namespace("torch")
    for spec in ("cuda", 0, "cuda:0"):
        with pytest.raises(ValueError, match="requested but PyTorch sees no CUDA device"):
            resolve_device(xp, spec)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_integer_devices_name_cuda_devices_only(backend):
    xp = resolve_namespace(backend)
    with pytest.raises(ValueError, match=f"device: an integer names a CUDA device .*got 0 for backend '{backend}'"):
        resolve_device(xp, 0)
    with pytest.raises(ValueError, match="device: an integer names a CUDA device"):
        dnn.initialize_parameters(2, 2, 1, backend=backend, device=0)


def test_torch_cpu_heuristics_only_on_the_cpu(torch_with_two_gpus):
    """The chunked mask and the alignment test for the bias are CPU forms; on a CUDA device
    the kernels are the plain whole-array calls (checked here on CPU tensors: same results)."""
    torch = torch_with_two_gpus
    xp = resolve_namespace("torch")
    on_cpu, on_gpu = kernels(xp, torch.device("cpu")), kernels(xp, torch.device("cuda:0"))
    assert on_cpu.mask_.__name__ == "mask_in_chunks" and on_gpu.mask_.__name__ == "mask_whole"
    rng = np.random.RandomState(0)
    dA, keep = rng.randn(600, 1000), rng.rand(600, 1000) > 0.5
    for ops in (on_cpu, on_gpu):
        np.testing.assert_array_equal(ops.mask_(torch.asarray(dA.copy()), torch.asarray(keep)).numpy(), dA * keep)
    W, A, b = rng.randn(3, 4), rng.randn(4, 5), rng.randn(3, 1)
    A_misaligned = torch.asarray(np.concatenate([[0.0], A.ravel()]))[1:].reshape(4, 5)
    assert A_misaligned.data_ptr() % 64
    for ops in (on_cpu, on_gpu):
        result = ops.affine(torch.asarray(W), A_misaligned, torch.asarray(b), None)
        np.testing.assert_allclose(result.numpy(), W @ A + b, rtol=1e-12)


def test_no_python_scalar_reaches_maximum_or_minimum(make, xp, monkeypatch):
    """The PyTorch wrapper turns a Python scalar into a tensor on the device: on CUDA a blocking
    host-to-device copy per call. The step-by-step functions and the training path hand none."""
    for name in ("maximum", "minimum"):
        real = getattr(xp, name)

        def refuse_scalars(x1, x2, /, _real=real, _name=name, **kwargs):
            assert not isinstance(x1, (int, float)) and not isinstance(x2, (int, float)), _name
            return _real(x1, x2, **kwargs)

        monkeypatch.setattr(xp, name, refuse_scalars)
    rng = np.random.RandomState(1)
    parameters = {key: make(value) for key, value in dnn.initialize_parameters_deep([3, 4, 3, 1], seed=2).items()}
    X, Y = make(rng.randn(3, 6)), make(np.array([[0, 1, 1, 0, 1, 0]]), None)
    for activation in dnn.HIDDEN_ACTIVATIONS:
        AL, caches = dnn.L_model_forward(X, parameters, hidden_activation=activation)
        dnn.compute_cost(AL, Y)
        dnn.L_model_backward(AL, Y, caches, hidden_activation=activation)
        dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=2, hidden_activation=activation)
    dnn.relu(make(rng.randn(2, 2)))


@pytest.fixture
def noxfile(monkeypatch):
    """The noxfile, imported with a stand-in for nox (which the test environment lacks)."""
    stub = types.ModuleType("nox")
    stub.options = types.SimpleNamespace()
    stub.Session = object
    stub.session = lambda *args, **kwargs: args[0] if args and callable(args[0]) else (lambda function: function)
    monkeypatch.setitem(sys.modules, "nox", stub)
    spec = importlib.util.spec_from_file_location("project_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nox_picks_the_cupy_extra_by_the_drivers_cuda_version(noxfile, tmp_path, monkeypatch):
    banner = "| NVIDIA-SMI 580.65.06   Driver Version: 580.65.06   CUDA Version: 13.0     |"
    assert noxfile.cuda_major(banner) == 13 and noxfile.cuda_major("no banner") is None
    smi = tmp_path / "nvidia-smi"
    monkeypatch.setenv("PATH", f"{tmp_path}")
    monkeypatch.delenv("PORTABLE_DNN_CUDA_EXTRA", raising=False)
    for version, extra in (("13.0", "cuda13"), ("12.4", "cuda12")):
        smi.write_text(f"#!/bin/sh\necho 'CUDA Version: {version}'\n")
        smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
        assert noxfile.cuda_extra() == extra
    monkeypatch.setenv("PORTABLE_DNN_CUDA_EXTRA", "cuda12")
    assert noxfile.cuda_extra() == "cuda12"


def test_nox_finds_an_installed_cupy_by_its_output(noxfile):
    class Session:
        def __init__(self, output):
            self.output = output

        def run(self, *args, **kwargs):
            assert kwargs.get("silent") is True  # nox returns the output only when silent
            return self.output

    assert noxfile.has_module(Session("True\n"), "cupy") is True
    assert noxfile.has_module(Session("False\n"), "cupy") is False
    assert noxfile.has_module(Session(True), "cupy") is False  # what a non-silent run returns


def test_cupy_work_runs_in_its_devices_context():
    """A CuPy device is made current (its own context manager); other libraries need nothing."""
    import contextlib

    from portable_dnn._backend import device_scope

    FakeCupyDevice = type("Device", (), {"__module__": "cupy.cuda.device"})
    device = FakeCupyDevice()
    assert device_scope(device) is device
    assert isinstance(device_scope("cpu"), contextlib.nullcontext)
    assert isinstance(device_scope(None), contextlib.nullcontext)


def test_public_functions_run_in_the_scope_of_their_first_arrays_device(make, device, monkeypatch):
    from portable_dnn import _backend

    entered = []

    def recording_scope(where):
        entered.append(where)
        return _backend.contextlib.nullcontext()

    monkeypatch.setattr(_backend, "device_scope", recording_scope)
    parameters = {key: make(value) for key, value in dnn.initialize_parameters_deep([3, 2, 1]).items()}
    X, Y = make(np.ones((3, 4))), make(np.array([0, 1, 1, 0]), None)
    AL, caches = dnn.L_model_forward(X, parameters)
    dnn.L_model_backward(AL, Y, caches)
    dnn.update_parameters(parameters, {"d" + key: value for key, value in parameters.items()}, 0.1)
    dnn.train(X, Y, parameters, learning_rate=0.1, num_iterations=1)
    assert len(entered) == 4 and all(where == device for where in entered)
    assert dnn.L_model_forward.__name__ == "L_model_forward" and "Forward pass" in dnn.L_model_forward.__doc__


@pytest.fixture
def scoped_strict(monkeypatch):
    """array-api-strict's ``device1`` computing as CuPy does on a GPU other than the current one:
    every function of the namespace that gets a ``device1`` array (or ``device=device1``) must be
    called inside that device's :func:`device_scope`, or it raises."""
    strict = pytest.importorskip("array_api_strict")
    import contextlib

    from portable_dnn import _backend

    device1, current = strict.Device("device1"), []

    @contextlib.contextmanager
    def scope(device):
        current.append(device)
        try:
            yield device
        finally:
            current.pop()

    original = _backend.device_scope
    for name, module in list(sys.modules.items()):
        if name.startswith("portable_dnn") and getattr(module, "device_scope", None) is original:
            monkeypatch.setattr(module, "device_scope", scope)

    def on_device1(value):
        if isinstance(value, strict.Device):
            return value == device1
        return isinstance(value, strict._array_object.Array) and value.device == device1

    def checked(name, function):
        def call(*args, **kwargs):
            if any(on_device1(value) for value in (*args, *kwargs.values())):
                assert current and current[-1] == device1, f"array_api_strict.{name} ran outside device1's scope"
            return function(*args, **kwargs)
        return call

    for name in dir(strict):
        function = getattr(strict, name)
        if not name.startswith("_") and isinstance(function, types.FunctionType):
            monkeypatch.setattr(strict, name, checked(name, function))
    return strict, device1


@pytest.mark.filterwarnings("ignore:.*epochs ran out before the stopping rule")  # short fits on purpose
@pytest.mark.parametrize("classes", [2, 3])
def test_the_estimator_works_in_its_training_devices_scope(classes, scoped_strict):
    """fit (with its held-out validation split), partial_fit, predict, predict_proba and score
    run every array function on the training device in its scope (CuPy: that device current)."""
    strict, device1 = scoped_strict
    rng = np.random.RandomState(0)
    host_X, y = rng.randn(60, 4), np.arange(60) % classes
    X = dnn.move_to(host_X, strict, device1)
    model = dnn.DeepNeuralNetwork(hidden_layers=(5,), num_iterations=3, early_stopping=True, batch_size=16)
    model.fit(X, y)
    assert model.parameters_["W1"].device == device1 and len(model.validation_scores_) == 3
    model.partial_fit(X, y)
    assert model.predict(X).shape == (60,) and model.predict_proba(X).shape == (60, classes)
    assert 0.0 <= model.score(X, y) <= 1.0
    from portable_dnn.minibatch import hold_out

    kept, _, (held, held_labels) = hold_out(X.T, dnn.move_to(y, strict, device1), 0.25, 1)
    assert kept.shape == (4, 45) and held.shape == (4, 15) and held_labels.device == device1
