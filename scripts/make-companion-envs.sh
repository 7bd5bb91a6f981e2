#!/usr/bin/env bash
# Builds venvs where torch's companions meet the NEWEST torch, for dlenv's companion tests
# (src/rules/companion_rules_wheels_test.cc). make-test-envs.sh calls it after
# make-wheel-envs.sh, whose wheels-torch-deps venv (the newest torch with its dependencies)
# every venv here reaches through a .pth file instead of a second 5 GB copy.
#
#   scripts/make-companion-envs.sh [DIR]      (default /var/tmp/dlenv-test-envs)
#
# No version is written here. Each venv installs, with --no-deps:
# - companions-newest: the newest torchvision and torchaudio (what `pip install torchvision`
#   gives beside the newest torch);
# - companions-pinned-older: the newest torchvision whose Requires-Dist pins an exact torch
#   (torch==X) other than the installed one and whose _C.so uses torch's C++ ABI: the classic
#   "built for another torch";
# - companions-runtime: the newest onnxruntime AND onnxruntime-gpu together (one shadows the
#   other) and the newest xformers;
# - companions-ort-cuda12: onnxruntime-gpu 1.26.0, the newest release built for CUDA 12 (its
#   build_and_package_info.py says cuda_version 12.8; 1.27.0 and later say 13.0), pinned on
#   purpose, beside the newest torch's CUDA 13 libraries;
# - companions-bnb-newest: the newest bitsandbytes; companions-bnb-older: bitsandbytes 0.49.2,
#   the last release that loads only the library of torch's exact CUDA (0.50.0 falls back
#   within a major), pinned on purpose;
# - nvidia-mixed (no torch): CUDA 12.1's cuSPARSE beside CUDA 12.0's nvJitLink, two historical
#   releases pinned on purpose. Every nvidia-cusparse-cu12 requires nvidia-nvjitlink-cu12 without
#   a version, so pip keeps an older one; loading it fails with "undefined symbol:
#   __nvJitLinkAddData_12_1, version libnvJitLink.so.12" (src/probe/nvidia_wheels_real_test.cc).
# Wheels are cached in DIR/companions/cache. Each venv records what it holds in
# DIR/companions/versions.txt ("venv project version").
set -euo pipefail

dir=${1:-/var/tmp/dlenv-test-envs}
python=/usr/bin/python3
root="$dir/companions"
cache="$root/cache"
base="$dir/wheels-torch-deps"
mkdir -p "$cache"

if ! [[ -x $base/bin/python && -f $base/.dlenv-recipe ]]; then
  echo "make-companion-envs: $base missing (make-wheel-envs.sh builds it)" >&2
  exit 1
fi
site_of() { "$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }
base_site=$(site_of "$base")
torch_version=$(sed -n 's/^Version: //p' "$base_site"/torch-*.dist-info/METADATA | head -1)
pyver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
pip_dl=("$python" -m pip --disable-pip-version-check --no-input download -q --no-deps --only-binary :all:
  --python-version "$pyver" --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64
  --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
  --platform manylinux1_x86_64
  -d "$cache")

# fetch REQ: the wheel for REQ (downloaded once) as a path.
fetch() {
  local req=$1 norm f
  norm=$(sed 's/[=<>].*//; s/-/_/g' <<<"$req")
  if [[ $req == *==* ]]; then
    f=$(ls -1 "$cache" | grep -i "^${norm}-${req#*==}-" | head -1 || true)
  fi
  if [[ -z ${f:-} ]]; then
    "${pip_dl[@]}" "$req" >&2 || return 1
    if [[ $req == *==* ]]; then
      f=$(ls -1 "$cache" | grep -i "^${norm}-${req#*==}-" | head -1)
    else
      f=$(ls -1 "$cache" | grep -i "^${norm}-[0-9]" | sort -V | tail -1)
    fi
  fi
  [[ -n $f ]] && echo "$cache/$f"
}

versions_of() {  # every release of a project on the index, newest first
  "$python" -m pip --disable-pip-version-check index versions "$1" 2>/dev/null |
    sed -n 's/^Available versions: //p' | tr ',' '\n' | tr -d ' '
}

pin_of() {  # the exact torch pin in a wheel's METADATA, or nothing
  unzip -p "$1" '*.dist-info/METADATA' | sed -n 's/^Requires-Dist: torch *(\{0,1\}==\([0-9.]*\)).*/\1/p' | head -1
}

# make NAME WHEEL...: a venv that sees the newest torch through a .pth file, plus the wheels.
make() {
  local name=$1
  shift
  local env="$dir/$name" want
  want=$(printf '%s\n' "$base_site" "$@" | xargs -n1 basename | sha256sum | cut -d' ' -f1)
  if [[ -f $env/.dlenv-recipe && "$(<"$env/.dlenv-recipe")" == "$want" ]]; then
    return 0
  fi
  echo "make-companion-envs: building $env" >&2
  rm -rf "$env"
  "$python" -m venv "$env"
  echo "$base_site" >"$(site_of "$env")/dlenv-newest-torch.pth"
  "$env/bin/python" -m pip --disable-pip-version-check --no-input -q install --no-deps "$@"
  # What torchvision imports beside torch (numpy, pillow; onnxruntime's flatbuffers...),
  # without letting pip touch torch: each wheel's own requirements minus the torch family.
  local reqs
  reqs=$(for w in "$@"; do unzip -p "$w" '*.dist-info/METADATA' | sed -n 's/^Requires-Dist: //p'; done |
    grep -v 'extra ==' | grep -viE '^(torch|nvidia-|triton)' | sed 's/ *(\(.*\))/\1/' | sort -u)
  if [[ -n $reqs ]]; then
    mapfile -t reqs <<<"$reqs"
    "$env/bin/python" -m pip --disable-pip-version-check --no-input -q install "${reqs[@]}"
  fi
  echo "$want" >"$env/.dlenv-recipe"
}

: >"$root/versions.txt.new"
record() { for f in "${@:2}"; do printf '%s %s\n' "$1" "$(basename "$f" | cut -d- -f1,2 | tr - ' ')"; done >>"$root/versions.txt.new"; }

tv=$(fetch torchvision)
ta=$(fetch torchaudio)
make companions-newest "$tv" "$ta"
record companions-newest "$tv" "$ta"

older=
for v in $(versions_of torchvision | head -12); do
  f=$(fetch "torchvision==$v") || continue
  pin=$(pin_of "$f")
  # Built against torch's C++ ABI (torchvision/_C.so), not the stable ABI (_C_stable.so, from
  # 0.29 on), which loads in later torch releases whatever the pin says.
  if [[ -n $pin && $pin != "$torch_version" ]] && unzip -l "$f" torchvision/_C.so >/dev/null 2>&1; then
    older=$f
    break
  fi
done
if [[ -n $older ]]; then
  make companions-pinned-older "$older"
  record companions-pinned-older "$older"
else
  echo "make-companion-envs: no torchvision with an exact torch pin found" >&2
fi

ort=$(fetch onnxruntime)
ortgpu=$(fetch onnxruntime-gpu)
xf=$(fetch xformers)
make companions-runtime "$ort" "$ortgpu" "$xf"
record companions-runtime "$ort" "$ortgpu" "$xf"

ort12=$(fetch onnxruntime-gpu==1.26.0)
make companions-ort-cuda12 "$ort12"
record companions-ort-cuda12 "$ort12"

bnb=$(fetch bitsandbytes)
bnb_older=$(fetch bitsandbytes==0.49.2)
make companions-bnb-newest "$bnb"
record companions-bnb-newest "$bnb"
make companions-bnb-older "$bnb_older"
record companions-bnb-older "$bnb_older"

sparse=$(fetch nvidia-cusparse-cu12==12.1.0.106)
jitlink=$(fetch nvidia-nvjitlink-cu12==12.0.76)
mixed="$dir/nvidia-mixed"
want=$(printf '%s\n' "$sparse" "$jitlink" | xargs -n1 basename | sha256sum | cut -d' ' -f1)
if ! [[ -f $mixed/.dlenv-recipe && "$(<"$mixed/.dlenv-recipe")" == "$want" ]]; then
  echo "make-companion-envs: building $mixed" >&2
  rm -rf "$mixed"
  "$python" -m venv "$mixed"
  "$mixed/bin/python" -m pip --disable-pip-version-check --no-input -q install --no-deps "$sparse" "$jitlink"
  echo "$want" >"$mixed/.dlenv-recipe"
fi
record nvidia-mixed "$sparse" "$jitlink"

echo "companions torch $torch_version" >>"$root/versions.txt.new"
sort "$root/versions.txt.new" >"$root/versions.txt"
rm -f "$root/versions.txt.new"
echo "$root"
