#pragma once
// The verdict `dlenv health` gives a node: healthy or not, and why in one line. Pure: it
// reads a snapshot of the driver and GPU probes only (no Python scan), so it runs in a
// Slurm HealthCheckProgram in well under a second. Each GPU is judged by
// rules::AssessGpuHealth, the verdict `fleet` and the Prometheus textfile use too.

#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace dlenv::health {

/// Why the driver makes the node unhealthy: the probe hung or crashed, NVML failed to start,
/// or fewer GPUs answer than sit on the PCI bus. A machine with no NVIDIA GPU is healthy.
std::vector<std::string> DriverProblems(const model::Snapshot& snapshot);

struct Verdict {
  bool healthy = true;
  std::vector<std::string> reasons;  // "GPU 0: 2 uncorrectable ECC errors ...", worst first
  /// One line: "healthy: 8 GPUs, driver 550.54.15" or the reasons joined with "; ".
  std::string summary;
};

/// The node's verdict from the driver and GPUs, plus any extra reasons (breaking drift
/// against a lock) the caller adds.
Verdict AssessNode(const model::Snapshot& snapshot,
                   const std::vector<std::string>& extra_reasons = {});

}  // namespace dlenv::health
