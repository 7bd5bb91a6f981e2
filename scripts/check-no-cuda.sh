#!/usr/bin/env bash
# Builds dlenv with every CUDA toolkit folder hidden under an empty tmpfs, in a private
# mount namespace (nothing changes outside this script), then checks with readelf that
# no NVIDIA library is among the binary's NEEDED entries. It is the portable build
# (-DDLENV_PORTABLE=ON, what scripts/device-check.sh carries to a GPU machine without the -dev
# packages), so it also checks that glibc is all that binary needs. Built at -O0: what is
# checked is that it builds and what it links, not how fast it runs. Without precompiled
# headers, so that a missing #include fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-nocuda}
hide=()
for d in /usr/local/cuda /usr/local/cuda-*; do [[ -d $d && ! -L $d ]] && hide+=("$d"); done
mounts=""
for d in "${hide[@]}"; do mounts+="mount -t tmpfs none '$d' && "; done
unshare -m bash -c "${mounts} test ! -e /usr/local/cuda/include/cuda.h && \
  cmake -S . -B '$build' -G Ninja -DDLENV_TESTS=OFF -DDLENV_PORTABLE=ON -DDLENV_PCH=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 >/dev/null && cmake --build '$build' --target dlenv >/dev/null"
echo "built $build/dlenv with ${hide[*]:-no CUDA folder} hidden"
needed=$(readelf -d "$build/dlenv" | grep NEEDED)
echo "$needed"
if grep -qiE 'cuda|nvidia|cublas|cudnn|nccl|nvml|nvrtc' <<<"$needed"; then
  echo "FAIL: dlenv links an NVIDIA library" >&2
  exit 1
fi
echo "ok: no NVIDIA library among NEEDED"
others=$(grep -oE '\[[^]]+\]' <<<"$needed" | tr -d '[]' | grep -vxE 'libc\.so\.6|libm\.so\.6|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1' || true)
if [[ -n $others ]]; then
  echo "FAIL: the portable build needs more than glibc: $others" >&2
  exit 1
fi
echo "ok: the portable build needs glibc only (up to $(objdump -T "$build/dlenv" | grep -oE 'GLIBC_[0-9.]+' | sort -Vu | tail -1))"
"$build/dlenv" --version
