#!/usr/bin/env bash
# Builds dlenv on a bare GPU machine (x86-64, root, Debian/Ubuntu-like, apt possibly
# offline) and runs doctor, verify, bench and compare there, printing the text reports and
# the two H100 target ratios. Designed to finish in under 5 minutes; record its output in
# docs/gpu-results.md.
#
#   scripts/device-check.sh            (DLENV_PREBUILT=path/to/dlenv to skip the build)
#
# A lent GPU machine may lack CLI11, nlohmann-json and fmt and cannot fetch them: then the
# build fails and the script uses a carried portable binary (glibc only), made here with
#   cmake -S . -B build-portable -DDLENV_PORTABLE=ON -DDLENV_TESTS=OFF -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-portable --target dlenv
# and carried as build-portable/dlenv.
#
# What it prints also goes to $OUT/device-check.log, and the JSON and HTML reports to $OUT,
# when $OUT is a folder (the device tool collects it from there).
set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
out=${OUT:-}
if [[ -z $out || ! -d $out ]]; then out=$(mktemp -d); fi
log=$out/device-check.log
exec > >(tee -a "$log") 2>&1

section() { printf '\n===== %s  [+%ds] =====\n' "$*" $((SECONDS - start)); }
run() {  # run SECONDS CMD...: prints the command, its output and its exit code
  local limit=$1; shift
  echo "\$ $*"
  timeout --kill-after=5 "$limit" "$@"
  local rc=$?
  echo "[exit $rc]"
  return 0
}

section machine
uname -a
grep -E '^(PRETTY_NAME|VERSION_ID)=' /etc/os-release || true
echo "cpus: $(nproc)"; free -g | head -2 || true
run 30 nvidia-smi
run 10 nvidia-smi --query-gpu=index,name,driver_version,memory.total,persistence_mode --format=csv
ls -l /dev/nvidia* 2>&1 | head -20

section build dependencies
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
command -v ninja >/dev/null || missing+=(ninja-build)
[[ -e /usr/include/CLI/CLI.hpp ]] || missing+=(libcli11-dev)
[[ -e /usr/include/nlohmann/json.hpp ]] || missing+=(nlohmann-json3-dev)
[[ -e /usr/include/fmt/format.h ]] || missing+=(libfmt-dev)
[[ -e /usr/include/toml++/toml.h ]] || missing+=(libtomlplusplus-dev)
[[ -e /usr/include/yaml-cpp/yaml.h ]] || missing+=(libyaml-cpp-dev)
[[ -e /usr/include/lzma.h ]] || missing+=(liblzma-dev)
[[ -e /usr/include/zstd.h ]] || missing+=(libzstd-dev)
[[ -e /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
echo "g++: $(g++ --version 2>/dev/null | head -1)"; echo "cmake: $(cmake --version 2>/dev/null | head -1)"
if ((${#missing[@]})); then
  echo "missing: ${missing[*]}"
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    # apt may be offline on a lent machine: bounded, and a failure is not fatal.
    export DEBIAN_FRONTEND=noninteractive
    timeout 90 apt-get update -q >/dev/null 2>&1 && \
      timeout 150 apt-get install -y -q --no-install-recommends "${missing[@]}" || echo "apt-get could not install them (offline?)"
  fi
fi

section build
binary=
if [[ -n ${DLENV_PREBUILT:-} ]]; then
  binary=$DLENV_PREBUILT
else
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  if timeout 200 cmake -S . -B build-device "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DDLENV_TESTS=OFF \
       -DDLENV_WERROR=OFF >/dev/null && \
     timeout 200 cmake --build build-device --target dlenv -j"$(nproc)" 2>&1 | tail -5; then
    [[ -x build-device/dlenv ]] && binary=build-device/dlenv
  fi
  for carried in build-portable/dlenv build/dlenv; do
    [[ -n $binary || ! -x $carried ]] && continue
    if ldd "$carried" 2>&1 | grep -q 'not found'; then
      echo "$carried is here but lacks libraries: $(ldd "$carried" | grep 'not found' | tr -s ' \t' ' ')"
    elif ! "$carried" --version >/dev/null 2>&1; then
      echo "$carried does not run here: $("$carried" --version 2>&1 | head -1)"
    else
      echo "building failed; using the carried $carried"; binary=$carried
    fi
  done
fi
if [[ -z $binary ]]; then
  echo "no dlenv binary: cannot continue"
  exit 3
fi
run 10 "$binary" --version
echo "NEEDED: $(readelf -d "$binary" 2>/dev/null | grep NEEDED | tr -s ' ' | cut -d' ' -f6 | tr '\n' ' ')"

section dlenv doctor
run 60 "$binary" doctor
timeout 60 "$binary" doctor --json >"$out/doctor.json"; echo "doctor --json: exit $?, $(wc -c <"$out/doctor.json") bytes in doctor.json"

section "dlenv verify (native only, timed; target: under 5 s on one H100)"
t0=$(date +%s.%N)
run 120 "$binary" verify --framework none
echo "wall: $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s"
timeout 120 "$binary" verify --framework none --json >"$out/verify.json"; echo "verify --json: exit $?"
section "dlenv verify (frameworks found on this machine)"
run 150 "$binary" verify --timeout 90

# bench and compare on the GPU (about 2-3 minutes on an H100).
section "dlenv bench --gpu-only (GEMM 8192 fp32/tf32/fp16/bf16, cuBLASLt bf16/fp8, bandwidths, launch latency)"
run 150 "$binary" bench --gpu-only --json-file "$out/bench.json" --html "$out/bench.html"
section "dlenv compare --device cuda (torch: matmul 8192 in 4 dtypes, copy 1 GiB, empty; dlenv's native baseline in the same run)"
run 180 "$binary" compare --device cuda --framework torch --workload matmul,copy,empty \
  --json-file "$out/compare.json" --html "$out/compare.html"

section "dlenv against torch on this GPU (targets: bf16 >= 0.98, copy >= 0.95)"
# From compare's one run: dlenv's native baseline (for bf16 the faster of cublasGemmEx and
# cublasLtMatmul) against torch.matmul and torch's copy_; bench's own figures beside them.
python3 - "$out/bench.json" "$out/compare.json" <<'PY' || echo "(no python3 or no JSON: compare the figures above by hand)"
import json, sys
bench, compare = (json.load(open(p)) for p in sys.argv[1:3])
def bench_best(*names):
    values = [m.get("value") or 0 for m in bench.get("measurements", []) if m.get("name") in names
              and m.get("check", {}).get("passed")]
    return max(values, default=0)
def torch(workload, prefix):
    for r in compare.get("runs", []):
        if r.get("framework") == "torch" and r.get("workload") == workload and r.get("variant", "").endswith(prefix):
            if r.get("value") and r.get("check", {}).get("passed", True):
                return r["value"], r.get("variant")
    return 0, None
native = compare.get("native", {})
for label, workload, suffix, bench_names, target in (
        ("bf16 gemm 8192", "matmul", "8192 bfloat16", ("bf16 gemm 8192", "bf16 gemm 8192 (cuBLASLt)"), 0.98),
        ("device copy", "copy", "MiB", ("device copy (cuMemcpyDtoD)",), 0.95)):
    theirs, variant = torch(workload, suffix)
    mine = native.get(variant, 0) if variant else 0
    ratio = mine / theirs if theirs and mine else float("nan")
    verdict = "met" if ratio >= target else "NOT met"
    print(f"{label}: dlenv {mine:.1f}, torch {theirs:.1f}, ratio {ratio:.3f} (target {target}: {verdict}); "
          f"dlenv bench alone {bench_best(*bench_names):.1f}")
PY
if ((SECONDS - start < 200)); then
  section "dlenv compare --device cuda --quick (CuPy, JAX, TensorFlow where installed)"
  run 80 "$binary" compare --device cuda --framework cupy,jax,tensorflow --workload matmul,copy --quick --no-native
else
  echo "skipping the CuPy/JAX/TensorFlow comparison: $((SECONDS - start)) s already spent"
fi
section "done in $((SECONDS - start)) s; reports in $out"
