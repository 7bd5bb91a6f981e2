#include "rules/toolkit_rules.h"

namespace dlenv::rules {

void CheckToolkits(const model::Snapshot&, const knowledge::Knowledge&, std::vector<model::Finding>&) {
  // Not yet written.
}

}  // namespace dlenv::rules
