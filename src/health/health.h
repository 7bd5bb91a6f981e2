#pragma once
// `dlenv health` as a library call: the driver and GPU probes only, a verdict, and with
// `drain` the Slurm node drained or resumed. For Slurm's HealthCheckProgram and NHC.

#include <optional>
#include <string>

#include "health/gpu_verdict.h"

namespace dlenv::health {

struct HealthOptions {
  std::optional<std::string> lock;    // also unhealthy on breaking drift against this lock
  std::optional<std::string> python;  // with lock: the environment to compare
  bool drain = false;
  double timeout_seconds = 10;  // the whole run when the driver hangs
  std::optional<std::string> slurm_conf;
  std::optional<std::string> node_name;  // default: the short host name
};

struct HealthOutput {
  std::string out;    // one line: "healthy: ..." or "unhealthy: <reasons>"
  std::string error;  // stderr: what Slurm was asked and any failure
  int exit_code = 0;  // 0 healthy, 1 not, 2 bad input (unreadable lock)
  Verdict verdict;
};

HealthOutput RunHealth(const HealthOptions& options);

}  // namespace dlenv::health
