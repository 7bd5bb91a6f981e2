#!/usr/bin/env bash
# README command 2: installs what the test suite needs, then runs all of it:
#   1. the unit and scenario tests (ctest) on a normal build,
#   2. the same tests under AddressSanitizer and UndefinedBehaviorSanitizer,
#   3. every libFuzzer target for a bounded time (DLENV_FUZZ_SECONDS, default 15),
#   4. a build with /usr/local/cuda hidden, and a check that the binary links no NVIDIA library.
# Set DLENV_QUICK=1 to run step 1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

packages=(build-essential cmake ninja-build pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev
          libssl-dev libopenblas-dev libgtest-dev libgmock-dev clang libclang-rt-14-dev binutils
          python3 python3-venv python3-pip python3-torch python3-numpy python3-jsonschema python3-yaml
          strace chromium util-linux libpng-dev jq time bc)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Real Python environments the oracle tests inspect (venvs with pip-installed packages).
export DLENV_TEST_ENVS=${DLENV_TEST_ENVS:-/var/tmp/dlenv-test-envs}
export DLENV_REQUIRE_TEST_ENVS=1
scripts/make-test-envs.sh "$DLENV_TEST_ENVS"

step() { printf '\n=== %s\n' "$*"; }

step "build and run the test suite"
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLENV_FETCH_NVML_HEADER=ON -DDLENV_WERROR=ON
cmake --build build-test -j"$jobs"
ctest --test-dir build-test --output-on-failure -j"$jobs"
[[ ${DLENV_QUICK:-0} == 1 ]] && exit 0

step "the test suite under ASan and UBSan"
# handle_segv=0: the fake driver crashes on purpose with SIGSEGV, and the tests check that
# dlenv reports that signal; ASan would turn it into SIGABRT.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DDLENV_SANITIZE=ON -DDLENV_FETCH_NVML_HEADER=ON -DDLENV_WERROR=ON
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:handle_segv=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

step "fuzz targets, ${DLENV_FUZZ_SECONDS:=10} s each"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDLENV_FUZZ=ON -DDLENV_TESTS=OFF
cmake --build build-fuzz -j"$jobs"
for f in build-fuzz/fuzz/fuzz_*; do
  name=${f##*/fuzz_}
  corpus=$(mktemp -d)
  [[ -d fuzz/corpus/$name ]] && cp -r fuzz/corpus/"$name"/. "$corpus"/
  echo "fuzz_$name"
  "$f" -max_total_time="$DLENV_FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" 2>"$corpus.log" \
    || { tail -n 40 "$corpus.log"; exit 1; }
  rm -rf "$corpus" "$corpus.log"
done

step "the build needs no CUDA toolkit and links no NVIDIA library"
scripts/check-no-cuda.sh

step "all test stages passed"
