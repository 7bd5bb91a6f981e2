#include "probe/python_envs.h"

namespace dlenv::probe {

void ProbePythonEnvs(const ProbeContext&, model::Snapshot&) {
  // Not yet written.
}

}  // namespace dlenv::probe
