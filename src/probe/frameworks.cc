#include "probe/frameworks.h"

namespace dlenv::probe {

std::vector<model::FrameworkBuild> ReadFrameworkBuilds(const ProbeContext&, const model::PythonEnv&,
                                                       const std::vector<model::LibraryCopy>&) {
  return {};  // Not yet written.
}

}  // namespace dlenv::probe
