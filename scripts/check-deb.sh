#!/usr/bin/env bash
# Builds the Debian package the way a packager would (Release, no tests, the project's
# CMake install rules through `cpack -G DEB`), checks it with lintian (errors fail, warnings
# are listed), installs it with dpkg, runs the installed /usr/bin/dlenv doctor, removes the
# package again and checks that nothing of it is left. Needs root (dpkg -i).
# Usage: scripts/check-deb.sh [BUILD_DIR]   (default build-deb; an existing build is reused)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-deb}

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# lintian checks the package; help2man writes its manual page; dpkg-shlibdeps (dpkg-dev)
# computes its Depends; fakeroot is what lintian runs its unpacking under.
need=()
for p in lintian help2man dpkg-dev file; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if dpkg-query -W -f='${Status}' dlenv 2>/dev/null | grep -q "install ok installed"; then
  echo "FAIL: a dlenv package is already installed; remove it first (dpkg -r dlenv)" >&2
  exit 1
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# An existing build folder is packaged as it is (scripts/test.sh hands over its test build, so
# that CI compiles dlenv once); a new one is configured the way a packager would.
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DDLENV_TESTS=OFF "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target dlenv
rm -f "$build"/dlenv_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/dlenv_*.deb)
echo "built $deb"
dpkg-deb --field "$deb"
# libcurl is dlopened by `dlenv install` (dpkg-shlibdeps cannot see it): the package names it.
if ! dpkg-deb --field "$deb" Recommends | grep -qw libcurl4; then
  echo "FAIL: the package does not recommend libcurl4 (cmake/Install.cmake)" >&2
  exit 1
fi
dpkg-deb --contents "$deb" | awk '{print "  " $6}'

# lintian's E: lines fail the check; W: (and I:) lines are listed for a person to read.
lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
[[ -n $lint ]] && printf 'lintian:\n%s\n' "$lint"
if grep -q '^E: ' <<<"$lint"; then
  echo "FAIL: lintian reports errors" >&2
  exit 1
fi
echo "ok: lintian reports no error ($(grep -c '^W: ' <<<"$lint" || true) warnings)"

removed=0
cleanup() { ((removed)) || as_root dpkg -r dlenv >/dev/null 2>&1 || true; }
trap cleanup EXIT
as_root dpkg -i "$deb"
rc=0
timeout 120 /usr/bin/dlenv doctor >/dev/null || rc=$?
if ((rc != 0 && rc != 1)); then
  echo "FAIL: /usr/bin/dlenv doctor exited with $rc (0 or 1 expected)" >&2
  exit 1
fi
echo "ok: /usr/bin/dlenv doctor exited with $rc"
/usr/bin/dlenv --version
man -w dlenv >/dev/null 2>&1 && echo "ok: man dlenv finds its page"
test -f /usr/share/dlenv/schema/doctor.schema.json
test -f /usr/share/doc/dlenv/copyright

as_root dpkg -r dlenv
removed=1
if dpkg-query -W -f='${Status}' dlenv 2>/dev/null | grep -q "install ok installed" || [[ -e /usr/bin/dlenv ]] ||
   [[ -e /usr/share/dlenv ]]; then
  echo "FAIL: dlenv is still installed after dpkg -r" >&2
  exit 1
fi
echo "ok: the package installs, runs and removes cleanly"
