#pragma once
// `dlenv verify`: prove that the GPU computes, natively (driver API, cuBLAS, cuDNN, NCCL) and
// through every framework found, or say why not. The command is RunVerify (verify/command.h).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/command.h"
#include "model/snapshot.h"
#include "probe/context.h"
#include "verify/check.h"

namespace dlenv::verify {

struct VerifyOptions {
  /// machine.pythons: the environments whose frameworks are checked (default: every one
  /// found); machine.timeout_seconds: the deadline of each check.
  probe::MachineOptions machine = {.timeout_seconds = 60};
  model::OutputOptions output;          // text or --json
  std::vector<int> gpus;                // CUDA ordinals; empty = all
  double memory_fraction = 0.05;        // share of free memory the pattern test covers
  std::vector<std::string> frameworks;  // --framework; "none" skips framework checks
};

struct VerifyReport {
  std::optional<std::string> no_gpu;  // why there is nothing to verify natively
  std::vector<CheckResult> checks;
  std::vector<model::Finding> findings;  // every check's, errors first
  double seconds = 0;
};

/// Runs the checks against an already taken snapshot (its driver, libraries and Python
/// environments say what to check).
VerifyReport Verify(const probe::ProbeContext& ctx, const model::Snapshot& snapshot,
                    const VerifyOptions& options);

/// kOk every check passed; kFindings a check failed or an error finding; kNoGpu no GPU to
/// verify, the frameworks' CPU paths passed.
model::ExitCode ExitCodeFor(const VerifyReport& report);
std::string RenderVerifyText(const VerifyReport& report, bool color);
nlohmann::json VerifyToJson(const VerifyReport& report);

}  // namespace dlenv::verify
