#!/usr/bin/env bash
# dlenv's native CPU SGEMM against NumPy's at the same size, in one `dlenv compare` run, and
# the harness's own overhead (the empty workload). A benchmark, not a test: it prints figures
# and whether the ratio meets the target (native >= 0.95 of NumPy).
#
#   scripts/bench-cpu-sgemm.sh [SIZE]     (default 2048)
#   DLENV=build/dlenv PYTHON=/usr/bin/python3 THREADS=2 MIN_TIME=4 scripts/bench-cpu-sgemm.sh 4096
#
# Both sides run the same thread count. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some
# machines set to work around old OpenBLAS builds, slow a current one down; they are unset
# together, for this command only, and the kernel OpenBLAS then picks is printed.
set -euo pipefail

size=${1:-2048}
dlenv=${DLENV:-build/dlenv}
python=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-$(nproc)}
[[ -x $dlenv ]] || { echo "bench-cpu-sgemm: $dlenv not built (cmake --build build --target dlenv)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench-cpu-sgemm: needs jq (apt-get install jq)" >&2; exit 2; }

clean_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads")

# Which OpenBLAS kernel NumPy's BLAS runs here (threadpoolctl is not always installed, so ask
# the loaded library directly).
"${clean_env[@]}" "$python" - <<'PY' || true
import ctypes, numpy
numpy.dot(numpy.ones((64, 64)), numpy.ones((64, 64)))
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "openblas" in l and ".so" in l})
for path in libs:
    lib = ctypes.CDLL(path)
    try:
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        print("numpy %s BLAS %s: %s, kernel %s, %d threads" % (numpy.__version__, path, lib.openblas_get_config().decode(),
              lib.openblas_get_corename().decode(), lib.openblas_get_num_threads()))
    except AttributeError:
        pass
if not libs:
    print("numpy %s does not use OpenBLAS here" % numpy.__version__)
PY

json=$(mktemp)
trap 'rm -f "$json"' EXIT
"${clean_env[@]}" "$dlenv" compare --python "$python" --framework numpy --workload matmul,empty \
  --device cpu --sizes "$size" --threads "$threads" --min-time "${MIN_TIME:-4}" --json >"$json"

variant="$size float32"
native=$(jq -r --arg v "$variant" '.native[$v] // empty' "$json")
numpy=$(jq -r --arg v "$variant" '.runs[] | select(.workload=="matmul" and .variant==$v and .framework=="numpy") | .value' "$json")
numpy_spread=$(jq -r --arg v "$variant" '.runs[] | select(.workload=="matmul" and .variant==$v and .framework=="numpy") | 50*.time.iqr/.time.median' "$json")
numpy_ok=$(jq -r --arg v "$variant" '.runs[] | select(.workload=="matmul" and .variant==$v and .framework=="numpy") | .check.passed' "$json")
empty=$(jq -r '.runs[] | select(.workload=="empty" and .framework=="numpy") | .time.median * 1e6' "$json")
wall=$(jq -r '.processes[] | select(.framework=="numpy") | .wall_seconds' "$json")
import=$(jq -r '.processes[] | select(.framework=="numpy") | .import_seconds' "$json")
[[ -n $native && -n $numpy ]] || { echo "bench-cpu-sgemm: no result; the document was:" >&2; cat "$json" >&2; exit 1; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, $threads threads; $(date -u +%FT%TZ)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'SGEMM %s: dlenv native %.1f GFLOP/s, numpy %.1f GFLOP/s (spread ±%.1f%%, check %s)\n' "$size" "$native" "$numpy" "$numpy_spread" "$numpy_ok"
# The noise verdict between the two (dlenv's statistics: rank test, bootstrap interval, noise floor).
verdict=$(jq -r --arg v "$variant" '
  . as $d
  | [range(0; $d.runs|length) | select($d.runs[.].workload=="matmul" and $d.runs[.].variant==$v)] as $ix
  | [$d.verdicts[] | select((.run as $r | $ix | index($r)) != null)] | first
  | if . == null then "not compared"
    else "\($d.runs[.fastest].framework) fastest; the other \(.comparison.verdict) (ratio \(.comparison.ratio*1000|round/1000), 95% interval \(.comparison.interval.low*1000|round/1000)-\(.comparison.interval.high*1000|round/1000), noise \(.comparison.noise*1000|round/10)%)" end' "$json")
echo "noise verdict: $verdict"
ratio=$(jq -n --argjson a "$native" --argjson b "$numpy" '$a / $b')
printf 'ratio native / numpy: %.3f (target >= 0.95): %s\n' "$ratio" "$(jq -n --argjson r "$ratio" 'if $r >= 0.95 then "met" else "NOT met" end' -r)"
printf 'harness overhead: %.3f us per timed call (empty workload); process %.2f s, of which start + import %.2f s\n' "$empty" "$wall" "$import"
