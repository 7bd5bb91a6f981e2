#pragma once

#include <optional>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckDriver(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                 std::vector<model::Finding>& out);

/// The user-space driver's version and where it was read: NVML's answer, else the version in
/// the file name of the libcuda or libnvidia-ml the loader picks (libcuda.so.550.54.15), for
/// a snapshot taken without asking the driver. WSL's /usr/lib/wsl/lib copies carry none, and
/// CUDA's forward-compatibility libcuda (.../compat/) is newer than the module on purpose.
struct UserspaceDriver {
  std::string version;
  std::string source;
};
std::optional<UserspaceDriver> UserspaceDriverVersion(const model::Snapshot& snapshot);

}  // namespace dlenv::rules
