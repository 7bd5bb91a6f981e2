#!/usr/bin/env bash
# dlenv explain's cost: peak memory on a 100 MB log (streamed: must stay under 64 MiB), and
# the time for a 1 MB log beside `dlenv doctor`'s own time (explain probes the machine as
# doctor does, so its time is the probe's plus the reading). Medians of $runs runs.
# Usage: scripts/bench-explain.sh [path/to/dlenv] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
dlenv=${1:-build/dlenv}
runs=${2:-5}
[[ -x $dlenv ]] || { echo "no dlenv binary at $dlenv (run scripts/install.sh)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A training log: progress bars, colours, timestamps and ranks, with one real error near the
# end (tests/error-texts/torch-2.15.0-driver-too-old.txt) and one OOM in the middle.
make_log() {  # bytes file
  python3 - "$1" "$2" <<'PY'
import sys
size, path = int(sys.argv[1]), sys.argv[2]
err = open("tests/error-texts/torch-2.15.0-driver-too-old.txt").read().split("\n", 1)[1]
oom = open("tests/error-texts/torch-2.15.0-out-of-memory.txt").read().split("\n", 1)[1]
lines = []
i = 0
with open(path, "w") as f:
    written = 0
    while written < size - 4096:
        r = i % 8
        line = (f"[rank{r}]: 2024-05-17 14:{i//3600%60:02d}:{i%60:02d},120 - \x1b[32mINFO\x1b[0m step {i} loss {1.0/(i+1):.6f} lr 3e-4\n"
                f" {i%100:3d}%|{'#'*(i%10):10s}| {i%100}/100\r\n")
        f.write(line)
        written += len(line)
        if i == 50000:
            f.write(oom)
        i += 1
    f.write(err)
PY
}
make_log $((100 * 1024 * 1024)) "$work/big.log"
make_log $((1024 * 1024)) "$work/small.log"
"$dlenv" doctor --json > "$work/report.json" || true

tmp="$work/time"
measure() {  # prints "median_seconds max_rss_kib"
  "$@" >/dev/null 2>&1 || true
  local samples=() rss=0
  for ((i = 0; i < runs; i++)); do
    local start end kib
    start=$EPOCHREALTIME
    /usr/bin/time -o "$tmp" -f '%M' "$@" >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    kib=$(tail -n1 "$tmp")
    samples+=("$(echo "$end - $start" | bc -l)")
    ((kib > rss)) && rss=$kib
  done
  local median
  median=$(printf '%s\n' "${samples[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
  printf '%.3f %d\n' "$median" "$rss"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (other builds may be running)"
read -r t r < <(measure "$dlenv" explain --from "$work/report.json" "$work/big.log")
printf '%-58s %8.3f s %8d KiB\n' "explain, 100 MB log, judged against --from report" "$t" "$r"
read -r t r < <(measure "$dlenv" explain "$work/big.log")
printf '%-58s %8.3f s %8d KiB\n' "explain, 100 MB log, this machine probed" "$t" "$r"
read -r t r < <(measure "$dlenv" explain --from "$work/report.json" "$work/small.log")
printf '%-58s %8.3f s %8d KiB\n' "explain, 1 MB log, judged against --from report" "$t" "$r"
read -r t r < <(measure "$dlenv" explain "$work/small.log")
printf '%-58s %8.3f s %8d KiB\n' "explain, 1 MB log, this machine probed" "$t" "$r"
read -r t r < <(measure "$dlenv" doctor)
printf '%-58s %8.3f s %8d KiB\n' "doctor (the probe alone)" "$t" "$r"
