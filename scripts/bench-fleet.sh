#!/bin/bash
# Scale benchmark of `dlenv fleet report`: N generated node reports (scripts/gen-fleet-fixture.py:
# realistic sizes, 1% drifted, a few unhealthy, a few corrupt), timed with /usr/bin/time -v
# (wall time, peak RSS), and every drifted, unhealthy and corrupt node checked against the
# generator's manifest. Fails past the targets: 5 s and 1 GiB for 10,000 nodes.
#
# usage: scripts/bench-fleet.sh [DLENV_BINARY] [N]      (defaults: build/dlenv 10000)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/dlenv}
n=${2:-10000}
max_seconds=${DLENV_FLEET_MAX_SECONDS:-5}
max_kib=${DLENV_FLEET_MAX_KIB:-1048576}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 "$here/scripts/gen-fleet-fixture.py" "$n" "$work/fleet"
echo "fixture: $n reports, $(du -sh --apparent-size "$work/fleet" | cut -f1) in $work/fleet"
cat "$work/fleet"/*.json > /dev/null  # warm the page cache: measure parsing, not the disk

rc=0
expect=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['hostlist'])" "$work/fleet/manifest.json.expected")
/usr/bin/time -v "$bin" fleet report "$work/fleet" --json --expect "$expect" > "$work/report.json" 2> "$work/time.txt" || rc=$?
if [ "$rc" -ne 1 ]; then
  echo "expected exit code 1 (drift, unhealthy nodes), got $rc"; cat "$work/time.txt"; exit 1
fi
python3 - "$work/fleet/manifest.json.expected" "$work/report.json" "$work/time.txt" "$max_seconds" "$max_kib" <<'PY'
import json, re, sys
manifest, report = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
timing = open(sys.argv[3]).read()
max_s, max_kib = float(sys.argv[4]), int(sys.argv[5])
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", timing)
seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", timing).group(1))
user = float(re.search(r"User time \(seconds\): ([\d.]+)", timing).group(1))
system = float(re.search(r"System time \(seconds\): ([\d.]+)", timing).group(1))

drifted_found = {h for g in report["groups"] if not g["baseline"] for h in g["hosts"]}
unhealthy_found = {u["host"] for u in report["unhealthy"]}
rejected_found = {r["file"] for r in report["rejected"]}
problems = []
for h, kind in manifest["drifted"].items():
    if h not in drifted_found: problems.append(f"drifted {h} ({kind}) not found")
for h, kind in manifest["unhealthy"].items():
    if h not in unhealthy_found: problems.append(f"unhealthy {h} ({kind}) not found")
for f, kind in manifest["corrupt"].items():
    if f not in rejected_found: problems.append(f"corrupt {f} ({kind}) not rejected")
extra = drifted_found - set(manifest["drifted"])
if extra: problems.append(f"{len(extra)} nodes reported drifted that are not")
expected_reports = manifest["nodes"] - len(manifest["corrupt"])
if report["missing"]:
    problems.append(f"{len(report['missing'])} nodes reported missing that are not: {report['missing_hostlist']}")
if report["reports"] != expected_reports:
    problems.append(f"{report['reports']} reports read, expected {expected_reports}")

print(f"nodes: {manifest['nodes']}  read: {report['reports']}  groups: {len(report['groups'])}  "
      f"drifted found: {len(drifted_found)}/{len(manifest['drifted'])}  "
      f"unhealthy found: {len(unhealthy_found)}/{len(manifest['unhealthy'])}  "
      f"rejected: {len(rejected_found)}/{len(manifest['corrupt'])}")
print(f"wall: {seconds:.2f} s  user: {user:.2f} s  system: {system:.2f} s  peak RSS: {rss_kib / 1024:.0f} MiB")
if seconds > max_s: problems.append(f"{seconds:.2f} s is over the {max_s} s target")
if rss_kib > max_kib: problems.append(f"{rss_kib} KiB is over the {max_kib} KiB target")
for p in problems: print("FAIL:", p)
sys.exit(1 if problems else 0)
PY
