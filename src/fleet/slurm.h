#pragma once
// The thin adapter to Slurm's commands (sinfo, srun), found on PATH, so that a test can put
// fakes first on PATH and a cluster's own Slurm is used as it is.

#include <optional>
#include <string>
#include <vector>

#include "fleet/collect.h"
#include "util/subprocess.h"

namespace dlenv::fleet {

/// The full path of `program` on PATH, or nullopt.
std::optional<std::string> FindOnPath(const std::string& program);

/// Nodes as sinfo lists them; nullopt when sinfo is absent or fails (error says why).
std::optional<std::vector<SinfoNode>> QuerySinfo(const std::optional<std::string>& partition,
                                                 std::string& error);

/// Runs the srun command with its deadline; srun's own output is kept (capped).
util::ChildResult RunSrun(const std::vector<std::string>& argv, int deadline_seconds);

}  // namespace dlenv::fleet
