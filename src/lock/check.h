#pragma once
// `dlenv check`: this machine against a team's lock, as findings (docs/findings/lock.md).

#include <string>
#include <vector>

#include "lock/diff.h"
#include "model/finding.h"

namespace dlenv::lock {

/// One finding per change from the team's lock to this machine: lock.breaking_drift
/// (error), lock.notable_drift (warning), lock.cosmetic_drift (info). `lock_path` goes into
/// the fixes.
std::vector<model::Finding> CheckAgainstLock(const Lock& team, const Lock& here,
                                             const std::string& lock_path);

/// Text for people: findings, worst first, then a one-line verdict.
std::string RenderCheckText(const std::vector<model::Finding>& findings,
                            const std::string& lock_path);

/// 1 when any finding is an error (breaking drift), else 0.
}  // namespace dlenv::lock
