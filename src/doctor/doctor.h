#pragma once
// `dlenv doctor` as a library call: probe, evaluate rules, redact, render.

#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "probe/context.h"
#include "report/prometheus.h"

namespace dlenv::doctor {

struct DoctorOptions {
  bool json = false;
  bool markdown = false;
  bool redact = false;
  bool color = false;
  std::string root = "/";
  bool ask_host_driver = true;
  double timeout_seconds = 10;
  std::vector<std::string> pythons;
  std::optional<std::string> prometheus;  // also write node_exporter's textfile here
  std::optional<std::string> lock;        // with prometheus: drift against this team lock
};

struct DoctorOutput {
  std::string text;
  int exit_code = 0;
  model::Snapshot snapshot;
  std::string error;  // the --prometheus file or --lock could not be written or read (exit 2)
};

probe::ProbeContext MakeProbeContext(const DoctorOptions& options);
/// Probes, evaluates the rules and fills snapshot.findings.
model::Snapshot Diagnose(const probe::ProbeContext& ctx);
DoctorOutput RunDoctor(const DoctorOptions& options);

/// `--prometheus FILE [--lock F]` of doctor and `fleet snapshot`: node_exporter's textfile for
/// the snapshot and its Python environment `env` (what --python chose; may be null), with the
/// drift against the team's lock when one is named, written atomically. Returns an error
/// message (the lock or the file could not be read or written), or "".
std::string WritePrometheus(const std::string& path, const std::optional<std::string>& lock_path,
                            const model::Snapshot& snapshot, const model::PythonEnv* env,
                            const report::PrometheusRun& run);

}  // namespace dlenv::doctor
