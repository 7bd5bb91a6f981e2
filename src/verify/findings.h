#pragma once
// The findings `dlenv verify` raises. Ids shared with doctor (driver.too_old,
// framework.cuda_libs_missing, ...) mean the same thing in both; the verify-only ones are
// documented in docs/findings/verify.md.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/finding.h"

namespace dlenv::verify {

model::Finding CheckFailedFinding(const std::string& check, const std::vector<int>& gpus,
                                  const std::string& why);
model::Finding CheckHungFinding(const std::string& check, const std::vector<int>& gpus,
                                std::chrono::milliseconds deadline);
model::Finding CheckCrashedFinding(const std::string& check, const std::vector<int>& gpus,
                                   const std::string& how);
/// The GPU computed, but wrongly: memory patterns, a kernel, a GEMM, a copy.
model::Finding WrongResultsFinding(const std::string& check, int gpu, const std::string& what);
/// The same GEMM on the same inputs gave different bits on another run.
model::Finding NondeterministicFinding(int gpu, const std::string& what);
/// driver.too_old from a JIT refused with CUDA_ERROR_UNSUPPORTED_PTX_VERSION.
model::Finding PtxTooNewFinding(const std::string& ptx_isa, int needs_cuda, int driver_cuda,
                                const std::string& jit_log);
/// driver.too_old from a library whose CUDA major is newer than the driver's.
model::Finding LibraryNeedsNewerDriverFinding(const std::string& path, int library_cuda_major,
                                              int driver_cuda);

/// framework.fake_acceleration: the framework claims a GPU but the work did not use it.
model::Finding FakeAccelerationFinding(std::string_view framework, const std::string& python,
                                       const std::string& what);

}  // namespace dlenv::verify
