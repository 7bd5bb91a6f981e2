#!/usr/bin/env bash
# driver.packages_not_held reads apt's lists (which repositories carry each driver package) only
# where unattended-upgrades is installed and enabled and a driver package is not held. On a
# fixture root with this machine's Debian lists, uncompressed, plus two more copies of the
# largest under other suites (about 150 MB of Packages lists, an Ubuntu host's size) and NVIDIA's
# flat repository: median wall time and peak RSS of `dlenv doctor --root` with unattended-upgrades
# enabled (the lists read) and disabled (not read), beside the anchor, `apt-cache policy` of the
# same packages on the same root. Usage: scripts/bench-apt-origins.sh [dlenv] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
dlenv=$(realpath "${1:-build/dlenv}")
runs=${2:-5}
[[ -x $dlenv ]] || { echo "no dlenv binary at $dlenv (run scripts/install.sh)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root lists=$work/root/var/lib/apt/lists
mkdir -p "$lists/partial" "$root/etc/apt/apt.conf.d" "$root/var/lib/dpkg/info" \
  "$root/var/cache/apt/archives/partial"
largest=""
for f in /var/lib/apt/lists/*_Packages*; do  # apt-helper reads any compression apt wrote
  out=$lists/$(basename "${f%.lz4}") && out=${out%.gz} && out=${out%.xz} && out=${out%.zst}
  /usr/lib/apt/apt-helper cat-file "$f" >"$out"
  [[ -z $largest || $(stat -c %s "$out") -gt $(stat -c %s "$largest") ]] && largest=$out
done
cp /var/lib/apt/lists/*Release "$lists/"
base=$(basename "$largest") suite=${largest#*_dists_} suite=${suite%%_*}
for other in mirror-one mirror-two; do  # the largest list again, under two other suites
  cp "$largest" "$lists/${base/_dists_${suite}_/_dists_${other}_}"
  release=$(ls "$lists"/*_dists_"${suite}"_InRelease | head -1)
  sed "s/^Codename: .*/Codename: $other/" "$release" >"${release/_dists_${suite}_/_dists_${other}_}"
done
printf 'Origin: NVIDIA\nLabel: NVIDIA CUDA\n' >"$lists/developer.download.nvidia.com_compute_cuda_repos_debian12_x86%5f64_InRelease"
printf 'Package: %s\nVersion: 550.54.15-1\nArchitecture: amd64\n\n' nvidia-driver libcuda1 \
  >"$lists/developer.download.nvidia.com_compute_cuda_repos_debian12_x86%5f64_Packages"
# The anchor's sources.list, from the lists' names (apt reads only the lists of its sources):
# apt's file name is the URI with '/' as '_' and a literal '_' as %5f.
unquote() { local u=${1//_//}; echo "${u//%5f/_}"; }
for rel in "$lists"/*_InRelease; do
  n=$(basename "$rel") && n=${n%_InRelease}
  if [[ $n == *_dists_* ]]; then
    for comp in "$lists/${n}"_*_binary-*_Packages; do
      comp=${comp#"$lists/${n}_"}
      echo "deb [trusted=yes] http://$(unquote "${n%%_dists_*}") ${n#*_dists_} ${comp%%_binary-*}"
    done
  else
    echo "deb [trusted=yes] https://$(unquote "$n")/ /"
  fi
done >"$root/etc/apt/sources.list"
echo "lists: $(du -cb "$lists"/*_Packages | tail -1 | cut -f1) bytes in $(ls "$lists"/*_Packages | wc -l) Packages files"
for p in unattended-upgrades:2.9.1+nmu3 nvidia-driver:535.216.01-1~deb12u1 libcuda1:535.216.01-1~deb12u1 \
         libnvidia-ml1:535.216.01-1~deb12u1 nvidia-kernel-dkms:535.216.01-1~deb12u1; do
  printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' "${p%%:*}" "${p#*:}"
done >"$root/var/lib/dpkg/status"
cp /etc/os-release "$root/etc/os-release"
printf 'Unattended-Upgrade::Origins-Pattern { "origin=Debian,codename=${distro_codename},label=Debian"; };\n' \
  >"$root/etc/apt/apt.conf.d/50unattended-upgrades"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() {  # label command...: prints "label  seconds  KiB", medians of $runs runs
  local label=$1; shift
  local t=() m=() i s k
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
    read -r s k < <(tail -1 "$work/time")
    t+=("$s") m+=("$k")
  done
  printf '%-44s %8s %10s\n' "$label" "$(printf '%s\n' "${t[@]}" | median)" "$(printf '%s\n' "${m[@]}" | median)"
}
printf '%-44s %8s %10s\n' "" "seconds" "peak KiB"
echo 'APT::Periodic::Unattended-Upgrade "0";' >"$root/etc/apt/apt.conf.d/20auto-upgrades"
measure "dlenv doctor --root (disabled: not read)" "$dlenv" doctor --root "$root" --json
echo 'APT::Periodic::Unattended-Upgrade "1";' >"$root/etc/apt/apt.conf.d/20auto-upgrades"
measure "dlenv doctor --root (enabled: lists read)" "$dlenv" doctor --root "$root" --json
"$dlenv" doctor --root "$root" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
for p in s["driver_lifecycle"]["packages"]:
    print("  ", p["name"], "from", ", ".join(o["origin"] + "/" + o["codename"] for o in p["origins"]) or "-")
print("   finding:", [f["evidence"][:160] for f in s["findings"] if f["id"] == "driver.packages_not_held"])'
: >"$work/empty.conf"
measure "apt-cache policy (anchor, same root)" env APT_CONFIG="$work/empty.conf" apt-cache -o Dir="$root" \
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= policy nvidia-driver libcuda1 libnvidia-ml1
