#pragma once
// The thin part of `dlenv health --drain` that talks to Slurm: `scontrol show node` and
// `scontrol update`, each a child process with a deadline. Decisions live in drain.h.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "health/drain.h"

namespace dlenv::health {

struct SlurmAccess {
  /// Passed to scontrol as SLURM_CONF. Slurm runs a HealthCheckProgram with an empty
  /// environment, so `--slurm-conf` (or SLURM_CONF in the caller's environment) says where
  /// the cluster's slurm.conf is when it is not the built-in default.
  std::optional<std::string> slurm_conf;
  std::string scontrol = "scontrol";
  std::chrono::milliseconds deadline{5000};
};

struct ShowNodeResult {
  std::optional<SlurmNode> node;
  std::string error;  // why not: scontrol missing, timed out, node unknown
};

ShowNodeResult ShowNode(const SlurmAccess& slurm, const std::string& node);

/// Runs `scontrol ARGS...`; returns an error message, empty on success.
std::string RunScontrol(const SlurmAccess& slurm, const std::vector<std::string>& args);

}  // namespace dlenv::health
