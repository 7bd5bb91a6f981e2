#pragma once
// What every native check shares inside the child (native_checks.h): libcuda and NVML loaded
// once, each GPU's primary context retained once and made current for the check that uses
// it, the embedded PTX JIT-compiled once per context, and the verdict helpers.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "gpu/cuda_driver.h"
#include "gpu/cuda_owners.h"
#include "gpu/nvml.h"
#include "verify/check.h"
#include "verify/native_checks.h"

namespace dlenv::verify::native {

namespace cuda = gpu::cuda;
namespace nvml = gpu::nvml;
using Clock = std::chrono::steady_clock;

inline constexpr std::size_t kMiB = 1u << 20;

double Since(Clock::time_point start);
/// "1.50 GiB", "64.0 MiB".
std::string Bytes(double b);

/// Optional table entries: a driver too old to export one reads as an error, not a crash.
template <typename Fn, typename... Args>
cuda::Result Call(Fn fn, Args... args) {
  return fn ? fn(args...) : cuda::kMissingEntryPoint;
}

/// Marks `r` failed with `why` and its verify.check_failed finding.
void Fail(CheckResult& r, const std::string& why);

/// One GPU as the session sees it. The primary context and the module stay for the child's
/// life (its exit releases them), so that each check does not pay for them again.
struct GpuState {
  bool tried = false;
  std::string error;  // why no context, when it failed
  cuda::Device device = 0;
  cuda::Context context = nullptr;
  std::string name;
  int cc_major = 0, cc_minor = 0;
  std::string bus_id;
  std::optional<nvml::Device> nvml_device;
  bool module_tried = false;
  cuda::Result module_status = cuda::kMissingEntryPoint;
  cuda::Module module = nullptr;
  std::string jit_info_log, jit_error_log;
  double jit_seconds = 0;
};

// One child's connection to the driver: libcuda and NVML loaded once, a context per GPU.
class Session {
 public:
  explicit Session(const NativePlan& plan) : plan_(plan) {}
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const NativePlan& plan() const { return plan_; }
  const cuda::Api& api() const { return cuda_.api; }
  const cuda::Library& cuda_library() const { return cuda_; }

  /// Loads libcuda and NVML on the first call and runs cuInit; false (and `r` failed) when
  /// the driver is not usable.
  bool LoadDriver(CheckResult& r);

  /// The device's primary context, as the CUDA runtime (and so cuBLAS, cuDNN, NCCL and every
  /// framework) uses it; made current on this thread. Null (and `r` failed) when there is none.
  GpuState* Use(int gpu, CheckResult& r);
  /// Use() for each GPU, in order; empty as soon as one fails (r says which).
  std::vector<GpuState*> UseAll(const std::vector<int>& gpus, CheckResult& r);

  /// "CUDA_ERROR_OUT_OF_MEMORY (2)", or that the entry point is missing.
  std::string Name(cuda::Result rc) const;
  /// False on success; otherwise fails `r` with "<what> failed: <Name(rc)>".
  bool Failed(CheckResult& r, const std::string& what, cuda::Result rc) const;

  /// This process's memory on the GPU as NVML accounts it; nullopt where NVML cannot say
  /// (no NVML, an old driver, or a container whose PID namespace hides us from it).
  std::optional<unsigned long long> ProcessMemory(const GpuState& g) const;
  std::optional<unsigned long long> DeviceUsedMemory(const GpuState& g) const;

  /// The embedded PTX, JIT-compiled once per context with the driver's logs captured.
  bool LoadModule(GpuState& g);
  /// Launches `kernel` of the embedded PTX (256 threads a block) and waits for it.
  cuda::Result Launch(GpuState& g, const char* kernel, unsigned blocks, void** params);

 private:
  std::optional<nvml::Device> FindNvmlDevice(const std::string& bus_id) const;

  const NativePlan& plan_;
  bool cuda_tried_ = false;
  cuda::Library cuda_;
  cuda::Result init_status_ = cuda::kMissingEntryPoint;
  nvml::Library nvml_;
  bool nvml_ready_ = false;
  std::map<int, GpuState> gpus_;
};

}  // namespace dlenv::verify::native
