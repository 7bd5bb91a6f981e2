#pragma once
// `dlenv compare` as a library call: the same workloads in every framework found, one child
// process per interpreter and framework, each timing itself with its own synchronisation and
// checking its answer against NumPy; then each run against the fastest of its kind and
// against dlenv's native baseline.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/result.h"
#include "model/python.h"
#include "probe/context.h"
#include "util/environment.h"

namespace dlenv::bench {

struct CompareOptions {
  /// Interpreters to use; empty takes the discovered environments' (`envs`), else python3.
  std::vector<std::string> pythons;
  std::vector<model::PythonEnv> envs;
  std::vector<std::string> frameworks;  // empty: all of torch, tensorflow, jax, cupy, numpy
  std::vector<std::string> workloads;   // empty: all
  /// "cpu", "cuda", or "auto" (cuda when `gpu_present`).
  std::string device = "auto";
  bool gpu_present = false;
  std::vector<int> sizes;  // matmul sizes; empty: 8192 on a GPU, 1024 on the CPU
  int threads = 0;         // 0: every hardware thread, the same for every framework
  SamplingPolicy policy;
  double process_deadline_seconds = 600;
  bool native_baseline = true;
  util::Environment env = util::Environment::FromProcess();
  std::string host;
  /// The first GPU's name (for the datasheet peaks) and what dlenv's own GPU GEMMs and copy
  /// need, from DiscoverForCompare; a GPU run's native baseline comes from them.
  std::string gpu_name;
  std::optional<BenchOptions> gpu_native;
  ProgressSink progress;
};

inline constexpr int kDefaultCpuMatmulSize = 1024;
inline constexpr int kDefaultGpuMatmulSize = 8192;

/// The workload list sent to every framework for this device (sizes chosen per device).
nlohmann::json DefaultWorkloads(bool cuda, const std::vector<int>& sizes,
                                const std::vector<std::string>& only);

/// Reads one framework process's JSON document into runs; a document with "error" or
/// without runs gives `process.error`.
void ParseFrameworkOutput(const std::string& stdout_text, const std::string& python,
                          FrameworkProcess& process, std::vector<FrameworkRun>& runs);

/// Fills each run's summary, throughput, shares, and the verdicts against the fastest run
/// of the same workload variant.
void Evaluate(CompareReport& report);

/// Fills what compare needs from doctor's probes: the Python environments, whether a GPU
/// answers, the host's description.
void DiscoverForCompare(const probe::ProbeContext& ctx, CompareOptions& options);

CompareReport MeasureCompare(const CompareOptions& options);

}  // namespace dlenv::bench
