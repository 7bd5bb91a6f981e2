#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

#include "bench/bench.h"
#include "bench/gpu_bench.h"
#include "bench/progress.h"
#include "bench/result_json.h"
#include "bench/text_report.h"
#include "cli/commands.h"
#include "doctor/doctor.h"

namespace dlenv::cli {
namespace {

struct BenchFlags {
  bool json = false;
  std::string html;
  std::string json_file;
  std::vector<int> sizes;
  bool cpu_only = false;
  bool gpu_only = false;
  int threads = 0;
  bool quick = false;
  double min_time = 0;
  double timeout = 300;
};

}  // namespace

void WriteReportFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw UsageError("cannot write " + path);
}

Command AddBench(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  auto* sub = app.add_subcommand("bench", "Measure this machine's ceilings: GEMM, memory bandwidth, transfers");
  sub->add_flag("--json", flags->json, "Print the JSON document instead of the table");
  sub->add_option("--html", flags->html, "Also write a self-contained HTML report to this file");
  sub->add_option("--json-file", flags->json_file, "Also write the JSON document to this file");
  sub->add_option("--sizes", flags->sizes, "GEMM sizes (square), e.g. --sizes 1024,4096")
      ->delimiter(',')
      ->check(CLI::Range(16, 65536));
  auto* cpu = sub->add_flag("--cpu-only", flags->cpu_only, "Measure the CPU only");
  sub->add_flag("--gpu-only", flags->gpu_only, "Measure the GPU only")->excludes(cpu);
  sub->add_option("--threads", flags->threads, "CPU threads (default: every hardware thread)")->check(CLI::PositiveNumber);
  sub->add_option("--timeout", flags->timeout, "Deadline in seconds for the GPU measurements' child process")
      ->check(CLI::PositiveNumber);
  auto* quick = sub->add_flag("--quick", flags->quick, "Fewer, shorter runs (a smoke test, not a measurement)");
  sub->add_option("--min-time", flags->min_time, "Sample each measurement for at least this many seconds (noisy machines)")
      ->check(CLI::PositiveNumber)
      ->excludes(quick);
  return {sub, [flags] {
            bench::BenchOptions options;
            options.cpu = !flags->gpu_only;
            options.gpu = !flags->cpu_only;
            options.sizes = flags->sizes;
            options.threads = flags->threads;
            options.gpu_deadline_seconds = flags->timeout;
            if (flags->quick) options.policy = {.warmup_runs = 1, .warmup_seconds = 0, .min_samples = 5,
                                                .max_samples = 20, .min_seconds = 0.05, .max_seconds = 1};
            if (flags->min_time > 0) {
              options.policy.min_seconds = flags->min_time;
              options.policy.max_seconds = std::max(options.policy.max_seconds, 2 * flags->min_time);
            }
            bench::DiscoverForBench(doctor::MakeProbeContext(doctor::DoctorOptions{}), options);
            bench::TerminalProgress progress(stderr, isatty(STDERR_FILENO));
            options.progress = [&](std::string_view what, double f) { progress.Update(what, f); };
            auto report = bench::RunBench(options);
            if (!flags->html.empty()) WriteReportFile(flags->html, bench::RenderBenchHtml(report));
            if (!flags->json_file.empty()) WriteReportFile(flags->json_file, nlohmann::json(report).dump(2) + "\n");
            const std::string out = flags->json ? nlohmann::json(report).dump(2) + "\n" : bench::RenderBenchText(report);
            std::fwrite(out.data(), 1, out.size(), stdout);
            for (const auto& m : report.measurements) {
              if (m.check.done && !m.check.passed) return kExitFindings;
            }
            return kExitOk;
          }};
}

}  // namespace dlenv::cli
