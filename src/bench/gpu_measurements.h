#pragma once
// The GPU measurements of `dlenv bench`, one function each in a file of its own,
// listed in the table of bench/gpu_bench.cc. Each adds its measurements (or warnings and
// notes saying why not) to the runner's document.

#include <string_view>

#include "bench/gpu_runner.h"

namespace dlenv::bench {

/// GEMM through cuBLAS and cuBLASLt in each precision the GPU has, checked (gpu_gemm.cc).
void MeasureGemms(GpuRunner& runner);
/// Device memory bandwidth through cuMemcpyDtoD (gpu_copy.cc).
void MeasureDeviceCopy(GpuRunner& runner);
/// Kernel launch latency and a streaming copy kernel's bandwidth (gpu_kernels.cc).
void MeasureKernels(GpuRunner& runner);
/// Host-device transfers, pageable and pinned, both ways (gpu_transfers.cc).
void MeasureTransfers(GpuRunner& runner);

/// The PTX the kernel measurements load (an empty kernel and a streaming copy).
std::string_view BenchKernelsPtx();

}  // namespace dlenv::bench
