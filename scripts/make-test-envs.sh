#!/usr/bin/env bash
# Builds the real Python environments that dlenv's oracle tests read (see
# src/probe/python_envs_oracle_test.cc): each test compares dlenv's file-based inventory with
# what the environment's own `python -m pip list` / `pip check` prints.
#
#   scripts/make-test-envs.sh [DIR]      (default /var/tmp/dlenv-test-envs)
#
# Idempotent: each venv carries a stamp of the recipe it was built from and is rebuilt only
# when the recipe changes, so a second run takes well under a second.
set -euo pipefail

dir=${1:-/var/tmp/dlenv-test-envs}
python=/usr/bin/python3  # Debian's interpreter, which sees python3-torch from Debian

missing=()
for pkg in python3-venv python3-pip python3-torch strace; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "make-test-envs: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p "$dir"

# make_venv NAME "VENV FLAGS" "RECIPE": RECIPE is shell run with $pip set to the venv's pip.
make_venv() {
  local name=$1 flags=$2 recipe=$3
  local env="$dir/$name" stamp="$dir/$name/.dlenv-recipe"
  local want
  want=$(printf '%s|%s' "$flags" "$recipe" | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "make-test-envs: building $env" >&2
  rm -rf "$env"
  # shellcheck disable=SC2086  # flags is a word list on purpose
  "$python" -m venv $flags "$env"
  local pip="$env/bin/python -m pip --disable-pip-version-check --no-input -q"
  (pip=$pip; eval "$recipe")
  echo "$want" >"$stamp"
}

# Pip-installed TensorFlow (CPU), NumPy 2, JAX and a few pure-Python packages.
make_venv tf "" '
  $pip install "tensorflow-cpu==2.20.0" "jax[cpu]==0.7.2" "numpy==2.3.4" requests==2.32.5 packaging==25.0
'

# CuPy as pip installs it (no GPU here: compare must call it skipped, not failed).
make_venv cupy "" '
  $pip install "cupy-cuda12x==14.2.0" "numpy==2.3.4"
'

# Requirements broken on purpose, as `pip check` reports them: one missing (urllib3 removed
# from under requests) and one conflicting (idna 2.0 where requests wants idna>=2.5).
make_venv broken "" '
  $pip install requests==2.32.5
  $pip uninstall -y urllib3
  $pip install --no-deps "idna==2.0"
'

# A venv that also sees Debian'"'"'s packages: its own numpy shadows Debian'"'"'s python3-numpy,
# which tests pip'"'"'s rule that the first site-packages on sys.path wins.
make_venv system-site "--system-site-packages" '
  $pip install "numpy==1.26.4" six==1.17.0
'

# unattended-upgrades' own code, unpacked and not installed (installing it would enable its
# timer on this machine): the oracle for which repositories it may upgrade the driver from.
uu="$dir/unattended-upgrades"
if [[ ! -x $uu/usr/bin/unattended-upgrade ]]; then
  echo "make-test-envs: unpacking unattended-upgrades into $uu" >&2
  rm -rf "$uu" && mkdir -p "$uu/deb"
  (cd "$uu/deb" && { apt-get download -q unattended-upgrades 2>/dev/null ||
                     { apt-get update -q >&2 && apt-get download -q unattended-upgrades; }; })
  dpkg-deb -x "$uu"/deb/unattended-upgrades_*.deb "$uu"
fi

# NVIDIA's own files (CUDA 13.0 runtime, cuBLAS, cuDNN, NCCL, NVRTC, nvcc, NVML headers) from
# their PyPI wheels: the tests that read NVIDIA's headers, libraries and tools need them.
"$(dirname "$0")/make-nvidia-files.sh" "$dir" >&2
"$(dirname "$0")/make-wheel-envs.sh" "$dir" >&2 || echo "make-test-envs: real-wheel venvs not built (see above)" >&2
# torch's companions (torchvision, onnxruntime, xformers) beside the newest torch above.
"$(dirname "$0")/make-companion-envs.sh" "$dir" >&2 || echo "make-test-envs: companion venvs not built (see above)" >&2
echo "$dir"
