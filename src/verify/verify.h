#pragma once
// `dlenv verify` as a library call: prove that the GPU computes, natively (driver API,
// cuBLAS, cuDNN, NCCL) and through every framework found, or say why not.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/snapshot.h"
#include "probe/context.h"
#include "verify/check.h"

namespace dlenv::verify {

/// Exit codes (also in `dlenv verify --help`): every check passed; a check failed or an
/// error finding; usage (2) and internal (3) as for every command; no GPU to verify, the
/// frameworks' CPU paths passed.
inline constexpr int kExitVerified = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitNoGpu = 4;

struct VerifyOptions {
  std::vector<int> gpus;               // CUDA ordinals; empty = all
  double memory_fraction = 0.05;       // share of free memory the pattern test covers
  std::vector<std::string> pythons;    // --python
  std::vector<std::string> frameworks; // --framework; "none" skips framework checks
  double timeout_seconds = 60;         // deadline per check
  bool json = false;
  bool color = false;
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

int ExitCodeFor(const VerifyReport& report);
std::string RenderVerifyText(const VerifyReport& report, bool color);
nlohmann::json VerifyToJson(const VerifyReport& report);

struct VerifyOutput {
  std::string text;
  int exit_code = 0;
  VerifyReport report;
};
/// Snapshot, checks and rendering: what `dlenv verify` prints.
VerifyOutput RunVerify(const probe::ProbeContext& ctx, const VerifyOptions& options);

}  // namespace dlenv::verify
