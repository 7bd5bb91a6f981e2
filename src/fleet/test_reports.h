#pragma once
// Test fixtures: node reports as `dlenv fleet snapshot` writes them, built from the lock
// tests' GPU machine, for the fleet tests to vary one field at a time.

#include <nlohmann/json.hpp>
#include <string>

#include "fleet/node_document.h"
#include "lock/test_locks.h"

namespace dlenv::fleet::testing {

inline model::Snapshot NodeSnapshot(const std::string& host) {
  model::Snapshot s = lock::testing::GpuMachineSnapshot();
  s.host.hostname = host;
  for (auto& g : s.gpus) {
    g.ecc_uncorrected_volatile = 0;
    g.pcie_width_current = 16;
    g.pcie_width_max = 16;
    g.temperature_c = 40;
    g.throttle_reasons = 0x1;
  }
  return s;
}

/// A report of `snapshot` (its first Python environment locked), as a JSON document.
inline nlohmann::json ReportOf(const model::Snapshot& snapshot, const std::string& host,
                               const std::string& when = "2026-11-30T03:00:00Z") {
  lock::Lock l = lock::BuildLock(
      snapshot, snapshot.python_envs.empty() ? nullptr : &snapshot.python_envs.front());
  l.generated_at = when;
  SnapshotInputs in;
  in.snapshot = &snapshot;
  in.lock = &l;
  in.hostname = host;
  in.generated_at = when;
  in.duration_seconds = 1.5;
  return SnapshotDocument(in);
}

inline nlohmann::json Report(const std::string& host,
                             const std::string& when = "2026-11-30T03:00:00Z") {
  return ReportOf(NodeSnapshot(host), host, when);
}

/// The same node with torch upgraded (a breaking change by lock's grading).
inline model::Snapshot TorchUpgraded(const std::string& host) {
  model::Snapshot s = NodeSnapshot(host);
  for (auto& p : s.python_envs.front().packages) {
    if (p.name == "torch") p.version = "2.4.0+cu121";
  }
  s.python_envs.front().frameworks.front().version = "2.4.0+cu121";
  return s;
}

}  // namespace dlenv::fleet::testing
