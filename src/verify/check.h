#pragma once
// The result of one verify check, native or framework: the plain data verify's runners
// produce and its reporters render.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/finding.h"

namespace dlenv::verify {

enum class Verdict { kPass, kFail, kSkip };
std::string_view VerdictName(Verdict v);

struct CheckResult {
  std::string check;      // context, memory, kernel, cublas, cudnn, nccl, transfers, torch, ...
  std::vector<int> gpus;  // CUDA ordinals the check ran on (empty for framework checks)
  std::optional<std::string> python;  // the interpreter, for framework checks
  Verdict verdict = Verdict::kSkip;
  double seconds = 0;
  std::string summary;                // one line
  std::vector<std::string> evidence;  // what was measured, one fact a line
  std::vector<model::Finding> findings;
};

}  // namespace dlenv::verify
