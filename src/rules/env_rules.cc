#include "rules/env_rules.h"

namespace dlenv::rules {

void CheckEnvironments(const model::Snapshot&, const knowledge::Knowledge&, std::vector<model::Finding>&) {
  // Not yet written.
}

}  // namespace dlenv::rules
