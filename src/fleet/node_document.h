#pragma once
// `dlenv fleet snapshot`: one node's report for the fleet. The document (docs/fleet.md,
// schema/fleet-snapshot.schema.json) holds the node's lock (environment and content hash),
// doctor's findings and a health summary per GPU; `fleet report` reads many of them.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "lock/lock.h"
#include "model/snapshot.h"

namespace dlenv::fleet {

/// Bumped when a field changes meaning or disappears; additions keep the version. The
/// report reader names a file with a higher version instead of guessing at it.
inline constexpr int kFleetSnapshotVersion = 1;

struct SnapshotInputs {
  const model::Snapshot* snapshot = nullptr;  // probed and diagnosed (findings filled)
  const lock::Lock* lock = nullptr;
  std::string hostname;      // short host name: the file's name in DIR
  std::string generated_at;  // UTC, 2026-11-30T03:00:00Z
  double duration_seconds = 0;
};

/// The document; deterministic for given inputs.
nlohmann::json SnapshotDocument(const SnapshotInputs& in);

/// "gpu01.cluster.example" -> "gpu01". Empty or unsafe names (a slash, a leading dot,
/// control characters) come back empty: the caller refuses them rather than writing
/// outside DIR or as a hidden file.
std::string ShortHostname(std::string_view hostname);

}  // namespace dlenv::fleet
