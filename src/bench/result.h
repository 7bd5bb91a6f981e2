#pragma once
// The plain data of `dlenv bench` and `dlenv compare`: what was measured, how often, and how
// it compares with a peak. Measuring code fills it, reporters render it.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/stats.h"

namespace dlenv::bench {

/// Whether the answer was checked against a reference, and how it fared. A measurement whose
/// check failed is reported as a failure, whatever its speed.
struct Check {
  bool done = false;
  bool passed = false;
  std::string detail;  // "64 entries within 1.2e-05 (tolerance from K and epsilon)"
};

struct Measurement {
  std::string
      group;  // "cpu.gemm", "cpu.memory", "gpu.gemm", "gpu.memory", "gpu.transfer", "gpu.latency"
  std::string name;                           // "sgemm 2048", "triad"
  std::map<std::string, std::string> params;  // dtype, m, n, k, bytes, threads, library
  std::vector<double> seconds;                // one entry per timed run, warm-up excluded
  Summary time;
  /// Work done by one run, in `unit`'s numerator: FLOP for GFLOP/s, bytes for GB/s.
  double work = 0;
  std::string unit;  // "GFLOP/s", "GB/s", "us"
  /// Throughput at the median time (work / median / 1e9), or the median time in microseconds
  /// for latencies.
  double value = 0;
  std::optional<double> peak;  // same unit as value
  std::optional<std::string> peak_source;
  Check check;
  std::optional<std::string> error;  // the measurement could not be taken; value is meaningless
};

/// GPU state read through NVML before and after the GPU measurements.
struct GpuState {
  std::optional<unsigned> sm_clock_mhz;
  std::optional<unsigned> sm_clock_max_mhz;
  std::optional<unsigned> mem_clock_mhz;
  std::optional<unsigned> temperature_c;
  std::optional<double> power_w;
  std::optional<unsigned long long> throttle_reasons;
};

struct BenchReport {
  std::string dlenv_version;
  std::string date;  // UTC, ISO 8601
  std::string host;  // CPU model and core count
  std::optional<std::string> gpu;
  std::optional<std::string> blas;  // the BLAS library that loaded, with its own config string
  std::vector<Measurement> measurements;
  std::optional<GpuState> gpu_before;
  std::optional<GpuState> gpu_after;
  std::vector<std::string> warnings;  // throttling, missing libraries, failed checks
  std::vector<std::string> notes;     // "CPU sizes are smaller than the GPU defaults"
};

/// One framework's result for one workload in one mode.
struct FrameworkRun {
  std::string workload;   // matmul, conv2d, mlp_train, rnn_dynamic, empty
  std::string variant;    // "8192 float32", "n=4 56x56 64->64"
  std::string framework;  // torch, tensorflow, jax, cupy, numpy
  std::string framework_version;
  std::string mode;    // eager, compiled (torch.compile, tf.function, jax.jit)
  std::string device;  // cpu, cuda:0
  std::string python;  // interpreter path
  std::vector<double> seconds;
  Summary time;
  double work = 0;
  std::string unit;                       // GFLOP/s, steps/s
  double value = 0;                       // throughput at the median
  std::optional<double> share_of_native;  // value / dlenv's native baseline
  std::optional<double> share_of_peak;
  Check check;
  std::optional<std::string> skipped;  // why this mode did not run (no autograd in NumPy, ...)
  std::optional<std::string> error;
};

/// Each run's standing against the fastest run of the same workload variant.
struct RunVerdict {
  std::size_t run = 0;      // index into CompareReport::runs
  std::size_t fastest = 0;  // index of the fastest run of that variant
  Comparison comparison;    // a = fastest, b = this run
};

/// A framework process: one per interpreter and framework.
struct FrameworkProcess {
  std::string framework;
  std::string python;
  double wall_seconds = 0;             // spawn, import and every workload
  double import_seconds = 0;           // as the script measured it
  std::optional<std::string> error;    // the process failed or its output was not JSON
  std::optional<std::string> skipped;  // the framework cannot run here at all (CuPy on a CPU)
};

struct CompareReport {
  std::string dlenv_version;
  std::string date;
  std::string host;
  std::string device;  // "cpu" or the GPU's name
  std::vector<FrameworkRun> runs;
  std::vector<RunVerdict> verdicts;
  std::vector<FrameworkProcess> processes;
  /// dlenv's native throughput per variant ("8192 float32" -> GFLOP/s, "1024 MiB" -> GB/s of
  /// the copy), the baseline shares use.
  std::map<std::string, double> native;
  /// The GPU's datasheet peak per variant, same units, with where it comes from.
  std::map<std::string, double> peaks;
  std::optional<std::string> peak_source;
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
};

}  // namespace dlenv::bench
