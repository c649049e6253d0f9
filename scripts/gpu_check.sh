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
# Steps, each with a time limit (they add up to 7 min 25 s; GPU_CHECK_TIME_SCALE, default 1, multiplies
# every limit): versions; preflight (scripts/gpu_preflight.py: first one epoch per optimiser in float32
# and float64 on CuPy, which compiles CuPy's kernels into its cache and records the time, then CuPy's
# compiler and cuBLAS, device names, PyTorch's fused kernels, no host sync in a training epoch, CuPy's
# fused kernels against the portable forms); the CuPy suite in two parts, the most telling first:
# tests-cupy-device, the tests that take the backend fixture (tests/conftest.py's
# PORTABLE_DNN_TESTS=device), those marked `device_specific` (a library's fast forms and device
# handling: the marker on the test module keeps the list current) first; then tests-cupy-host, the
# tests that do not touch the backend (less those marked `harness`, the tests of the sessions and of this
# script, which its dry run covers); the PyTorch cuda:0 suite (the device part only: the host part
# ran already); the GPU benchmarks (full batch and mini-batch, --quick). The dry run stands
# array-api-strict's device1 in for CuPy and PyTorch's CPU device in for cuda:0, and reports what only
# a GPU can assert as "needs a GPU". GPU_CHECK_STEPS (names separated by
# spaces) runs only those steps (and the two that set up: install-wheels, versions).
#
# A step that runs out of time is stopped with SIGINT (then SIGKILL 15 s later): pytest still writes its
# JUnit XML and short summary, and its summary line says "cut" with the counts reached
# (scripts/pytest_progress.py rewrites them after every test, and writes each failure's short
# traceback to the log as it happens; the log names every test's outcome as it goes).
#
# Writes to $OUT (default ./gpu-check-output): summary.txt (one line per check: passed / failed / cut /
# needs a GPU, the check, its figure, its time), versions.txt, a log per step, JUnit XML and counts per
# suite, the benchmarks' JSON. Exit status 0 when every step passed, 1 otherwise (a cut step counts as
# not passed), 2 when it cannot start.
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

SCALE="${GPU_CHECK_TIME_SCALE:-1}"
if ! awk -v s="$SCALE" 'BEGIN { exit !(s ~ /^[0-9]*\.?[0-9]+$/ && s > 0) }'; then
    echo "gpu_check: GPU_CHECK_TIME_SCALE must be a positive number, not '$SCALE'" >&2
    exit 2
fi
STEPS="${GPU_CHECK_STEPS:-}"

status=0
record() {  # record STATUS NAME FIGURE SECONDS: one summary line
    printf '%-11s | %s | %s | %s s\n' "$1" "$2" "$3" "$4" | tee -a "$SUMMARY"
}
counts_of() {  # counts_of FILE: "3 passed, 0 failed, 0 errors, 1 skipped (of 418)" from a progress file
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); n[kv[1]] = kv[2] } }
         END { printf "%d passed, %d failed, %d errors, %d skipped (of %d)", n["passed"], n["failed"], n["errors"],
               n["skipped"], n["total"] }' "$1"
}
step() {  # step NAME LIMIT_SECONDS COMMAND...: run with a scaled time limit, log to $OUT/NAME.log
    local name=$1 limit start=$SECONDS code figure counts="$OUT/$1.counts"
    limit=$(awk -v l="$2" -v s="$SCALE" 'BEGIN { x = l * s; printf "%d", (x < 1 ? 1 : x + 0.5) }')
    shift 2
    if [ -n "$STEPS" ] && [[ " $STEPS install-wheels versions " != *" $name "* ]]; then
        return
    fi
    echo "== $name (limit ${limit} s)"
    rm -f "$counts"
    timeout -s INT -k 15 "$limit" "$@" >"$OUT/$name.log" 2>&1
    code=$?
    if [ -f "$counts" ]; then
        figure="$(counts_of "$counts")"
    else
        figure="$(grep -E '[0-9]+ (passed|failed)|^wrote |^installed ' "$OUT/$name.log" | tail -n 1)"
        [ -n "$figure" ] || figure="$(tail -n 1 "$OUT/$name.log")"
    fi
    if [ $code = 0 ]; then
        record passed "$name" "$figure" $((SECONDS - start))
    elif [ $code = 124 ] || [ $code = 137 ]; then
        record cut "$name" "cut at ${limit} s: $figure; see $name.log" $((SECONDS - start))
        status=1
    else
        record failed "$name" "exit $code; $figure; see $name.log" $((SECONDS - start))
        status=1
    fi
}
suite() {  # suite NAME LIMIT_SECONDS VARIABLE=VALUE...: pytest with those variables, reporting as it goes
    local name=$1 limit=$2
    shift 2
    step "$name" "$limit" env "$@" PYTHONPATH="$PWD/scripts:$PYTHONPATH" "$PYTHON" -m pytest -v --tb=short \
        -p no:cacheprovider -p pytest_progress --progress-file="$OUT/$name.counts" --maxfail=20 \
        --junitxml="$OUT/$name.xml" -m "not harness"
}

# Wheels, then the checkout, on PYTHONPATH.
SITE="$(mktemp -d "${TMPDIR:-/tmp}/portable-dnn-site.XXXXXX")"
WHEELS="${WHEELS:-.whl}"  # where the wheels are
if compgen -G "$WHEELS/*.whl" >/dev/null; then
    step install-wheels 20 bash -c '"$0" -m pip install -q --no-index --no-deps --target "$1" "${@:2}" &&
        echo "installed $(($# - 1)) wheels:" $(basename -a "${@:2}")' "$PYTHON" "$SITE" "$WHEELS"/*.whl
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

# Each preflight check writes its own summary line; the step's line follows them. Its first check trains
# an epoch per optimiser and dtype: CuPy compiles each kernel once into its cache on disk
# (~/.cupy/kernel_cache), which the suites then find there.
step preflight 50 "$PYTHON" scripts/gpu_preflight.py "${PREFLIGHT[@]}" --summary "$SUMMARY"
suite tests-cupy-device 150 "${CUPY_SUITE[@]}" PORTABLE_DNN_TESTS=device
suite tests-cupy-host 110 "${CUPY_SUITE[@]}" PORTABLE_DNN_TESTS=host
suite tests-torch-cuda 40 PORTABLE_DNN_BACKEND=torch PORTABLE_DNN_DEVICES=$TORCH_DEVICE PORTABLE_DNN_TESTS=device
step bench-full-batch 30 env "${BENCH_ENV[@]}" "$PYTHON" benchmarks/bench.py --workloads gpu-f32 --quick \
    --no-memory --json "$OUT/bench-full-batch.json"
step bench-minibatch 30 env "${BENCH_ENV[@]}" "$PYTHON" benchmarks/minibatch.py --workloads gpu --quick \
    --json "$OUT/bench-minibatch.json"
rm -rf "$SITE"

mode=$([ $DRY_RUN = 1 ] && echo "dry run (CPU stand-ins)" || echo "GPU")
verdict=$([ $status = 0 ] && echo "every step passed" || echo "some steps FAILED or were cut")
echo "gpu_check, $mode: $verdict; summary in $SUMMARY" | tee -a "$SUMMARY"
exit $status
