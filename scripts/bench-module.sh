#!/usr/bin/env bash
# doctor's one costly read: a compressed NVIDIA kernel module (.ko.xz, .ko.zst), decompressed
# only where its contents decide a finding. On a fixture root with an 80 MB module (the first
# 80 MB of a large ELF library: code-like bytes, compressed as the kernel's Makefile.modinst
# does), median wall time and peak RSS of `dlenv doctor --root` when the module is not opened
# (Secure Boot off) and when it is (Secure Boot on, module not loaded), beside the anchor:
# `xz -dc` / `zstd -dc` of the same file. Usage: scripts/bench-module.sh [dlenv] [runs] [elf]
set -euo pipefail
cd "$(dirname "$0")/.."
dlenv=$(realpath "${1:-build/dlenv}")
runs=${2:-5}
elf=${3:-$(ls -S /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null | head -1 || true)}
[[ -x $dlenv ]] || { echo "no dlenv binary at $dlenv (run scripts/install.sh)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 80000000 "$elf" >"$work/nvidia.ko"
echo "module: $(stat -c %s "$work/nvidia.ko") bytes from $elf (80,000,000 wanted: name a larger file)"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() {  # label command...: prints "label  seconds  KiB", medians of $runs runs; sets $secs
  local label=$1; shift
  local t=() m=() i s k
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
    read -r s k < <(tail -1 "$work/time")  # after "Command exited with non-zero status"
    t+=("$s") m+=("$k")
  done
  secs=$(printf '%s\n' "${t[@]}" | median)
  printf '%-36s %8s %10s\n' "$label" "$secs" "$(printf '%s\n' "${m[@]}" | median)"
}

release=6.12.0-99-amd64
printf '%-36s %8s %10s\n' "" "seconds" "peak KiB"
for fmt in xz zst; do
  root=$work/root-$fmt
  mkdir -p "$root/proc/sys/kernel" "$root/lib/modules/$release/updates/dkms" "$root/etc" \
    "$root/sys/firmware/efi/efivars"
  echo "$release" >"$root/proc/sys/kernel/osrelease"
  ko=$root/lib/modules/$release/updates/dkms/nvidia.ko.$fmt
  if [[ $fmt == xz ]]; then
    xz --check=crc32 --lzma2=dict=1MiB -T1 -c "$work/nvidia.ko" >"$ko"
    anchor=(xz -dc "$ko")
  else
    zstd -q -T0 -c "$work/nvidia.ko" >"$ko"
    anchor=(zstd -dc "$ko")
  fi
  sb=$root/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
  printf '\x06\x00\x00\x00\x00' >"$sb"
  measure "$fmt: doctor, module not opened" "$dlenv" doctor --root "$root" --no-host-driver --json
  printf '\x06\x00\x00\x00\x01' >"$sb"
  measure "$fmt: doctor, module decompressed" "$dlenv" doctor --root "$root" --no-host-driver --json
  doctor=$secs
  measure "$fmt: anchor ${anchor[0]} -dc" "${anchor[@]}"
  echo "$fmt: doctor decompressing / anchor = $(echo "scale=2; $doctor / $secs" | bc)"
done
