#include "doctor/doctor.h"

#include "knowledge/knowledge.h"
#include "model/json.h"
#include "probe/identity.h"
#include "probe/probes.h"
#include "report/redact.h"
#include "report/report.h"
#include "rules/rules.h"

namespace dlenv::doctor {

probe::ProbeContext MakeProbeContext(const DoctorOptions& options) {
  probe::ProbeContext ctx;
  ctx.fs = util::RootFs(options.root);
  ctx.ask_host_driver = options.ask_host_driver || options.root == "/";
  ctx.driver_timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  ctx.extra_pythons = options.pythons;
  return ctx;
}

model::Snapshot Diagnose(const probe::ProbeContext& ctx) {
  model::Snapshot snapshot = probe::TakeSnapshot(ctx);
  snapshot.findings = rules::Evaluate(snapshot, knowledge::BuiltinKnowledge());
  return snapshot;
}

DoctorOutput RunDoctor(const DoctorOptions& options) {
  DoctorOutput out;
  probe::ProbeContext ctx = MakeProbeContext(options);
  out.snapshot = Diagnose(ctx);
  out.exit_code = report::ExitCodeFor(out.snapshot);
  model::Snapshot shown = options.redact ? report::Redact(out.snapshot, probe::ProbeIdentity(ctx.env)) : out.snapshot;
  if (options.json) out.text = report::ToJson(shown).dump(2) + "\n";
  else if (options.markdown) out.text = report::RenderMarkdown(shown);
  else out.text = report::RenderText(shown, report::TextStyle{options.color});
  return out;
}

}  // namespace dlenv::doctor
