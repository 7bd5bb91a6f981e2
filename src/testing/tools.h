#pragma once
// Test helper: options for running a real tool from a test (python3, apt-get, containerd, pip,
// dlenv itself). ChildOptions' own 10 s deadline is the one probes use on a user's machine; a
// test on a 2-core CI machine, with ctest -j2 and a build at nice 19 beside it, has missed it
// for a python3 that imports jsonschema and for containerd. A hang still ends, two minutes on.

#include <chrono>

#include "util/subprocess.h"

namespace dlenv::testing {

inline util::ChildOptions ToolOptions() {
  util::ChildOptions o;
  o.deadline = std::chrono::seconds(120);
  return o;
}

}  // namespace dlenv::testing
