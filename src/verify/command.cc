#include "verify/command.h"

#include "probe/probes.h"

namespace dlenv::verify {

model::CommandResult RunVerify(const VerifyOptions& options) {
  const probe::ProbeContext ctx = probe::MakeProbeContext(options.machine);
  const model::Snapshot snapshot = probe::TakeSnapshot(ctx);
  const VerifyReport report = Verify(ctx, snapshot, options);
  model::CommandResult out;
  out.exit = ExitCodeFor(report);
  out.findings = report.findings;
  out.document = VerifyToJson(report);
  out.out = options.output.format == model::Format::kJson
                ? out.document.dump(2) + "\n"
                : RenderVerifyText(report, options.output.color);
  return out;
}

}  // namespace dlenv::verify
