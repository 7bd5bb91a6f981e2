#pragma once

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

void ProbeDriver(const ProbeContext& ctx, model::Snapshot& snapshot);

}  // namespace dlenv::probe
