#pragma once
// The native checks: no framework and no toolkit, only the CUDA driver API, NVML and the
// dlopened cuBLAS, cuDNN and NCCL. They run in one child process (one CUDA context per GPU
// for the whole flow, which keeps `dlenv verify` fast); each check has its own deadline
// (SIGALRM in the child) and the parent's deadline backs it up. When the child hangs or
// dies in a check, that check becomes a verdict and a fresh child goes on with the next.
// Each check is a file in verify/native/, listed in the table in native_checks.cc; the
// session they share (driver, contexts, module) is verify/native/session.h.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/environment.h"
#include "verify/check.h"

namespace dlenv::verify {

/// cuda.h values the kernel check passes to cuModuleLoadDataEx and reads back; the
/// driver-API table (gpu/cuda_driver.h) declares the call, these its options.
namespace jit {
inline constexpr int kInfoLogBuffer = 3;                 // CU_JIT_INFO_LOG_BUFFER
inline constexpr int kInfoLogBufferSizeBytes = 4;        // CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES
inline constexpr int kErrorLogBuffer = 5;                // CU_JIT_ERROR_LOG_BUFFER
inline constexpr int kErrorLogBufferSizeBytes = 6;       // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
inline constexpr int kErrorUnsupportedPtxVersion = 222;  // CUDA_ERROR_UNSUPPORTED_PTX_VERSION
}  // namespace jit

/// One check on some GPUs (CUDA ordinals); NCCL's item holds every selected GPU.
struct NativeItem {
  std::string check;  // context, memory, kernel, cublas, cudnn, nccl, transfers
  std::vector<int> gpus;
};

struct NativePlan {
  std::vector<NativeItem> items;
  double memory_fraction = 0.05;
  std::chrono::milliseconds item_deadline{30000};
  util::Environment env;  // DLENV_CUDA_LIBRARY, DLENV_NVML_LIBRARY overrides
  std::vector<std::string> cublas_candidates, cudnn_candidates, nccl_candidates;
  std::optional<int> driver_cuda_version;
};

/// The items for these GPUs, in the order the checks run: context, memory, kernel, cuBLAS,
/// cuDNN (each per GPU), NCCL (across them), transfers (per GPU).
std::vector<NativeItem> PlanNativeItems(const std::vector<int>& gpus);

/// Runs the plan (children as described above) and returns one result per item.
std::vector<CheckResult> RunNativeChecks(const NativePlan& plan);

/// The child's side: runs items [first, end) printing a start line and a result line for
/// each; `skip_gpus` lists GPUs whose context already failed. Exposed for tests.
int RunNativeItems(const NativePlan& plan, std::size_t first, const std::vector<int>& skip_gpus);

/// Reads the child's lines: the results it finished and the item it was in when it stopped.
struct NativeChildOutput {
  std::vector<std::pair<std::size_t, CheckResult>> results;
  std::optional<std::size_t> last_started;
};
NativeChildOutput ParseNativeChildOutput(std::string_view out);

}  // namespace dlenv::verify
