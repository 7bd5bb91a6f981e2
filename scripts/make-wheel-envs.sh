#!/usr/bin/env bash
# Builds venvs from the NEWEST framework wheels on PyPI, for dlenv's real-wheel tests
# (src/rules/framework_wheels_test.cc): torch (PyPI's CUDA build), tensorflow, jax with
# jax-cuda13-plugin and jax-cuda13-pjrt, cupy-cuda13x.
#
#   scripts/make-wheel-envs.sh [DIR]      (default /var/tmp/dlenv-test-envs)
#
# No version is written here: `pip download` resolves the newest release at build time, and
# the versions found are recorded in DIR/wheels/versions.txt. Wheels are cached in
# DIR/wheels/cache, so a machine downloads each release once (torch's wheel alone is ~1 GB);
# when PyPI cannot be reached the cached wheels are used.
#
# Each framework is installed twice:
# - wheels-NAME: `pip install --no-deps`, the state of a half-finished install, where doctor
#   must name the fixes (each one is then tried with `pip install --dry-run`);
# - wheels-NAME-deps: with its plain dependencies, so that it imports and answers for itself
#   (torch.version.cuda, tf.sysconfig.get_build_info()). Plain means no CUDA extras: torch's
#   CUDA wheels are plain requirements (~4 GB, once per machine, kept in pip's cache), while
#   tensorflow[and-cuda], jax[cuda13] and cupy-cuda13x[ctk] would add ~4 GB each for nothing
#   the tests compare. DLENV_WHEEL_ENVS_DEPS=0 skips these venvs (disk or time short).
set -euo pipefail

dir=${1:-/var/tmp/dlenv-test-envs}
python=/usr/bin/python3
root="$dir/wheels"
cache="$root/cache"
mkdir -p "$cache"

# name: the requirements downloaded (newest of each) and installed together.
declare -A sets=(
  [torch]="torch"
  [tensorflow]="tensorflow"
  [jax]="jax jaxlib jax-cuda13-plugin jax-cuda13-pjrt"
  [cupy]="cupy-cuda13x"
)

# fetch REQ: downloads the newest wheel matching REQ (once: a cached file is reused) and
# prints its path; offline, the newest cached wheel of that distribution.
fetch() {
  local req=$1 norm out f
  norm=$(sed 's/[=<>].*//; s/-/_/g' <<<"$req")
  if ((online)); then
    out=$(timeout 1800 "$python" -m pip --disable-pip-version-check --no-input download --no-deps \
      --only-binary :all: -d "$cache" "$req" 2>&1) || { echo "$out" >&2; return 1; }
    f=$(grep -oE "[^ /]+\.whl" <<<"$out" | grep -i "^${norm}-" | tail -1)
  fi
  [[ -n ${f:-} ]] || f=$(ls -1 "$cache" | grep -i "^${norm}-[0-9]" | sort -V | tail -1)
  [[ -n $f ]] || return 1
  echo "$cache/$f"
}

online=1
if ! timeout 30 "$python" -m pip index versions pip >/dev/null 2>&1; then
  online=0
  echo "make-wheel-envs: PyPI unreachable; using the cached wheels" >&2
fi

: >"$root/versions.txt.new"
for name in "${!sets[@]}"; do
  read -r -a reqs <<<"${sets[$name]}"
  files=()
  version=
  for req in "${reqs[@]}"; do
    # jax, jaxlib, the plugin and pjrt are released together: the rest follow jax's version.
    [[ -n $version ]] && req="$req==$version"
    if ! f=$(fetch "$req"); then
      echo "make-wheel-envs: no wheel for $req" >&2
      continue 2
    fi
    files+=("$f")
    v=$(basename "$f" | cut -d- -f2)
    [[ $name == jax && -z $version ]] && version=$v
    printf '%s %s\n' "${req%%=*}" "$v" >>"$root/versions.txt.new"
  done
  env="$dir/wheels-$name"
  want=$(printf '%s\n' "${files[@]}" | xargs -n1 basename | sha256sum | cut -d' ' -f1)
  if ! [[ -f $env/.dlenv-recipe && "$(<"$env/.dlenv-recipe")" == "$want" ]]; then
    echo "make-wheel-envs: building $env" >&2
    rm -rf "$env"
    "$python" -m venv "$env"
    "$env/bin/python" -m pip --disable-pip-version-check --no-input -q install --no-deps "${files[@]}"
    echo "$want" >"$env/.dlenv-recipe"
  fi
  deps="$env-deps"
  if [[ ${DLENV_WHEEL_ENVS_DEPS:-1} == 1 ]] && ((online)) &&
    ! [[ -f $deps/.dlenv-recipe && "$(<"$deps/.dlenv-recipe")" == "$want" ]]; then
    echo "make-wheel-envs: building $deps" >&2
    rm -rf "$deps"
    "$python" -m venv "$deps"
    if "$deps/bin/python" -m pip --disable-pip-version-check --no-input -q install "${files[@]}"; then
      echo "$want" >"$deps/.dlenv-recipe"
    else
      echo "make-wheel-envs: $deps: pip install failed" >&2
    fi
  fi
done
sort "$root/versions.txt.new" >"$root/versions.txt"
rm -f "$root/versions.txt.new"
df -h "$dir" >&2
echo "$root"
