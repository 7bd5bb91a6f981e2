#include "rules/python_rules.h"

namespace dlenv::rules {

void CheckPythonEnvs(const model::Snapshot&, const knowledge::Knowledge&, std::vector<model::Finding>&) {
  // Not yet written.
}

}  // namespace dlenv::rules
