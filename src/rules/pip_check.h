#pragma once
// What `pip check` would print for an environment, computed from its inventory alone.

#include <string>
#include <vector>

#include "model/python.h"
#include "util/pep508.h"

namespace dlenv::rules {

struct BrokenRequirement {
  std::string project;  // canonical name of the package that requires
  std::string project_version;
  util::Requirement requirement;
  std::optional<std::string> installed_version;  // nullopt: not installed
  /// The line pip 23 prints: "requests 2.32.5 requires urllib3, which is not installed."
  std::string Line() const;
};

/// pip's check_package_set: the packages pip list shows (first on sys.path wins), each
/// Requires-Dist whose marker holds with extra == "", missing or outside its specifier
/// (pre-releases allowed). A package with an unparsable requirement is skipped, as pip does.
std::vector<BrokenRequirement> PipCheck(const model::PythonEnv& env,
                                        const util::MarkerEnvironment& markers);

}  // namespace dlenv::rules
