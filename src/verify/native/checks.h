#pragma once
// The native checks, one function each (a file each beside this header), listed in the table
// of verify/native_checks.cc. Each runs in the child on the session's driver, on one GPU
// (`gpus` holds one ordinal) or, for NCCL, on every selected GPU, and fills `r`: a verdict,
// a one-line summary, evidence and findings. `r.check` and `r.gpus` are already set.

#include <vector>

#include "verify/check.h"
#include "verify/native/session.h"

namespace dlenv::verify::native {

using CheckFn = void (*)(Session& session, const std::vector<int>& gpus, CheckResult& r);

/// The primary context: name, compute capability, bus id, free memory, NVML's match.
void CheckContext(Session& session, const std::vector<int>& gpus, CheckResult& r);
/// An allocation NVML sees grow, pattern-tested by kernels over the whole buffer.
void CheckMemory(Session& session, const std::vector<int>& gpus, CheckResult& r);
/// The embedded PTX JIT-compiles and a saxpy kernel computes exactly.
void CheckKernel(Session& session, const std::vector<int>& gpus, CheckResult& r);
/// cuBLAS GEMM in each precision the GPU has, against a CPU reference, three times alike.
void CheckCublas(Session& session, const std::vector<int>& gpus, CheckResult& r);
/// A cuDNN convolution forward against a CPU reference.
void CheckCudnn(Session& session, const std::vector<int>& gpus, CheckResult& r);
/// An NCCL all-reduce across every selected GPU, exact.
void CheckNccl(Session& session, const std::vector<int>& gpus, CheckResult& r);
/// Pageable and pinned round trips between host and device, byte for byte.
void CheckTransfers(Session& session, const std::vector<int>& gpus, CheckResult& r);
/// Between each ordered pair of GPUs: peer access as the driver allows it, and a timed copy
/// of 64 MiB read back and compared, with the bandwidth of each pair.
void CheckPeer(Session& session, const std::vector<int>& gpus, CheckResult& r);

}  // namespace dlenv::verify::native
