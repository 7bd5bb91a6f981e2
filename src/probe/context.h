#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "util/environment.h"
#include "util/rootfs.h"

namespace dlenv::probe {

/// What every probe reads the world through. Passed explicitly; there is no global state.
struct ProbeContext {
  util::RootFs fs;
  util::Environment env = util::Environment::FromProcess();
  /// Ask the live host's driver even when fs is another root (`--no-host-driver` clears it).
  bool ask_host_driver = true;
  /// Deadline for each child that calls into a driver library (`--timeout`).
  std::chrono::milliseconds driver_timeout{10000};
  /// Interpreters named with `--python`.
  std::vector<std::string> extra_pythons;
};

}  // namespace dlenv::probe
