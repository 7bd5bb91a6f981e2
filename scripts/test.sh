#!/usr/bin/env bash
# README command 2: installs what the test suite needs, then runs all of it:
#   1. the unit and scenario tests (ctest) on a g++ build with -Werror,
#   2. the same tests under AddressSanitizer and UndefinedBehaviorSanitizer, on a clang build
#      that also carries libFuzzer's coverage instrumentation, so that
#   3. every libFuzzer target is built from the same objects and run for a bounded time
#      (DLENV_FUZZ_SECONDS, default 10), two at a time,
#   4. a build with /usr/local/cuda hidden, and a check that the binary links no NVIDIA library
#      (compiled at the lowest priority while the test runs of 1 and 2 leave cores idle).
# The test environments download (network) while both builds compile (CPU). Each stage's time
# is printed at the end (CONTRIBUTING.md keeps the figures).
# DLENV_QUICK=1 runs step 1 only. DLENV_CCACHE=1 compiles through ccache (a developer's
# repeated runs; CI's budget is measured without it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

packages=(build-essential cmake ninja-build pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev
          libssl-dev libopenblas-dev libcurl4-openssl-dev libgtest-dev libgmock-dev clang libclang-rt-14-dev binutils
          python3 python3-venv python3-pip python3-torch python3-numpy python3-jsonschema python3-yaml
          clang-format strace chromium util-linux libpng-dev jq time bc
          slurm-wlm munge prometheus-node-exporter prometheus curl lintian help2man dpkg-dev file systemd
          libtomlplusplus-dev libyaml-cpp-dev liblzma-dev libzstd-dev zlib1g-dev xz-utils zstd
          containerd docker.io kmod dkms linux-kbuild-6.1 openssl mokutil
          python3-apt python3-distro-info lsb-release
          golang-github-container-orchestrated-devices-container-device-interface-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# --- stage bookkeeping: each stage's wall time, printed at the end even when a stage fails ---
# Each test run's figures (passed / failed / skipped, and every skipped test with its reason)
# are printed under the stage table: a green run shows what it did not check.
test_figures=$(mktemp)
stage_names=() stage_secs=()
stage_start=$SECONDS current=""
stage() {
  [[ -n $current ]] && { stage_names+=("$current"); stage_secs+=($((SECONDS - stage_start))); }
  current=$1 stage_start=$SECONDS
  [[ -n $current ]] && printf '\n=== %s\n' "$current"
  return 0
}
summary() {
  local rc=$?
  if [[ -n ${nocuda_pid:-} ]] && kill -0 "$nocuda_pid" 2>/dev/null; then
    kill -- -"$nocuda_pid" 2>/dev/null || true
  fi
  stage ""
  printf '\n=== stage times (s)\n'
  local i
  for i in "${!stage_names[@]}"; do printf '%6d  %s\n' "${stage_secs[$i]}" "${stage_names[$i]}"; done
  printf '%6d  total\n' "$SECONDS"
  if [[ -s $test_figures ]]; then
    printf '\n=== tests (passed / failed / skipped; each skip with its reason)\n'
    cat "$test_figures"
  fi
  rm -f "$test_figures"
  return $rc
}
trap summary EXIT

stage "install packages"
if ((${#missing[@]})); then
  as_root apt-get update -qq
  # No package may start its service here (docker.io's would start dockerd; the tests use only
  # the docker CLI, and start Slurm and node_exporter themselves): Debian's policy-rc.d says no.
  policy_added=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if ((policy_added)); then as_root rm -f /usr/sbin/policy-rc.d; fi
elif ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  as_root apt-get update -qq  # the tests simulate `apt-get install -s` of dlenv's fixes
fi

# ctest_report LABEL BUILD_DIR: runs the build's tests, then prints (and keeps for the end)
# their figures from ctest's JUnit file; no test found is a failure, like a failed test.
ctest_report() {
  local label=$1 dir=$2 rc=0
  ctest --test-dir "$dir" --output-on-failure --no-tests=error --output-junit ctest-junit.xml \
    -j"$jobs" || rc=$?
  python3 scripts/ctest-summary.py "$label" "$dir/ctest-junit.xml" "$test_figures" || rc=1
  return "$rc"
}

launcher=()
if [[ ${DLENV_CCACHE:-0} == 1 ]] && command -v ccache >/dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# Real Python environments the oracle tests inspect (venvs with pip-installed packages). Their
# downloads wait on the network, the build on the CPU: they run side by side.
export DLENV_TEST_ENVS=${DLENV_TEST_ENVS:-/var/tmp/dlenv-test-envs}
export DLENV_REQUIRE_TEST_ENVS=1
envs_log=$(mktemp)
scripts/make-test-envs.sh "$DLENV_TEST_ENVS" >"$envs_log" 2>&1 &
envs_pid=$!

stage "the code is formatted (clang-format, .clang-format)"
scripts/check-format.sh

stage "build the test suite (g++, -O1, -Werror)"
# -O1 without debug info: the tests check behaviour, and -g costs a third of the compile time.
# Unity builds, as scripts/install.sh's: the per-file build is scripts/check-no-cuda.sh's.
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -DNDEBUG" \
  -DDLENV_WERROR=ON -DCMAKE_UNITY_BUILD=ON "${launcher[@]}"
cmake --build build-test -j"$jobs"

if [[ ${DLENV_QUICK:-0} != 1 ]]; then
  stage "build for sanitizers and fuzzers (clang, ASan+UBSan+libFuzzer coverage; test environments still downloading)"
  # One build serves both: the tests link the instrumented core like the fuzz targets do.
  # Warnings are errors in the g++ build above; clang here only has to build.
  CC=clang CXX=clang++ cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DDLENV_FUZZ=ON -DDLENV_TESTS=ON -DDLENV_WERROR=OFF -DCMAKE_UNITY_BUILD=ON "${launcher[@]}"
  cmake --build build-san -j"$jobs"
fi

stage "test environments (made while building)"
if ! wait "$envs_pid"; then
  cat "$envs_log" >&2
  echo "make-test-envs.sh failed" >&2
  exit 1
fi
cat "$envs_log"
rm -f "$envs_log"

# The build with /usr/local/cuda hidden (step 4) compiles on the CPU time the test runs leave
# idle (they wait on subprocesses, services and the network: about 1.2 of 2 cores busy on
# average): started now at the lowest priority, its result is read at the end.
nocuda_log=$(mktemp)
nocuda_pid=""
if [[ ${DLENV_QUICK:-0} != 1 ]]; then
  # Its own process group, so that a failed stage before its end stops the whole build.
  setsid nice -n 19 scripts/check-no-cuda.sh >"$nocuda_log" 2>&1 &
  nocuda_pid=$!
fi

stage "run the test suite"
ctest_report "g++" build-test
[[ ${DLENV_QUICK:-0} == 1 ]] && exit 0

stage "the .deb: lintian, dpkg -i, /usr/bin/dlenv doctor, dpkg -r"
scripts/check-deb.sh build-test

stage "run the test suite under ASan and UBSan"
# handle_segv=0: the fake driver crashes on purpose with SIGSEGV, and the tests check that
# dlenv reports that signal; ASan would turn it into SIGABRT.
# intercept_tls_get_addr=0: clang 14's runtime (up to LLVM 16) takes a dynamic TLS block whose
# address happens to end in 0x010 for a glibc 2.19 header and reads a bogus range from it, and
# LeakSanitizer's tracer then dies at exit ("Tracer caught signal 11", after the test passed;
# google/sanitizers#1322). Which block lands there depends on the allocations before it, so one
# test (Fixture/PackageScenario.Pep691Json/tf_py38_cpu) failed this way every time.
# DLENV_PIP_FIXES_RESOLVED: the first run had pip resolve every fix doctor printed for the
# real wheels; this run checks dlenv's code again, not pip's.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:handle_segv=0:intercept_tls_get_addr=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  DLENV_PIP_FIXES_RESOLVED=1 ctest_report "ASan+UBSan" build-san

stage "fuzz targets, ${DLENV_FUZZ_SECONDS:=10} s each, $jobs at a time"
fuzz_one() {  # fuzz_one BINARY: runs it from a copy of its seed corpus; prints the log on a crash
  local f=$1 name=${1##*/fuzz_} corpus
  corpus=$(mktemp -d)
  [[ -d fuzz/corpus/$name ]] && cp -r fuzz/corpus/"$name"/. "$corpus"/
  if "$f" -max_total_time="$DLENV_FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" \
       >"$corpus.log" 2>&1; then
    echo "fuzz_$name: ok"
    rm -rf "$corpus" "$corpus.log"
  else
    echo "fuzz_$name: FAILED"
    tail -n 40 "$corpus.log"
    return 1
  fi
}
export -f fuzz_one
export DLENV_FUZZ_SECONDS
ls build-san/fuzz/fuzz_* | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$@"' _ {}

stage "the build needs no CUDA toolkit and links no NVIDIA library (built beside the test runs)"
nocuda_rc=0
wait "$nocuda_pid" || nocuda_rc=$?
cat "$nocuda_log"
rm -f "$nocuda_log"
((nocuda_rc == 0)) || { echo "check-no-cuda.sh failed" >&2; exit 1; }

stage ""
echo
echo "all test stages passed"
