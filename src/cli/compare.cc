#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "bench/compare.h"
#include "bench/progress.h"
#include "bench/result_json.h"
#include "bench/text_report.h"
#include "cli/commands.h"
#include "cli/python_arg.h"
#include "doctor/doctor.h"

namespace dlenv::cli {
namespace {

struct CompareFlags {
  bool json = false;
  std::string html;
  std::string json_file;
  std::vector<std::string> pythons;
  std::vector<std::string> frameworks;
  std::vector<std::string> workloads;
  std::string device = "auto";
  std::vector<int> sizes;
  int threads = 0;
  bool quick = false;
  double min_time = 0;
  bool native = true;
  double timeout = 600;
};

}  // namespace

Command AddCompare(CLI::App& app) {
  auto flags = std::make_shared<CompareFlags>();
  auto* sub = app.add_subcommand("compare", "Run the same workloads in every framework found and compare them");
  sub->add_flag("--json", flags->json, "Print the JSON document instead of the tables");
  sub->add_option("--html", flags->html, "Also write a self-contained HTML report to this file");
  sub->add_option("--json-file", flags->json_file, "Also write the JSON document to this file");
  sub->add_option("--python", flags->pythons, "Use this interpreter (repeatable; default: the environments doctor finds)");
  sub->add_option("--framework", flags->frameworks, "Only these frameworks")
      ->delimiter(',')
      ->check(CLI::IsMember({"numpy", "torch", "tensorflow", "jax", "cupy"}));
  sub->add_option("--workload", flags->workloads, "Only these workloads")
      ->delimiter(',')
      ->check(CLI::IsMember({"empty", "matmul", "copy", "conv2d_fwd", "conv2d_bwd", "mlp_train", "rnn_dynamic"}));
  sub->add_option("--device", flags->device, "Where to run: auto (the GPU when there is one), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  sub->add_option("--sizes", flags->sizes, "Matmul sizes (default 8192 on a GPU, 1024 on the CPU)")
      ->delimiter(',')
      ->check(CLI::Range(16, 65536));
  sub->add_option("--threads", flags->threads, "CPU threads for every framework (default: every hardware thread)")
      ->check(CLI::PositiveNumber);
  auto* quick = sub->add_flag("--quick", flags->quick, "Fewer, shorter runs (a smoke test, not a measurement)");
  sub->add_option("--min-time", flags->min_time, "Sample each measurement for at least this many seconds (noisy machines)")
      ->check(CLI::PositiveNumber)
      ->excludes(quick);
  sub->add_flag("!--no-native", flags->native, "Skip dlenv's own baseline");
  sub->add_option("--timeout", flags->timeout, "Deadline in seconds for each framework's process")
      ->check(CLI::PositiveNumber);
  return {sub, [flags] {
            ResolvePythons(flags->pythons);
            bench::CompareOptions options;
            bench::DiscoverForCompare(doctor::MakeProbeContext(doctor::DoctorOptions{}), options);
            options.pythons = flags->pythons;
            options.frameworks = flags->frameworks;
            options.workloads = flags->workloads;
            options.device = flags->device;
            options.sizes = flags->sizes;
            options.threads = flags->threads;
            options.native_baseline = flags->native;
            options.process_deadline_seconds = flags->timeout;
            if (flags->quick) options.policy = {.warmup_runs = 1, .warmup_seconds = 0, .min_samples = 5,
                                                .max_samples = 20, .min_seconds = 0.05, .max_seconds = 1};
            if (flags->min_time > 0) {
              options.policy.min_seconds = flags->min_time;
              options.policy.max_seconds = std::max(options.policy.max_seconds, 2 * flags->min_time);
            }
            bench::TerminalProgress progress(stderr, isatty(STDERR_FILENO));
            options.progress = [&](std::string_view what, double f) { progress.Update(what, f); };
            auto report = bench::RunCompare(options);
            if (!flags->html.empty()) WriteReportFile(flags->html, bench::RenderCompareHtml(report));
            if (!flags->json_file.empty()) WriteReportFile(flags->json_file, nlohmann::json(report).dump(2) + "\n");
            const std::string out =
                flags->json ? nlohmann::json(report).dump(2) + "\n" : bench::RenderCompareText(report);
            std::fwrite(out.data(), 1, out.size(), stdout);
            for (const auto& r : report.runs) {
              if (r.check.done && !r.check.passed) return kExitFindings;
            }
            return kExitOk;
          }};
}

}  // namespace dlenv::cli
