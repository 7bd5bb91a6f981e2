#include "bench/command.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bench/gpu_bench.h"
#include "bench/result_json.h"
#include "bench/text_report.h"
#include "util/atomic_write.h"

namespace dlenv::bench {
namespace {

// The report and its optional files, in the format asked for; exit 1 when `failed`.
template <typename Report>
model::CommandResult Finish(const Report& report, const model::OutputOptions& output,
                            const std::optional<std::string>& html,
                            const std::optional<std::string>& json_file, std::string text,
                            std::string html_text, bool failed) {
  model::CommandResult r;
  r.document = report;
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  if (html) files.emplace_back(*html, std::move(html_text));
  if (json_file) files.emplace_back(*json_file, r.document.dump(2) + "\n");
  if (!files.empty())
    if (auto err = util::WriteFilesAtomically(files); !err.empty()) return model::UsageError(err);
  r.out = output.format == model::Format::kJson ? r.document.dump(2) + "\n" : std::move(text);
  r.exit = failed ? model::ExitCode::kFindings : model::ExitCode::kOk;
  return r;
}

// --timeout here bounds the measuring children; probing the driver keeps its usual deadline.
probe::MachineOptions ProbeMachine(probe::MachineOptions machine) {
  machine.timeout_seconds =
      std::min(machine.timeout_seconds, probe::MachineOptions{}.timeout_seconds);
  return machine;
}

}  // namespace

model::CommandResult RunBench(const BenchCommandOptions& options) {
  BenchOptions bench = options.bench;
  bench.gpu_deadline_seconds = options.machine.timeout_seconds;
  DiscoverForBench(probe::MakeProbeContext(ProbeMachine(options.machine)), bench);
  const BenchReport report = MeasureBench(bench);
  bool failed = false;
  for (const auto& m : report.measurements) failed |= m.check.done && !m.check.passed;
  return Finish(report, options.output, options.html, options.json_file, RenderBenchText(report),
                options.html ? RenderBenchHtml(report) : "", failed);
}

model::CommandResult RunCompare(const CompareCommandOptions& options) {
  CompareOptions compare = options.compare;
  DiscoverForCompare(probe::MakeProbeContext(ProbeMachine(options.machine)), compare);
  compare.pythons = options.machine.pythons;
  compare.process_deadline_seconds = options.machine.timeout_seconds;
  const CompareReport report = MeasureCompare(compare);
  bool failed = false;
  for (const auto& r : report.runs) failed |= r.check.done && !r.check.passed;
  return Finish(report, options.output, options.html, options.json_file, RenderCompareText(report),
                options.html ? RenderCompareHtml(report) : "", failed);
}

}  // namespace dlenv::bench
