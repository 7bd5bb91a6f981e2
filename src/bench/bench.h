#pragma once
// `dlenv bench` as a library call: measure this machine's ceilings (CPU BLAS and memory; the
// GPU's GEMM, memory, transfers and launch latency where there is one) and check each answer.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/result.h"
#include "bench/sampler.h"
#include "model/snapshot.h"
#include "util/environment.h"

namespace dlenv::bench {

/// Called with what is being measured and the fraction of it done; the CLI draws it.
using ProgressSink = std::function<void(std::string_view what, double fraction)>;

struct BenchOptions {
  bool cpu = true;
  bool gpu = true;
  /// GEMM sizes (square); empty takes the defaults (2048 on the CPU, 8192 on a GPU).
  std::vector<int> sizes;
  /// CPU threads for the BLAS and the triad; 0 leaves the BLAS's own choice and uses every core.
  int threads = 0;
  SamplingPolicy policy;
  /// Triad elements per array; 0 for DefaultTriadElements().
  std::size_t triad_elements = 0;
  ProgressSink progress;
  /// What the host probe found (CPU model); only described, never measured.
  model::HostInfo host;
  // Filled by DiscoverForBench (gpu_bench.h) from doctor's probes.
  bool gpu_present = false;
  std::vector<std::string> cublas_candidates;
  std::vector<std::string> cublaslt_candidates;
  std::optional<int> driver_cuda_version;
  util::Environment env = util::Environment::FromProcess();
  double gpu_deadline_seconds = 300;
  /// Which GPU measurements run: compare's baseline takes only the GEMMs and the copy.
  struct GpuParts {
    std::vector<std::string> gemm_dtypes;  // fp32, tf32, fp16, bf16, fp8; empty: all this GPU has
    bool gemm = true, copy = true, stream = true, latency = true, transfers = true;
  } gpu_parts;
};

inline constexpr int kDefaultCpuGemmSize = 2048;
inline constexpr int kDefaultGpuGemmSize = 8192;

BenchReport MeasureBench(const BenchOptions& options);

/// "2026-11-27T10:30:00Z"
std::string UtcNow();
/// "AMD EPYC (2 hardware threads)", from the host probe's facts.
std::string DescribeHost(const model::HostInfo& host);

}  // namespace dlenv::bench
