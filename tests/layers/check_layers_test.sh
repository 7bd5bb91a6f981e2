#!/usr/bin/env bash
# The layers check (cmake/CheckLayers.cmake) on a copy of the real tree: it passes as the tree
# is, and fails, naming the file and the rule, on each defect planted in turn.
#   check_layers_test.sh SOURCE_DIR
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { cmake -DSRC="$work/src" -P "$src/cmake/CheckLayers.cmake" 2>&1; }
reset() { rm -rf "$work/src"; cp -r "$src/src" "$work/src"; }
# expect_refused WHAT PATTERN: the check must fail and print PATTERN.
expect_refused() {
  local out
  if out=$(check); then echo "FAIL: $1 was accepted"; exit 1; fi
  if ! grep -qF -- "$2" <<<"$out"; then echo "FAIL: $1: the message lacks '$2':"; echo "$out"; exit 1; fi
  echo "ok: $1 refused"
}

reset
out=$(check) || { echo "FAIL: the tree as it is breaks its own layers:"; echo "$out"; exit 1; }
echo "ok: the tree follows src/LAYERS"

reset  # a lower room including a higher one
echo '#include "probe/context.h"' >>"$work/src/util/strings.cc"
expect_refused "util including probe" 'src/util/strings.cc includes "probe/context.h": util may include only:'

reset  # rules (pure) reaching for the world
echo '#include "probe/probes.h"' >>"$work/src/rules/rules.cc"
expect_refused "rules including probe" 'src/rules/rules.cc includes "probe/probes.h": rules may include only: util model knowledge'

reset  # a command using another command as a library
echo '#include "lock/command.h"' >>"$work/src/doctor/command.cc"
expect_refused "doctor including lock's command.h" "src/doctor/command.cc includes \"lock/command.h\": only cli includes another room's command.h"

reset  # a room nobody declared
mkdir "$work/src/newroom" && echo 'int x;' >"$work/src/newroom/a.cc"
expect_refused "an undeclared room" "src/newroom/a.cc: the room 'newroom' is not listed in src/LAYERS"

reset  # test code is exempt
echo '#include "cli/commands.h"' >>"$work/src/util/strings_fuzz.cc"
out=$(check) || { echo "FAIL: a test file's include was refused:"; echo "$out"; exit 1; }
echo "ok: test code may include any room"
echo "check_layers_test: 6 passed, 0 failed"
