#!/usr/bin/env bash
# Wall time and peak memory of `dlenv doctor` against the anchor, PyTorch's own
# `python3 -m torch.utils.collect_env` (Debian's python3-torch), side by side in one run.
# Usage: scripts/bench-doctor.sh [path/to/dlenv] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
dlenv=${1:-build/dlenv}
runs=${2:-7}
python=${PYTHON:-/usr/bin/python3}
[[ -x $dlenv ]] || { echo "no dlenv binary at $dlenv (run scripts/install.sh)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }

# Prints "median_seconds max_rss_kib" over $runs runs of the command (after one warm-up).
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
measure() {
  "$@" >/dev/null 2>&1 || true
  local samples=() rss=0
  for ((i = 0; i < runs; i++)); do
    local start end kib
    # Wall time from bash's microsecond clock (GNU time's %e has 10 ms resolution);
    # peak RSS from GNU time in the same run.
    start=$EPOCHREALTIME
    /usr/bin/time -o "$tmp" -f '%M' "$@" >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    kib=$(tail -n1 "$tmp")
    samples+=("$(echo "$end - $start" | bc -l)")
    ((kib > rss)) && rss=$kib
  done
  local median
  median=$(printf '%s\n' "${samples[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  echo "$median $rss"
}

read -r d_t d_m < <(measure "$dlenv" doctor)
read -r p_t p_m < <(measure "$python" -m torch.utils.collect_env)
printf '%-40s %12s %14s\n' "command" "median wall s" "peak RSS MiB"
printf '%-40s %12.3f %14.1f\n' "dlenv doctor" "$d_t" "$(echo "$d_m/1024" | bc -l)"
printf '%-40s %12.3f %14.1f\n' "python3 -m torch.utils.collect_env" "$p_t" "$(echo "$p_m/1024" | bc -l)"
printf 'ratio: dlenv is %.1fx faster and uses %.1fx less memory (%d runs each, %s, %s)\n' \
  "$(echo "$p_t / $d_t" | bc -l)" "$(echo "$p_m / $d_m" | bc -l)" "$runs" "$(nproc) cores" "$(date -u +%F)"
