#pragma once
// The node_exporter textfile format (Prometheus's text exposition format 0.0.4): what
// `dlenv doctor --prometheus FILE` writes for node_exporter's textfile collector to serve.
// docs/fleet.md lists every metric.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "lock/diff.h"
#include "lock/lock.h"
#include "model/identity.h"
#include "model/snapshot.h"

namespace dlenv::report {

struct PrometheusRun {
  double timestamp_seconds = 0;  // when the run started, Unix time
  double duration_seconds = 0;
  bool redact = false;  // hide GPU UUIDs and other names (report::Redact) in the labels
  model::Identity who = {};  // with redact: this user's and host's names (probe::ProbeIdentity)
};

/// This machine against a team's lock (`--lock`).
struct PrometheusDrift {
  std::string lock_path;
  std::string lock_hash;
  lock::LockDiff diff;  // from the team's lock to this machine
};

/// The team's lock against this machine's (`here`: lock::BuildLock of the snapshot and the
/// Python environment the command was asked about).
PrometheusDrift MakeDrift(const lock::Lock& team, std::string lock_path, const lock::Lock& here);

/// Renders the metrics. `here` is this machine's lock (lock::BuildLock of the snapshot): its
/// content hash and versions go into dlenv_info. run.redact is not applied here: redact the
/// snapshot first.
std::string RenderPrometheus(const model::Snapshot& snapshot, const lock::Lock& here,
                             const std::optional<PrometheusDrift>& drift, const PrometheusRun& run);

/// Redacts the snapshot when run.redact, renders, and writes `path` atomically (a temporary file
/// beside it, then rename, so node_exporter never reads half a file). `here` as for
/// RenderPrometheus. Returns an error message naming the file, empty on success. For `doctor
/// --prometheus` and `fleet snapshot --prometheus`.
std::string WritePrometheusTextfile(const std::filesystem::path& path,
                                    const model::Snapshot& snapshot, const lock::Lock& here,
                                    const std::optional<PrometheusDrift>& drift,
                                    const PrometheusRun& run);

/// A label value escaped as the exposition format requires: backslash, double quote, newline.
std::string EscapeLabelValue(std::string_view value);

}  // namespace dlenv::report
