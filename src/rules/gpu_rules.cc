#include "rules/gpu_rules.h"

namespace dlenv::rules {

void CheckGpus(const model::Snapshot&, const knowledge::Knowledge&, std::vector<model::Finding>&) {
  // Not yet written.
}

}  // namespace dlenv::rules
