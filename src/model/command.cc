#include "model/command.h"

namespace dlenv::model {
namespace {

int Rank(ExitCode code) {
  switch (code) {
    case ExitCode::kOk:
      return 0;
    case ExitCode::kNoMatch:
      return 1;
    case ExitCode::kNoGpu:
      return 1;
    case ExitCode::kFindings:
      return 2;
    case ExitCode::kUsage:
      return 3;
    case ExitCode::kInternal:
      return 4;
  }
  return 4;
}

}  // namespace

ExitCode Worse(ExitCode a, ExitCode b) { return Rank(b) > Rank(a) ? b : a; }

ExitCode ExitFor(const std::vector<Finding>& findings) {
  for (const auto& f : findings)
    if (f.severity == Severity::kError) return ExitCode::kFindings;
  return ExitCode::kOk;
}

CommandResult UsageError(std::string message) {
  CommandResult result;
  result.error = std::move(message);
  result.exit = ExitCode::kUsage;
  return result;
}

}  // namespace dlenv::model
