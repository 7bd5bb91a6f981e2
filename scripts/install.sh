#!/usr/bin/env bash
# README command 1: from a fresh Debian 12 (root, compiler and CMake present) to a built
# dlenv at build/dlenv. Installs only what building dlenv needs; no NVIDIA package.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

packages=(build-essential cmake ninja-build pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev
          libssl-dev libopenblas-dev libcurl4-openssl-dev libtomlplusplus-dev libyaml-cpp-dev
          liblzma-dev libzstd-dev zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# -Werror is for the test builds; a user's install must not fail on a compiler's false warning.
# A unity build: each unit parses and optimizes the common headers once for several files
# (CMakeLists.txt says how they are grouped; docs/benchmarks.md has the figures).
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDLENV_TESTS=OFF -DDLENV_WERROR=OFF \
  -DCMAKE_UNITY_BUILD=ON
cmake --build build --target dlenv
echo "built: $(pwd)/build/dlenv"
