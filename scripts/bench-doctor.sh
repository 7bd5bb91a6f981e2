#!/usr/bin/env bash
# Wall time, CPU time and peak memory of `dlenv doctor`:
#   - on this machine, against the anchor, PyTorch's own `python3 -m torch.utils.collect_env`
#     (Debian's python3-torch);
#   - on a generated --root tree with a dpkg database of DLENV_FIXTURE_PACKAGES packages
#     (scripts/gen-dpkg-fixture.py, default 5,000), where the cost of finding each Python
#     distribution's Debian package must not grow with the number of packages;
#   - both beside an older dlenv when one is given, with the ratios.
# Usage: scripts/bench-doctor.sh [path/to/dlenv] [runs]
#   DLENV_OLD=path/to/dlenv     the older binary to compare with
#   DLENV_OLD_REF=<git ref>     or build that commit's dlenv once (Release, like
#                               scripts/install.sh) into ${DLENV_BENCH_DIR:-/var/tmp/dlenv-bench}
# Medians of `runs` runs (default 21) after one warm-up each; CPU is user+sys, which a busy
# machine disturbs less than wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
dlenv=${1:-build/dlenv}
runs=${2:-21}
python=${PYTHON:-/usr/bin/python3}
bench_dir=${DLENV_BENCH_DIR:-/var/tmp/dlenv-bench}
packages=${DLENV_FIXTURE_PACKAGES:-5000}
[[ -x $dlenv ]] || { echo "no dlenv binary at $dlenv (run scripts/install.sh)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
mkdir -p "$bench_dir"

old=${DLENV_OLD:-}
if [[ -z $old && -n ${DLENV_OLD_REF:-} ]]; then
  commit=$(git rev-parse --short "$DLENV_OLD_REF")
  src=$bench_dir/src-$commit
  old=$bench_dir/build-$commit/dlenv
  if [[ ! -x $old ]]; then
    echo "building $DLENV_OLD_REF ($commit) once into $bench_dir/build-$commit" >&2
    rm -rf "$src" && mkdir -p "$src"
    git archive "$commit" | tar -x -C "$src"
    cmake -S "$src" -B "$bench_dir/build-$commit" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DDLENV_TESTS=OFF -DDLENV_WERROR=OFF >/dev/null
    cmake --build "$bench_dir/build-$commit" --target dlenv >/dev/null
  fi
fi
[[ -z $old || -x $old ]] || { echo "DLENV_OLD=$old is not an executable" >&2; exit 2; }

fixture=$bench_dir/dpkg-fixture-$packages
if [[ ! -f $fixture/expected-owners.tsv ]]; then
  rm -rf "$fixture"
  scripts/gen-dpkg-fixture.py "$packages" "$fixture"
fi

# Prints "median_wall_s median_cpu_s peak_rss_kib" over $runs runs of the command.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
measure() {
  "$@" >/dev/null 2>&1 || true
  local walls=() cpus=() rss=0
  for ((i = 0; i < runs; i++)); do
    local start end
    # Wall time from bash's microsecond clock (GNU time's %e has 10 ms resolution); CPU and
    # peak RSS from GNU time in the same run.
    start=$EPOCHREALTIME
    /usr/bin/time -o "$tmp" -f '%U %S %M' "$@" >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    local u s kib
    read -r u s kib < <(tail -n1 "$tmp")
    walls+=("$(echo "$end - $start" | bc -l)")
    cpus+=("$(echo "$u + $s" | bc -l)")
    ((kib > rss)) && rss=$kib
  done
  echo "$(median "${walls[@]}") $(median "${cpus[@]}") $rss"
}
median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
row() {  # row LABEL WALL CPU RSS_KIB
  printf '%-46s %9.3f %9.3f %9.1f\n' "$1" "$2" "$3" "$(echo "$4/1024" | bc -l)"
}

printf '%-46s %9s %9s %9s\n' "command (median of $runs)" "wall s" "CPU s" "peak MiB"
declare -A result
for which in new old; do
  bin=$dlenv
  if [[ $which == old ]]; then
    [[ -n $old ]] || continue
    bin=$old
  fi
  result[$which-host]=$(measure "$bin" doctor)
  # The fixture's own usr/bin/python3 is the only interpreter on this PATH inside the root.
  result[$which-fixture]=$(measure env PATH=/usr/bin:/bin "$bin" doctor --root "$fixture" --no-host-driver)
  row "$which: dlenv doctor" ${result[$which-host]}
  row "$which: dlenv doctor --root ($packages dpkg packages)" ${result[$which-fixture]}
done
anchor=$(measure "$python" -m torch.utils.collect_env)
row "python3 -m torch.utils.collect_env" $anchor

ratio() {  # ratio "OLD_WALL OLD_CPU OLD_RSS" "NEW_WALL NEW_CPU NEW_RSS"
  local a b
  read -r -a a <<<"$1"
  read -r -a b <<<"$2"
  printf 'wall %.1fx, CPU %.1fx, memory %.1fx' "$(echo "${a[0]} / ${b[0]}" | bc -l)" \
    "$(echo "${a[1]} / ${b[1]}" | bc -l)" "$(echo "${a[2]} / ${b[2]}" | bc -l)"
}
if [[ -n $old ]]; then
  echo "old / new, this machine ($(ls /var/lib/dpkg/info/*.list 2>/dev/null | wc -l) dpkg lists): $(ratio "${result[old-host]}" "${result[new-host]}")"
  echo "old / new, $packages-package fixture: $(ratio "${result[old-fixture]}" "${result[new-fixture]}")"
fi
echo "collect_env / new dlenv doctor: $(ratio "$anchor" "${result[new-host]}")"
printf '(%s, %d cores, load average %s, %s)\n' "$(uname -m)" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%F)"
