#pragma once

#include <span>
#include <string_view>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

using ProbeFn = void (*)(const ProbeContext&, model::Snapshot&);

struct Probe {
  std::string_view name;
  ProbeFn run;
};

/// Runs every probe and returns the snapshot, findings not yet evaluated.
model::Snapshot TakeSnapshot(const ProbeContext& ctx);

}  // namespace dlenv::probe
