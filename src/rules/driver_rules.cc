#include "rules/driver_rules.h"

namespace dlenv::rules {

void CheckDriver(const model::Snapshot&, const knowledge::Knowledge&, std::vector<model::Finding>&) {
  // Not yet written.
}

}  // namespace dlenv::rules
