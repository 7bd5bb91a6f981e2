#pragma once
// The NVIDIA driver's packages: unattended-upgrades moving them under a running module, and
// the fabric manager an NVSwitch system needs, running and of the driver's version. Sources
// in docs/findings.md ("driver.packages_not_held", "driver.fabric_manager_*").

#include <string_view>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckDriverPackages(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                         std::vector<model::Finding>& out);

/// Whether unattended-upgrades skips `package` for this Package-Blacklist entry: a Python
/// regular expression matched at the start of the name (re.match); an entry that is not a
/// valid expression is taken as a literal prefix.
bool BlacklistMatches(std::string_view pattern, std::string_view package);

/// A Debian version's upstream part: "1:550.54.15-0ubuntu1" -> "550.54.15".
std::string UpstreamVersion(std::string_view debian_version);

}  // namespace dlenv::rules
