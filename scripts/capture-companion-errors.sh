#!/usr/bin/env bash
# Captures the real error texts of torch companions built for another torch, by running them
# in the venvs of make-companion-envs.sh, into tests/error-texts/ (dlenv explain's test texts).
#
#   scripts/capture-companion-errors.sh [DIR]      (default /var/tmp/dlenv-test-envs)
set -uo pipefail

dir=${1:-/var/tmp/dlenv-test-envs}
out="$(dirname "$0")/../tests/error-texts"
env="$dir/companions-pinned-older"
py="$env/bin/python"
[[ -x $py ]] || { echo "capture-companion-errors: $env missing (make-companion-envs.sh)" >&2; exit 1; }
torch=$("$py" -c 'import importlib.metadata as m; print(m.version("torch"))')
tv=$("$py" -c 'import importlib.metadata as m; print(m.version("torchvision"))')
site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

# capture FILE CODE: runs CODE in the venv, writes its stderr under a first line saying how.
capture() {
  local file=$1 code=$2
  { echo "# torchvision $tv (Requires-Dist torch==$("$py" -c 'import importlib.metadata as m; print([r for r in m.requires("torchvision") if r.startswith("torch")][0])' | sed 's/[^=]*==//;s/[)]//')) beside torch $torch (PyPI wheels; venv of scripts/make-companion-envs.sh): python -c '$code'"
    "$py" -c "$code" 2>&1 >/dev/null; } >"$out/$file"
  echo "$out/$file"
}
capture "torchvision-$tv-nms-does-not-exist-torch-$torch.txt" \
  'import torch, torchvision; torchvision.ops.nms(torch.zeros(2, 4), torch.zeros(2), 0.5)'
capture "torchvision-$tv-undefined-symbol-torch-$torch.txt" \
  "import torch; torch.ops.load_library('$site/torchvision/_C.so')"

# The runtime companions beside the same torch.
env="$dir/companions-runtime"
py="$env/bin/python"
if [[ -x $py ]]; then
  version() { "$py" -c "import importlib.metadata as m; print(m.version('$1'))"; }
  xf=$(version xformers)
  { echo "# xformers $xf (PyPI wheel) beside torch $torch (PyPI wheel; venv companions-runtime of scripts/make-companion-envs.sh): python -m xformers.info (the warning it prints, first lines)"
    "$py" -m xformers.info 2>&1 | sed -n '/WARNING\[XFORMERS\]/,/XFORMERS_MORE_DETAILS/p'; } \
    >"$out/xformers-$xf-cant-load-extensions-torch-$torch.txt"
  ort=$(version onnxruntime)
  ortgpu=$(version onnxruntime-gpu)
  { echo "# onnxruntime $ort and onnxruntime-gpu $ortgpu both installed (PyPI wheels, one pip install --no-deps; venv companions-runtime of scripts/make-companion-envs.sh): python -c 'import onnxruntime as o; print(o.__version__, o.get_available_providers())' (no CUDAExecutionProvider: the CPU package's files won)"
    "$py" -c 'import onnxruntime as o; print(o.__version__, o.get_available_providers())' 2>&1; } \
    >"$out/onnxruntime-$ort-with-onnxruntime-gpu-$ortgpu-providers.txt"
  echo "$out/xformers-$xf-cant-load-extensions-torch-$torch.txt"
fi
