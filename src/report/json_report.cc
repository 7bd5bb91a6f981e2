#include "model/json.h"
#include "report/report.h"

namespace dlenv::report {

nlohmann::json ToJson(const model::Snapshot& snapshot) {
  nlohmann::json j = snapshot;
  return j;
}

}  // namespace dlenv::report
