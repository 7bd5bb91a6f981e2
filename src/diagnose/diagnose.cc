#include "diagnose/diagnose.h"

#include "knowledge/knowledge.h"
#include "probe/probes.h"
#include "rules/rules.h"

namespace dlenv::diagnose {

model::Snapshot Diagnose(const probe::ProbeContext& ctx) {
  model::Snapshot snapshot = probe::TakeSnapshot(ctx);
  snapshot.findings = rules::Evaluate(snapshot, knowledge::BuiltinKnowledge());
  return snapshot;
}

}  // namespace dlenv::diagnose
