#!/usr/bin/env bash
# One-shot GPU check, for a machine with an NVIDIA GPU and no network (no nox, no editable install).
# From the repository root:
#
#     OUT=/some/folder bash scripts/gpu_check.sh            # on the GPU machine
#     OUT=/some/folder bash scripts/gpu_check.sh --dry-run  # the same steps on a CPU-only machine
#
# Needs NumPy, pytest, hypothesis, CuPy and PyTorch (CUDA) installed; scikit-learn, h5py, matplotlib,
# tqdm, numba and pandas are used where installed (Dask and JAX are not needed). Wheels in .whl/
# (array-api-compat and array-api-strict, which such machines lack; made where pip works with
#     python3 -m pip download --no-deps --only-binary=:all: -d .whl array-api-compat array-api-strict;
# $WHEELS names another folder)
# are installed with pip --no-index --no-deps --target into a temporary folder, which goes on
# PYTHONPATH with the checkout.
#
# Steps, each with a time limit (they add up to under 6 minutes): versions; preflight
# (scripts/gpu_preflight.py: CuPy's compiler and cuBLAS, device names, PyTorch's fused kernels, no host
# sync in a training epoch, CuPy's fused kernels against the portable forms); the CuPy suite; the
# PyTorch cuda:0 suite (only the tests that run on the backend: the others ran in the CuPy suite);
# the GPU benchmarks (full batch and mini-batch, --quick). The dry run stands array-api-strict's device1
# in for CuPy and PyTorch's CPU device in for cuda:0, and reports what only a GPU can assert as
# "needs a GPU".
#
# Writes to $OUT (default ./gpu-check-output): summary.txt (one line per check: passed / failed /
# needs a GPU, the check, its figure, its time), versions.txt, a log per step, JUnit XML per suite,
# the benchmarks' JSON. Exit status 0 when every step passed, 1 otherwise, 2 when it cannot start.
set -uo pipefail
cd "$(dirname "$0")/.."
DRY_RUN=0
case "${1:-}" in
    --dry-run) DRY_RUN=1 ;;
    "") ;;
    *) echo "usage: OUT=folder bash scripts/gpu_check.sh [--dry-run]" >&2; exit 2 ;;
esac
OUT="${OUT:-gpu-check-output}"
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
PYTHON="${PYTHON:-python3}"
export JAX_PLATFORMS=cpu XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1  # JAX, if there, off the GPU

if [ $DRY_RUN = 0 ] && { ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi >/dev/null 2>&1; }; then
    echo "gpu_check: no working NVIDIA driver here (nvidia-smi missing or failing); nothing to check" \
         "(--dry-run runs the same steps with CPU stand-ins)" >&2
    exit 2
fi

status=0
record() {  # record STATUS NAME FIGURE SECONDS: one summary line
    printf '%-11s | %s | %s | %s s\n' "$1" "$2" "$3" "$4" | tee -a "$SUMMARY"
}
step() {  # step NAME LIMIT_SECONDS COMMAND...: run with a time limit, log to $OUT/NAME.log
    local name=$1 limit=$2 start=$SECONDS code
    shift 2
    echo "== $name (limit ${limit} s)"
    timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
    code=$?
    local figure
    figure="$(grep -E '[0-9]+ (passed|failed)|^wrote ' "$OUT/$name.log" | tail -n 1)"
    [ -n "$figure" ] || figure="$(tail -n 1 "$OUT/$name.log")"
    if [ $code = 0 ]; then
        record passed "$name" "$figure" $((SECONDS - start))
    else
        [ $code = 124 ] && figure="stopped at its ${limit} s limit; $figure"
        record failed "$name" "exit $code; see $name.log: $figure" $((SECONDS - start))
        status=1
    fi
}

# Wheels, then the checkout, on PYTHONPATH.
SITE="$(mktemp -d "${TMPDIR:-/tmp}/portable-dnn-site.XXXXXX")"
WHEELS="${WHEELS:-.whl}"  # where the wheels are
if compgen -G "$WHEELS/*.whl" >/dev/null; then
    step install-wheels 20 "$PYTHON" -m pip install -q --no-index --no-deps --target "$SITE" "$WHEELS"/*.whl
fi
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"

step versions 15 "$PYTHON" - <<'PY'
import importlib, importlib.metadata, platform, shutil, subprocess
print("python", platform.python_version())
for name in ("numpy", "array-api-compat", "array-api-strict", "cupy-cuda13x", "cupy-cuda12x", "torch", "jax",
             "pytest", "hypothesis", "scikit-learn", "numba", "h5py", "matplotlib", "dask"):
    try:
        print(name, importlib.metadata.version(name))
    except importlib.metadata.PackageNotFoundError:
        print(name, "not installed")
print("portable_dnn", importlib.import_module("portable_dnn").__version__)
if shutil.which("nvidia-smi"):
    print(subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                         capture_output=True, text=True, check=False).stdout.strip())
print("wrote versions")
PY
cp "$OUT/versions.log" "$OUT/versions.txt"
cat "$OUT/versions.txt"

if [ $DRY_RUN = 1 ]; then
    CUPY_SUITE=(PORTABLE_DNN_BACKEND=array_api_strict PORTABLE_DNN_DEVICES=device1)
    TORCH_DEVICE=cpu
    BENCH_ENV=(PORTABLE_DNN_GPU_STANDIN=1)
    PREFLIGHT=(--dry-run)
else
    CUPY_SUITE=(PORTABLE_DNN_BACKEND=cupy)
    TORCH_DEVICE=cuda:0
    BENCH_ENV=()
    PREFLIGHT=()
fi

# Each preflight check writes its own summary line; the step's line follows them.
step preflight 40 "$PYTHON" scripts/gpu_preflight.py "${PREFLIGHT[@]}" --summary "$SUMMARY"
# CuPy compiles each kernel once into its cache on disk (~/.cupy/kernel_cache): the preflight's and
# the first suite's compilations serve whatever runs after them.
step tests-cupy 115 env "${CUPY_SUITE[@]}" "$PYTHON" -m pytest -q -p no:cacheprovider --maxfail=20 \
    --junitxml="$OUT/tests-cupy.xml"
step tests-torch-cuda 75 env PORTABLE_DNN_BACKEND=torch PORTABLE_DNN_DEVICES=$TORCH_DEVICE \
    PORTABLE_DNN_DEVICE_TESTS_ONLY=1 "$PYTHON" -m pytest -q -p no:cacheprovider --maxfail=20 \
    --junitxml="$OUT/tests-torch-cuda.xml"
step bench-full-batch 45 env "${BENCH_ENV[@]}" "$PYTHON" benchmarks/bench.py --workloads gpu-f32 --quick \
    --no-memory --json "$OUT/bench-full-batch.json"
step bench-minibatch 40 env "${BENCH_ENV[@]}" "$PYTHON" benchmarks/minibatch.py --workloads gpu --quick \
    --json "$OUT/bench-minibatch.json"
rm -rf "$SITE"

mode=$([ $DRY_RUN = 1 ] && echo "dry run (CPU stand-ins)" || echo "GPU")
verdict=$([ $status = 0 ] && echo "every step passed" || echo "some steps FAILED")
echo "gpu_check, $mode: $verdict; summary in $SUMMARY" | tee -a "$SUMMARY"
exit $status
