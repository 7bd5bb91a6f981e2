#pragma once
// The node_exporter textfile format (Prometheus's text exposition format 0.0.4): what
// `dlenv doctor --prometheus FILE` writes for node_exporter's textfile collector to serve.
// docs/fleet.md lists every metric.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/identity.h"
#include "model/snapshot.h"

namespace dlenv::report {

struct PrometheusRun {
  double timestamp_seconds = 0;  // when the run started, Unix time
  double duration_seconds = 0;
  bool redact = false;       // hide GPU UUIDs and other names (report::Redact) in the labels
  model::Identity who = {};  // with redact: this user's and host's names (probe::ProbeIdentity)
};

/// This node's environment as its lock records it (lock::PrometheusEnvironmentOf): the
/// labels of dlenv_info and dlenv_framework_info. Plain data, so rendering needs no lock code.
struct PrometheusEnvironment {
  std::string environment_hash;
  std::string driver_version, cuda_driver_version, cuda_toolkit_version;
  std::string cudnn_version, nccl_version;  // the copies the loader meets first
  std::string python_version;
  struct Framework {
    std::string name, version, cuda_version, cudnn_version;
  };
  std::vector<Framework> frameworks;
};

/// This machine against a team's lock (`--lock`): how many differences of each impact, as
/// `dlenv diff` grades them (lock::MakeDrift).
struct PrometheusDrift {
  std::string lock_path;
  std::string lock_hash;
  std::size_t breaking = 0, notable = 0, cosmetic = 0;
};

/// Renders the metrics. run.redact is not applied here: redact the snapshot first.
std::string RenderPrometheus(const model::Snapshot& snapshot, const PrometheusEnvironment& here,
                             const std::optional<PrometheusDrift>& drift, const PrometheusRun& run);

/// A label value escaped as the exposition format requires: backslash, double quote, newline.
std::string EscapeLabelValue(std::string_view value);

}  // namespace dlenv::report
