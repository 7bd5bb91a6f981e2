#pragma once
// `dlenv health`: the driver and GPU probes only, a verdict, and with `drain` the Slurm node
// drained or resumed. For Slurm's HealthCheckProgram and NHC.

#include <optional>
#include <string>

#include "model/command.h"
#include "probe/context.h"

namespace dlenv::health {

struct HealthOptions {
  /// machine.timeout_seconds bounds the whole run, a hung driver included; machine.pythons
  /// (with lock): the environment compared.
  probe::MachineOptions machine;
  std::optional<std::string> lock;  // also unhealthy on breaking drift against this lock
  bool drain = false;
  std::optional<std::string> slurm_conf;
  std::optional<std::string> node_name;  // default: the short host name
};

/// out: one line, "healthy: ..." or "unhealthy: <reasons>"; error: what Slurm was asked and
/// any failure; document: {"healthy", "summary", "reasons"}. Exit 0 healthy, 1 not, 2 bad
/// input (an unreadable lock).
model::CommandResult RunHealth(const HealthOptions& options);

}  // namespace dlenv::health
