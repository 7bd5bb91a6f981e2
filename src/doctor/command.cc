#include "doctor/command.h"

#include <chrono>

#include "diagnose/diagnose.h"
#include "lock/lock.h"
#include "lock/prometheus.h"
#include "probe/identity.h"
#include "report/redact.h"
#include "report/report.h"

namespace dlenv::doctor {
namespace {

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

model::CommandResult RunDoctor(const DoctorOptions& options) {
  model::CommandResult out;
  const auto started = std::chrono::system_clock::now();
  const auto steady_start = std::chrono::steady_clock::now();
  probe::ProbeContext ctx = probe::MakeProbeContext(options.machine);
  model::Snapshot snapshot = diagnose::Diagnose(ctx);
  if (options.prometheus) {
    report::PrometheusRun run{
        UnixSeconds(started),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - steady_start).count(),
        options.output.redact, probe::ProbeIdentity(ctx.env)};
    const auto& pythons = options.machine.pythons;
    const std::optional<std::string> python =
        pythons.empty() ? std::nullopt : std::optional<std::string>(pythons.front());
    out.error = lock::WritePrometheus(*options.prometheus, options.lock, snapshot,
                                      lock::SelectPythonEnv(snapshot, python, ctx.env), run);
  }
  out.exit = out.error.empty() ? model::ExitFor(snapshot.findings) : model::ExitCode::kUsage;
  out.findings = snapshot.findings;
  const model::Snapshot shown =
      options.output.redact ? report::Redact(snapshot, probe::ProbeIdentity(ctx.env)) : snapshot;
  out.document = report::ToJson(shown);
  switch (options.output.format) {
    case model::Format::kJson:
      out.out = out.document.dump(2) + "\n";
      break;
    case model::Format::kMarkdown:
      out.out = report::RenderMarkdown(shown);
      break;
    case model::Format::kText:
      out.out = report::RenderText(shown, report::TextStyle{options.output.color});
      break;
  }
  return out;
}

}  // namespace dlenv::doctor
