#include "bench/gpu_bench.h"

namespace dlenv::bench {

void RunGpuBench(const BenchOptions&, BenchReport& report) {
  // Replaced once the native GPU layer (src/gpu) lands.
  report.notes.push_back("GPU measurements are not in this build yet.");
}

}  // namespace dlenv::bench
