#!/usr/bin/env bash
# CPU and wall time of clean builds, an older commit's beside this tree's, in the
# configurations the scripts use:
#   release  scripts/install.sh's (README command 1): Release, dlenv only
#   test     scripts/test.sh's g++ build: -O1, -Werror, the test suite
#   san      scripts/test.sh's clang build: ASan+UBSan+libFuzzer coverage, tests and fuzzers
# Each build starts from an empty folder without ccache. CPU time (user+sys of every compiler
# and linker, from GNU time) is the figure to compare on a machine that other work shares;
# wall time is printed beside it.
# Usage: scripts/bench-build.sh OLD_REF [release|test|san ...]   (default: release)
#   DLENV_BENCH_DIR   where the sources and builds go (default /var/tmp/dlenv-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { sed -n '2,13p' "$0" >&2; exit 2; }
old_ref=$1
shift
configs=("$@")
((${#configs[@]})) || configs=(release)
bench_dir=${DLENV_BENCH_DIR:-/var/tmp/dlenv-bench}
jobs=$(nproc)
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

commit=$(git rev-parse --short "$old_ref")
old_src=$bench_dir/src-$commit
new_src=$bench_dir/src-worktree
rm -rf "$old_src" "$new_src"
mkdir -p "$old_src" "$new_src"
git archive "$commit" | tar -x -C "$old_src"
# This tree as it is, uncommitted edits included.
git ls-files -z --cached --others --exclude-standard | tar --null -T - -c | tar -x -C "$new_src"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
build() {  # build CONFIG SOURCE NAME: prints "cpu_s wall_s"
  local config=$1 src=$2 dir=$bench_dir/build-$3-$1 flags=() target=all cc=()
  case $config in
    release) flags=(-DCMAKE_BUILD_TYPE=Release -DDLENV_TESTS=OFF -DDLENV_WERROR=OFF) target=dlenv ;;
    test) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG"
                 "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG" -DDLENV_WERROR=ON) ;;
    san) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only"
                "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DDLENV_FUZZ=ON -DDLENV_TESTS=ON
                -DDLENV_WERROR=OFF)
         cc=(env CC=clang CXX=clang++) ;;
    *) echo "unknown configuration $config" >&2; exit 2 ;;
  esac
  # The unity build is this tree's; the old tree builds as its own scripts did.
  [[ $src == "$new_src" ]] && flags+=(-DCMAKE_UNITY_BUILD=ON)
  rm -rf "$dir"
  "${cc[@]}" cmake -S "$src" -B "$dir" -G Ninja "${flags[@]}" >"$dir.log" 2>&1
  /usr/bin/time -o "$tmp" -f '%U %S %e' cmake --build "$dir" -j"$jobs" --target "$target" >>"$dir.log" 2>&1 ||
    { echo "build $3 $config failed: $dir.log" >&2; exit 1; }
  local u s e
  read -r u s e < <(tail -n1 "$tmp")
  echo "$(echo "$u + $s" | bc -l) $e"
}

printf '%-8s %12s %12s %12s %12s %8s\n' config "old CPU s" "old wall s" "new CPU s" "new wall s" "CPU old/new"
for config in "${configs[@]}"; do
  read -r old_cpu old_wall < <(build "$config" "$old_src" "old-$commit")
  read -r new_cpu new_wall < <(build "$config" "$new_src" new)
  printf '%-8s %12.0f %12.0f %12.0f %12.0f %8.2f\n' "$config" "$old_cpu" "$old_wall" "$new_cpu" "$new_wall" \
    "$(echo "$old_cpu / $new_cpu" | bc -l)"
done
printf '(old %s, new this tree; %d cores, load average %s, %s)\n' "$commit" "$jobs" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%F)"
