#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "util/environment.h"
#include "util/rootfs.h"

namespace dlenv::probe {

/// The flags of every command that looks at this machine, with one name and type each:
/// --root, --no-host-driver, --timeout, --python.
struct MachineOptions {
  std::string root = "/";
  bool ask_host_driver = true;  // with --root: still ask the live driver (--no-host-driver)
  double timeout_seconds = 10;  // deadline of each call into a driver library
  std::vector<std::string> pythons = {};  // --python: interpreters or environments to inspect too
};

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

/// The one way to make a context: from the flags every command shares.
ProbeContext MakeProbeContext(const MachineOptions& options);

}  // namespace dlenv::probe
