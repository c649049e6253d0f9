#!/usr/bin/env bash
# One-shot GPU check for a machine with an NVIDIA GPU and no network (no nox: nox installs from
# the network). Run from the repository root:
#
#     OUT=/some/folder bash scripts/gpu_check.sh
#
# It needs CuPy, PyTorch (CUDA build), NumPy, pytest and hypothesis installed. The two pure-Python
# packages such a machine usually lacks travel as wheels in ./wheels, made on a machine with network:
#
#     python3 -m pip download --no-deps -d wheels array-api-compat array-api-strict
#
# (scikit-learn, matplotlib, h5py and tqdm are used where installed; Dask and JAX are not needed.)
# Logs go to $OUT (default ./gpu-check-output): preflight.log, tests-cupy.log, tests-torch-cuda.log,
# bench-gpu.log and bench-gpu.json. The exit status is non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu-check-output}"
mkdir -p "$OUT"
export JAX_PLATFORMS=cpu XLA_PYTHON_CLIENT_PREALLOCATE=false  # JAX, if installed, stays off the GPU
PYTHON="${PYTHON:-python3}"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi >/dev/null 2>&1; then
    echo "gpu_check: no working NVIDIA driver here (nvidia-smi missing or failing); nothing to check" >&2
    exit 2
fi
if ! "$PYTHON" -c "import cupy, sys; sys.exit(cupy.cuda.runtime.getDeviceCount() < 1)" 2>/dev/null; then
    echo "gpu_check: CuPy is missing or sees no CUDA device; install cupy-cuda12x or cupy-cuda13x" >&2
    exit 2
fi
if [ -d wheels ]; then
    "$PYTHON" -m pip install --quiet --no-index --find-links wheels array-api-compat array-api-strict \
        || echo "gpu_check: could not install the wheels in ./wheels" >&2
fi
"$PYTHON" -m pip install --quiet --no-deps --no-build-isolation -e . >/dev/null 2>&1 \
    || export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

status=0
step() {  # step NAME LIMIT_SECONDS COMMAND...: run with a time limit, log to $OUT/NAME.log
    local name=$1 limit=$2
    shift 2
    echo "== $name" | tee -a "$OUT/summary.log"
    if timeout "$limit" "$@" >"$OUT/$name.log" 2>&1; then
        echo "   ok ($(tail -n 1 "$OUT/$name.log"))" | tee -a "$OUT/summary.log"
    else
        echo "   FAILED (exit $?; see $name.log): $(tail -n 1 "$OUT/$name.log")" | tee -a "$OUT/summary.log"
        status=1
    fi
}

step preflight 120 "$PYTHON" - <<'PY'
"""Versions, and the device handling the CPU machines cannot check."""
import array_api_compat, cupy, numpy, torch
import portable_dnn as dnn
from portable_dnn._backend import kernels, resolve_device, resolve_namespace

print("numpy", numpy.__version__, "| cupy", cupy.__version__, "| torch", torch.__version__,
      "| array-api-compat", array_api_compat.__version__, "| portable_dnn", dnn.__version__)
print("CUDA devices: CuPy", cupy.cuda.runtime.getDeviceCount(), "| PyTorch", torch.cuda.device_count())

# 1. No Python scalar reaches maximum/minimum (the torch wrapper would copy it to the device).
tx = resolve_namespace("torch")
for name in ("maximum", "minimum"):
    real = getattr(tx, name)
    def refuse(x1, x2, /, _real=real, _name=name, **kwargs):
        assert not isinstance(x1, (int, float)) and not isinstance(x2, (int, float)), _name
        return _real(x1, x2, **kwargs)
    setattr(tx, name, refuse)
params = dnn.initialize_parameters_deep([4, 8, 3], backend="torch", device="cuda", dtype="float32")
X = torch.randn(4, 32, device="cuda")
Y = torch.randint(0, 3, (32,), device="cuda")
AL, caches = dnn.L_model_forward(X, params)
dnn.L_model_backward(AL, Y, caches)
trained, costs = dnn.train(X, Y, params, learning_rate=0.1, num_iterations=3)
print("1. no scalars to maximum/minimum: ok; costs", costs)

# 2. "cuda" on torch is cuda:<current>, equal to the tensors' device.
device = resolve_device(tx, "cuda")
assert device == X.device == trained["W1"].device, (device, X.device)
assert resolve_device(tx, 0) == torch.device("cuda:0")
assert kernels(tx, device).mask_.__name__ == "mask_whole"  # no CPU chunking on the GPU
print("2. torch 'cuda' ->", device, ": ok")

# 3. CuPy on a device other than the current one (needs two GPUs).
if cupy.cuda.runtime.getDeviceCount() > 1:
    data = dnn.load_digits(backend="cupy", device="cuda:1", dtype="float32")
    p = dnn.initialize_parameters_deep([64, 16, 10], backend="cupy", device="cuda:1", dtype="float32")
    trained, costs = dnn.train(data.train_x, data.train_y, p, learning_rate=0.3, num_iterations=20)
    assert all(value.device.id == 1 for value in trained.values())
    print("3. CuPy on cuda:1: ok; costs", costs)
else:
    print("3. CuPy on cuda:1: not checked (one GPU)")
PY

step tests-cupy 240 env PORTABLE_DNN_BACKEND=cupy "$PYTHON" -m pytest -q -p no:cacheprovider -x
step tests-torch-cuda 240 env PORTABLE_DNN_BACKEND=torch PORTABLE_DNN_TORCH_DEVICES=cuda:0 \
    "$PYTHON" -m pytest -q -p no:cacheprovider -x
step bench-gpu 240 "$PYTHON" benchmarks/bench.py --workloads gpu-f32 --json "$OUT/bench-gpu.json"

echo "gpu_check: $( [ $status = 0 ] && echo all steps passed || echo some steps FAILED ); logs in $OUT"
exit $status
