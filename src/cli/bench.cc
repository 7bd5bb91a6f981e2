#include <unistd.h>

#include <algorithm>
#include <memory>

#include "bench/command.h"
#include "bench/progress.h"
#include "cli/commands.h"
#include "cli/options.h"

namespace dlenv::cli {
namespace {

// --quick and --min-time: the sampling policy both bench and compare take.
struct SamplingFlags {
  bool quick = false;
  double min_time = 0;
};

void AddSamplingFlags(CLI::App* sub, SamplingFlags& f) {
  auto* quick =
      sub->add_flag("--quick", f.quick, "Fewer, shorter runs (a smoke test, not a measurement)");
  sub->add_option("--min-time", f.min_time,
                  "Sample each measurement for at least this many seconds (noisy machines)")
      ->check(CLI::PositiveNumber)
      ->excludes(quick);
}

void ApplySampling(const SamplingFlags& f, bench::SamplingPolicy& policy) {
  if (f.quick)
    policy = {.warmup_runs = 1,
              .warmup_seconds = 0,
              .min_samples = 5,
              .max_samples = 20,
              .min_seconds = 0.05,
              .max_seconds = 1};
  if (f.min_time > 0) {
    policy.min_seconds = f.min_time;
    policy.max_seconds = std::max(policy.max_seconds, 2 * f.min_time);
  }
}

void AddReportFiles(CLI::App* sub, std::optional<std::string>& html,
                    std::optional<std::string>& json_file) {
  sub->add_option("--html", html, "Also write a self-contained HTML report to this file");
  sub->add_option("--json-file", json_file, "Also write the JSON document to this file");
}

}  // namespace

Command AddBench(CLI::App& app) {
  auto opts = std::make_shared<bench::BenchCommandOptions>();
  auto sampling = std::make_shared<SamplingFlags>();
  auto flags = std::make_shared<std::pair<bool, bool>>();  // --cpu-only, --gpu-only
  auto* sub = app.add_subcommand(
      "bench", "Measure this machine's ceilings: GEMM, memory bandwidth, transfers");
  AddOutputFlags(sub, opts->output, {.json_help = "Print the JSON document instead of the table"});
  AddReportFiles(sub, opts->html, opts->json_file);
  sub->add_option("--sizes", opts->bench.sizes, "GEMM sizes (square), e.g. --sizes 1024,4096")
      ->delimiter(',')
      ->check(CLI::Range(16, 65536));
  auto* cpu = sub->add_flag("--cpu-only", flags->first, "Measure the CPU only");
  sub->add_flag("--gpu-only", flags->second, "Measure the GPU only")->excludes(cpu);
  sub->add_option("--threads", opts->bench.threads, "CPU threads (default: every hardware thread)")
      ->check(CLI::PositiveNumber);
  AddMachineFlags(
      sub, opts->machine,
      {.timeout = "Deadline in seconds for the GPU measurements' child process", .root = false});
  AddSamplingFlags(sub, *sampling);
  return {sub, [opts, sampling, flags] {
            ResolveMachine(opts->machine);
            opts->bench.cpu = !flags->second;
            opts->bench.gpu = !flags->first;
            ApplySampling(*sampling, opts->bench.policy);
            bench::TerminalProgress progress(stderr, isatty(STDERR_FILENO));
            opts->bench.progress = [&](std::string_view what, double f) {
              progress.Update(what, f);
            };
            return Emit(bench::RunBench(*opts));
          }};
}

Command AddCompare(CLI::App& app) {
  auto opts = std::make_shared<bench::CompareCommandOptions>();
  auto sampling = std::make_shared<SamplingFlags>();
  bench::CompareOptions& c = opts->compare;
  auto* sub = app.add_subcommand(
      "compare", "Run the same workloads in every framework found and compare them");
  AddOutputFlags(sub, opts->output, {.json_help = "Print the JSON document instead of the tables"});
  AddReportFiles(sub, opts->html, opts->json_file);
  AddMachineFlags(
      sub, opts->machine,
      {.python = "Use this interpreter (repeatable; default: the environments doctor finds)",
       .timeout = "Deadline in seconds for each framework's process",
       .root = false});
  sub->add_option("--framework", c.frameworks, "Only these frameworks")
      ->delimiter(',')
      ->check(FrameworkName({"numpy"}));
  sub->add_option("--workload", c.workloads, "Only these workloads")
      ->delimiter(',')
      ->check(CLI::IsMember(
          {"empty", "matmul", "copy", "conv2d_fwd", "conv2d_bwd", "mlp_train", "rnn_dynamic"}));
  sub->add_option("--device", c.device,
                  "Where to run: auto (the GPU when there is one), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  sub->add_option("--sizes", c.sizes, "Matmul sizes (default 8192 on a GPU, 1024 on the CPU)")
      ->delimiter(',')
      ->check(CLI::Range(16, 65536));
  sub->add_option("--threads", c.threads,
                  "CPU threads for every framework (default: every hardware thread)")
      ->check(CLI::PositiveNumber);
  AddSamplingFlags(sub, *sampling);
  sub->add_flag("!--no-native", c.native_baseline, "Skip dlenv's own baseline");
  return {sub, [opts, sampling] {
            ResolveMachine(opts->machine);
            ApplySampling(*sampling, opts->compare.policy);
            bench::TerminalProgress progress(stderr, isatty(STDERR_FILENO));
            opts->compare.progress = [&](std::string_view what, double f) {
              progress.Update(what, f);
            };
            return Emit(bench::RunCompare(*opts));
          }};
}

}  // namespace dlenv::cli
