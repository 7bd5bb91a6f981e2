#include "rules/framework_rules.h"

namespace dlenv::rules {

void CheckFrameworks(const model::Snapshot&, const knowledge::Knowledge&, std::vector<model::Finding>&) {
  // Not yet written.
}

}  // namespace dlenv::rules
