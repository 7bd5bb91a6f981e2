#pragma once
// Rules are pure functions from a snapshot (and the compiled-in knowledge) to findings.
// They never touch the filesystem, the environment or a library.

#include <span>
#include <string_view>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

using RuleFn = void (*)(const model::Snapshot&, const knowledge::Knowledge&,
                        std::vector<model::Finding>&);

struct Rule {
  std::string_view name;
  RuleFn run;
};

/// All findings for a snapshot, errors first, then warnings, then info; stable within.
std::vector<model::Finding> Evaluate(const model::Snapshot& snapshot,
                                     const knowledge::Knowledge& knowledge);

}  // namespace dlenv::rules
