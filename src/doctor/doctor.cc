#include "doctor/doctor.h"

#include <chrono>

#include "knowledge/knowledge.h"
#include "lock/commands.h"
#include "model/json.h"
#include "probe/identity.h"
#include "probe/probes.h"
#include "report/prometheus.h"
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

namespace {

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

DoctorOutput RunDoctor(const DoctorOptions& options) {
  DoctorOutput out;
  const auto started = std::chrono::system_clock::now();
  const auto steady_start = std::chrono::steady_clock::now();
  probe::ProbeContext ctx = MakeProbeContext(options);
  out.snapshot = Diagnose(ctx);
  if (options.prometheus) {
    report::PrometheusRun run{UnixSeconds(started),
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - steady_start).count(),
                              options.redact, probe::ProbeIdentity(ctx.env)};
    const std::optional<std::string> python =
        options.pythons.empty() ? std::nullopt : std::optional<std::string>(options.pythons.front());
    out.error = WritePrometheus(*options.prometheus, options.lock, out.snapshot,
                                lock::SelectPythonEnv(out.snapshot, python, ctx.env), run);
  }
  out.exit_code = report::ExitCodeFor(out.snapshot);
  model::Snapshot shown = options.redact ? report::Redact(out.snapshot, probe::ProbeIdentity(ctx.env)) : out.snapshot;
  if (options.json) out.text = report::ToJson(shown).dump(2) + "\n";
  else if (options.markdown) out.text = report::RenderMarkdown(shown);
  else out.text = report::RenderText(shown, report::TextStyle{options.color});
  return out;
}

std::string WritePrometheus(const std::string& path, const std::optional<std::string>& lock_path,
                            const model::Snapshot& snapshot, const model::PythonEnv* env,
                            const report::PrometheusRun& run) {
  const lock::Lock here = lock::BuildLock(snapshot, env);
  std::optional<report::PrometheusDrift> drift;
  if (lock_path) {
    lock::MachineLock team = lock::LoadLock(*lock_path, lock::MachineOptions{});
    if (!team.lock) return team.error;
    drift = report::MakeDrift(*team.lock, *lock_path, here);
  }
  return report::WritePrometheusTextfile(path, snapshot, here, drift, run);
}

}  // namespace dlenv::doctor
