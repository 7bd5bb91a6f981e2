#pragma once
// The one adapter to Slurm's commands (sinfo, srun, scontrol), for `dlenv fleet` and
// `dlenv health`: each a child process with a deadline and an output cap, found on PATH (a
// cluster's own Slurm is used as it is, and a test can put fakes first), with SLURM_CONF
// passed on when given. What their output means is decided above (fleet/, health/).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "util/subprocess.h"

namespace dlenv::probe {

struct SlurmAccess {
  /// Passed as SLURM_CONF. Slurm runs a HealthCheckProgram with an empty environment, so
  /// `--slurm-conf` (or SLURM_CONF in the caller's environment) says where the cluster's
  /// slurm.conf is when it is not the built-in default.
  std::optional<std::string> slurm_conf;
  /// A misconfigured Slurm retries its DNS lookups for minutes: never wait that long.
  std::chrono::milliseconds deadline{5000};
  std::size_t max_output_bytes = 1u << 20;
};

/// The full path of `program` on PATH, or nullopt.
std::optional<std::string> FindOnPath(const std::string& program);

/// Runs `argv` (argv[0]: sinfo, srun, scontrol, found on PATH) under `access`.
util::ChildResult RunSlurm(const std::vector<std::string>& argv, const SlurmAccess& access);

/// Why a Slurm command failed, for a message: "scontrol show node n1: exited with status 1:
/// <the last line of its stderr>" (Slurm prints the chain of errors that led there first).
std::string SlurmFailure(const util::ChildResult& r, const std::vector<std::string>& argv);

}  // namespace dlenv::probe
