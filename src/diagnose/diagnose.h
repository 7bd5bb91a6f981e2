#pragma once
// This machine as every command sees it: the probes' snapshot with the rules' findings.

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::diagnose {

/// Probes, evaluates the rules and fills snapshot.findings.
model::Snapshot Diagnose(const probe::ProbeContext& ctx);

}  // namespace dlenv::diagnose
