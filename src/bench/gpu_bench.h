#pragma once
// The GPU half of `dlenv bench`: GEMM through cuBLAS in each precision the GPU has, device
// memory bandwidth (cuMemcpyDtoD and a streaming kernel), host-device transfers (pageable and
// pinned) and kernel launch latency, each beside the datasheet peak; NVML clocks, temperature
// and power before and after. Everything runs in one child process with a deadline. Each
// measurement is a file bench/gpu_<name>.cc, listed in the table in gpu_bench.cc; the runner
// they share (context, timing events, peaks) is bench/gpu_runner.h.

#include <string>
#include <string_view>

#include "bench/bench.h"
#include "bench/result.h"
#include "probe/context.h"

namespace dlenv::bench {

/// Fills what the GPU bench needs from doctor's probes: whether a GPU answers, where
/// libcublas is, the driver's CUDA version, the host's description.
void DiscoverForBench(const probe::ProbeContext& ctx, BenchOptions& options);
/// The same from a snapshot already taken (host, driver, toolkits, libraries and Python
/// environments probed), so that compare does not probe twice.
void BenchOptionsFromSnapshot(const probe::ProbeContext& ctx, const model::Snapshot& snapshot,
                              BenchOptions& options);

/// Adds the GPU measurements (or a note saying why there are none) to `report`.
void RunGpuBench(const BenchOptions& options, BenchReport& report);

/// Reads the child's JSON into the report and warns when the GPU throttled. Exposed for tests.
void ApplyGpuOutput(const std::string& child_stdout, BenchReport& report);

/// The embedded PTX (an empty kernel and a streaming copy), for the ptxas test.
std::string_view GpuBenchPtx();

}  // namespace dlenv::bench
