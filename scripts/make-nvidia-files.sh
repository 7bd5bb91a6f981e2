#!/usr/bin/env bash
# NVIDIA's own files for the tests, from PyPI: the CUDA 13.0 runtime, cuBLAS, cuDNN, NCCL,
# NVRTC, nvcc/ptxas (with the crt headers, cicc from NVVM and CCCL, which nvcc needs to compile
# a .cu file) and the NVML headers, each as NVIDIA publishes it (`pip download --no-deps`),
# unpacked into one toolkit-shaped tree the tests read through testing::NvidiaFiles():
#
#   DIR/nvidia/cuda-13.0/{bin,include,lib,lib64 -> lib,nvvm,targets/x86_64-linux,dist-info}
#
#   scripts/make-nvidia-files.sh [DIR]      (default /var/tmp/dlenv-test-envs)
#
# The versions are those of the CUDA 13.0 toolkit the tests were written against (the
# /usr/local/cuda-13.0 of the development machine, itself made from these wheels). Idempotent:
# the tree carries a stamp of this recipe and is rebuilt only when the recipe changes.
#
# Disk: the wheels stay in DIR/nvidia/wheels (about 1.1 GB; only those the recipe names), so
# that a change of the recipe downloads only what changed: each wheel is downloaded once. The
# unpacked tree keeps only the bin/, include/, lib/ and nvvm/ folders and the dist-info that
# the tests read (cuDNN's sub-libraries too: probe/libraries_test.cc reads each one's version).
set -euo pipefail

dir=${1:-/var/tmp/dlenv-test-envs}
python=${DLENV_PYTHON:-python3}
out="$dir/nvidia"
tree="$out/cuda-13.0"
stamp="$out/.dlenv-recipe"

wheels=(
  nvidia-cuda-runtime==13.0.96   # libcudart, cuda.h, cuda_runtime_api.h
  nvidia-cublas==13.1.0.3        # libcublas, libcublasLt, cublas_api.h, cublasLt.h
  nvidia-cudnn-cu13==9.19.0.56   # libcudnn, cudnn*.h
  nvidia-nccl-cu13==2.28.9       # libnccl, nccl.h
  nvidia-cuda-nvrtc==13.0.88     # libnvrtc, nvrtc.h
  nvidia-cuda-nvcc==13.0.88      # nvcc, ptxas, fatbinary, nvlink
  nvidia-cuda-crt==13.0.88       # nvcc's crt/ headers
  nvidia-nvvm==13.0.88           # cicc and libdevice, which nvcc runs
  nvidia-cuda-cccl==13.0.85      # the C++ core headers nvcc's cuda_runtime.h includes
  nvidia-nvml-dev==13.0.87       # nvml.h (the toolkit itself does not ship it)
)
want=$(printf '%s\n' "${wheels[@]}" "layout 1" | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(<"$stamp")" == "$want" && -f $tree/include/cuda.h ]]; then
  echo "$tree"
  exit 0
fi

echo "make-nvidia-files: downloading NVIDIA's wheels into $out" >&2
rm -rf "$tree" "$stamp"
mkdir -p "$out/wheels"
specs=() keep=()
for w in "${wheels[@]}"; do
  w=${w%%#*} w=${w// /}
  specs+=("$w")
  keep+=("$(echo "${w%%==*}" | tr - _)-${w##*==}-")
done
# Wheels of an older recipe go; pip skips those already downloaded.
for f in "$out"/wheels/*.whl; do
  [[ -e $f ]] || continue
  name=${f##*/} wanted=0
  for k in "${keep[@]}"; do [[ $name == "$k"* ]] && wanted=1; done
  ((wanted)) || rm -f "$f"
done
"$python" -m pip download --disable-pip-version-check --no-input -q --no-deps --only-binary=:all: \
  -d "$out/wheels" "${specs[@]}"

echo "make-nvidia-files: unpacking into $tree" >&2
"$python" - "$out/wheels" "$tree" <<'PY'
import os, stat, sys, zipfile, glob

wheels, tree = sys.argv[1], sys.argv[2]

# Each wheel keeps a toolkit layout under nvidia/<component>/ (nvidia/cu13/ for the CUDA
# 13 ones, nvidia/cudnn/, nvidia/nccl/, nvidia/nvml_dev/...): its bin/, include/, lib/ and
# nvvm/ folders merge into the one tree, as the CUDA installer would lay them out.
def target(name):
    parts = name.split("/")
    if len(parts) < 3 or parts[0] != "nvidia":
        return None
    rest = parts[2:]
    if rest[0] == "lib64":
        rest[0] = "lib"
    if rest[0] not in ("bin", "include", "lib", "nvvm"):
        return None
    return os.path.join(tree, *rest)

for whl in sorted(glob.glob(os.path.join(wheels, "*.whl"))):
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            if ".dist-info/" in info.filename:
                dist, _, rest = info.filename.partition("/")
                dest = os.path.join(tree, "dist-info", dist, rest)
            else:
                dest = target(info.filename)
            if dest is None:
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(z.read(info))
            mode = (info.external_attr >> 16) & 0o777
            os.chmod(dest, mode if mode else 0o644)
    print("make-nvidia-files: unpacked", os.path.basename(whl), file=sys.stderr)

# The names a toolkit install gives its libraries: libX.so -> libX.so.N, where the wheel
# carries only the SONAME file.
lib = os.path.join(tree, "lib")
for f in sorted(os.listdir(lib)):
    if ".so." in f and not os.path.islink(os.path.join(lib, f)):
        dev = f[: f.index(".so.") + 3]
        if not os.path.exists(os.path.join(lib, dev)):
            os.symlink(f, os.path.join(lib, dev))
PY

# A toolkit's fixed shape: lib64 and targets/x86_64-linux/{include,lib}, which nvcc.profile
# and the probes look for.
ln -s lib "$tree/lib64"
mkdir -p "$tree/targets/x86_64-linux"
ln -s ../../include "$tree/targets/x86_64-linux/include"
ln -s ../../lib "$tree/targets/x86_64-linux/lib"
# NVIDIA's stub libcuda.so (lib64/stubs/, what a build links against on a machine without the
# driver; every entry point answers CUDA_ERROR_STUB_LIBRARY) ships with the toolkit's installers
# but in no PyPI wheel. It is made here the same way from the wheel's own cuda.h: each CUresult
# function the header declares, under the exported name the header maps it to (cuInit,
# cuDeviceTotalMem_v2, ...), returning CUDA_ERROR_STUB_LIBRARY, with the SONAME libcuda.so.1.
mkdir -p "$tree/lib/stubs"
stub="$out/stub"
mkdir -p "$stub"
# The value, from the header (an enum constant): one file sees cuda.h, the other (whose
# definitions take no parameters, unlike the header's prototypes) does not.
cat >"$stub/value.c" <<'C'
#include <cuda.h>
__attribute__((visibility("hidden"))) const int dlenv_stub_value = CUDA_ERROR_STUB_LIBRARY;
C
{
  echo "extern const int dlenv_stub_value;"
  "${CC:-cc}" -E -P -I"$tree/include" "$stub/value.c" |
    grep -oE '\bCUresult[[:space:]]+(cu[A-Za-z0-9_]+)[[:space:]]*\(' |
    sed -E 's/CUresult[[:space:]]+(cu[A-Za-z0-9_]+).*/\1/' | sort -u |
    while read -r f; do echo "int $f() { return dlenv_stub_value; }"; done
} >"$stub/entries.c"
"${CC:-cc}" -shared -fPIC -O1 -I"$tree/include" -Wl,-soname,libcuda.so.1 \
  -o "$tree/lib/stubs/libcuda.so" "$stub/value.c" "$stub/entries.c"
rm -rf "$stub"
[[ $(grep -c . <(nm -D --defined-only "$tree/lib/stubs/libcuda.so" | grep ' T cuInit$')) == 1 ]] ||
  { echo "make-nvidia-files: the stub libcuda.so has no cuInit" >&2; exit 1; }

for tool in nvcc ptxas; do
  [[ -x $tree/bin/$tool ]] || { echo "make-nvidia-files: $tree/bin/$tool missing" >&2; exit 1; }
done
for header in cuda.h cuda_runtime_api.h cublas_api.h cublasLt.h cudnn.h cudnn_version.h nccl.h nvrtc.h nvml.h; do
  [[ -f $tree/include/$header ]] || { echo "make-nvidia-files: $tree/include/$header missing" >&2; exit 1; }
done
echo "$want" >"$stamp"
echo "$tree"
