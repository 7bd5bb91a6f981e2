#include "bench/bench.h"

#include <fmt/format.h>

#include <ctime>
#include <thread>

#include "bench/cpu_bench.h"
#include "bench/cpu_blas.h"
#include "bench/gpu_bench.h"

namespace dlenv::bench {

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string DescribeHost(const model::HostInfo& host) {
  const std::string model = host.cpu_model.empty() ? "unknown CPU" : host.cpu_model;
  return fmt::format("{} ({} hardware threads)", model, std::thread::hardware_concurrency());
}

BenchReport MeasureBench(const BenchOptions& options) {
  BenchReport report;
  report.dlenv_version = DLENV_VERSION;
  report.date = UtcNow();
  report.host = DescribeHost(options.host);
  const auto step = [&](std::string what) -> Progress {
    if (!options.progress) return {};
    return [what = std::move(what), sink = options.progress](double f) { sink(what, f); };
  };

  if (options.gpu) RunGpuBench(options, report);

  if (options.cpu) {
    const std::vector<int> sizes =
        options.sizes.empty() ? std::vector<int>{kDefaultCpuGemmSize} : options.sizes;
    std::string error;
    if (auto blas = CpuBlas::Load(&error)) {
      if (options.threads > 0) blas->SetThreads(options.threads);
      report.blas = blas->Describe();
      for (int n : sizes) {
        report.measurements.push_back(RunCpuGemm(*blas, GemmType::kFp32, n, options.policy,
                                                 step(fmt::format("CPU SGEMM {}", n))));
        report.measurements.push_back(RunCpuGemm(*blas, GemmType::kFp64, n, options.policy,
                                                 step(fmt::format("CPU DGEMM {}", n))));
      }
    } else {
      report.warnings.push_back(fmt::format(
          "no CPU BLAS could be loaded ({}); install one: sudo apt-get install libopenblas0",
          error));
    }
    const int threads = options.threads > 0
                            ? options.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::size_t elements =
        options.triad_elements ? options.triad_elements : DefaultTriadElements();
    report.measurements.push_back(
        RunTriad(elements, threads, options.policy, step("CPU memory triad")));
    report.notes.push_back(
        "CPU figures have no datasheet peak in dlenv's tables; they are shown without one.");
  }

  for (const auto& m : report.measurements) {
    if (m.check.done && !m.check.passed) {
      report.warnings.push_back(fmt::format("{}: wrong result, so its speed is not reported: {}",
                                            m.name, m.check.detail));
    }
    if (m.error) report.warnings.push_back(fmt::format("{}: {}", m.name, *m.error));
  }
  return report;
}

}  // namespace dlenv::bench
