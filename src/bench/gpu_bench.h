#pragma once
// The GPU half of `dlenv bench`: GEMM through cuBLAS in each precision the GPU has, device
// memory bandwidth, host-device transfers and launch latency, each beside the datasheet peak.

#include "bench/bench.h"
#include "bench/result.h"

namespace dlenv::bench {

/// Adds the GPU measurements (or a note saying why there are none) to `report`.
void RunGpuBench(const BenchOptions& options, BenchReport& report);

}  // namespace dlenv::bench
