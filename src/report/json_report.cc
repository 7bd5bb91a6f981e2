#include "model/json.h"
#include "report/report.h"

namespace dlenv::report {

nlohmann::json ToJson(const model::Snapshot& snapshot) {
  nlohmann::json j = snapshot;
  return j;
}

int ExitCodeFor(const model::Snapshot& snapshot) {
  for (const auto& f : snapshot.findings) {
    if (f.severity == model::Severity::kError) return 1;
  }
  return 0;
}

}  // namespace dlenv::report
