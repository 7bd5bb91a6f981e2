#!/bin/sh
# Puts NVIDIA's nvml.h into DEST (default: build/nvml-header) so that
# src/gpu/nvidia_abi_test.cc can check dlenv's hand-written NVML declarations against it.
# The CUDA toolkit does not ship nvml.h; PyPI's nvidia-nvml-dev-cu12 wheel does
# (nvidia/nvml_dev/include/nvml.h). Needs pip and network access to PyPI; without either it
# says so and exits 0, and the test skips the NVML half with a message.
#   tests/fake_driver/fetch_nvml_header.sh build/nvml-header
#   cmake -S . -B build -DDLENV_FETCH_NVML_HEADER=ON   # the same, at configure time
set -eu
dest=${1:-build/nvml-header}
package=${DLENV_NVML_WHEEL:-nvidia-nvml-dev-cu12}
if [ -f "$dest/nvml.h" ]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$work" "$package" >"$work/log" 2>&1; then
  echo "fetch_nvml_header: could not download $package from PyPI; the NVML ABI check will be skipped" >&2
  cat "$work/log" >&2
  exit 0
fi
mkdir -p "$dest"
python3 - "$work" "$dest" <<'PY'
import glob, sys, zipfile
work, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(work + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/include/nvml.h"))
    open(dest + "/nvml.h", "wb").write(z.read(name))
    print(f"fetch_nvml_header: {dest}/nvml.h from {wheel.rsplit('/', 1)[-1]}")
PY
