#pragma once
// node_exporter's textfile for `doctor --prometheus` and `fleet snapshot --prometheus`: this
// node's lock and its drift from the team's, turned into report::RenderPrometheus's plain data,
// and the file written atomically.

#include <filesystem>
#include <optional>
#include <string>

#include "lock/lock.h"
#include "model/snapshot.h"
#include "report/prometheus.h"

namespace dlenv::lock {

/// The labels of dlenv_info / dlenv_framework_info from this node's lock.
report::PrometheusEnvironment PrometheusEnvironmentOf(const Lock& here);

/// The team's lock against this machine's (`here`: BuildLock of the snapshot and the Python
/// environment the command was asked about), counted by impact as `dlenv diff` grades them.
report::PrometheusDrift MakeDrift(const Lock& team, std::string lock_path, const Lock& here);

/// Redacts the snapshot when run.redact, renders, and writes `path` atomically (a temporary
/// file beside it, then rename, so node_exporter never reads half a file). Returns an error
/// message naming the file, empty on success.
std::string WritePrometheusTextfile(const std::filesystem::path& path,
                                    const model::Snapshot& snapshot, const Lock& here,
                                    const std::optional<report::PrometheusDrift>& drift,
                                    const report::PrometheusRun& run);

/// `--prometheus FILE [--lock F]`: the textfile for the snapshot and its Python environment
/// `env` (what --python chose; may be null), with the drift against the team's lock when one
/// is named. Returns an error message (the lock or the file could not be read or written), or "".
std::string WritePrometheus(const std::string& path, const std::optional<std::string>& lock_path,
                            const model::Snapshot& snapshot, const model::PythonEnv* env,
                            const report::PrometheusRun& run);

}  // namespace dlenv::lock
