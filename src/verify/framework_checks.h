#pragma once
// Framework checks: an embedded probe script (src/python/verify_<framework>.py) run with an
// environment's own interpreter as `python -`, in a child with a deadline; its one JSON
// document becomes a verdict, evidence and findings.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "util/environment.h"
#include "verify/check.h"

namespace dlenv::verify {

struct FrameworkTarget {
  std::string python;      // interpreter path
  std::string framework;   // torch, tensorflow, jax, cupy
  bool requested = false;  // named with --framework: "not installed" is reported, not dropped
};

/// Which interpreter runs which script: `pythons` (--python) or every environment the
/// snapshot found (python3 on PATH when it found none); `frameworks` (--framework) or the
/// ones installed there (all four where the packages are unknown).
std::vector<FrameworkTarget> PlanFrameworkTargets(const model::Snapshot& snapshot,
                                                  const std::vector<std::string>& pythons,
                                                  const std::vector<std::string>& frameworks);

CheckResult RunFrameworkCheck(const FrameworkTarget& target, const util::Environment& env,
                              std::chrono::milliseconds deadline, bool host_has_gpu);

/// The script's document as a verdict with findings. Pure, so tests feed it documents.
CheckResult EvaluateFrameworkDocument(const FrameworkTarget& target, const nlohmann::json& doc,
                                      bool host_has_gpu);

}  // namespace dlenv::verify
