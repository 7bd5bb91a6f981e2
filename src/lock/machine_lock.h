#pragma once
// This machine's lock, and a lock file read from disk: what the lock commands, doctor's and
// fleet's Prometheus drift and health's --lock share.

#include <optional>
#include <string>

#include "lock/lock.h"
#include "probe/context.h"

namespace dlenv::lock {

struct MachineLock {
  std::optional<Lock> lock;
  std::string error;  // why there is none: the user's input (exit 2)
};

/// Probes this machine and locks the Python environment named by machine.pythons (the first),
/// else the active one. `redact`: user and host names, home folders, GPU UUIDs and IP addresses
/// replaced as in `doctor --redact`, for a lock shared outside the team. The error names
/// --python when no environment matches it.
MachineLock LockThisMachine(const probe::MachineOptions& machine, bool redact = false);

/// Reads and parses a lock file; "-" is this machine now.
MachineLock LoadLock(const std::string& path, const probe::MachineOptions& machine);

}  // namespace dlenv::lock
