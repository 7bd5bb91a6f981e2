#include "verify/findings.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace dlenv::verify {
namespace {

using model::Finding;
using model::Severity;

std::string GpuText(const std::vector<int>& gpus) {
  if (gpus.empty()) return "";
  std::vector<std::string> s;
  for (int g : gpus) s.push_back(std::to_string(g));
  return (gpus.size() == 1 ? " on GPU " : " on GPUs ") + util::Join(s, ",");
}

std::string GpuFlag(const std::vector<int>& gpus) {
  std::vector<std::string> s;
  for (int g : gpus) s.push_back(std::to_string(g));
  return gpus.empty() ? "" : " --gpu " + util::Join(s, ",");
}

// The upgrade command differs by distribution; this is the one a user most often needs,
// with the generic page for the rest.
constexpr const char* kDriverUpgrade =
    "Install a newer NVIDIA driver and reboot: `sudo ubuntu-drivers install` (Ubuntu) or "
    "`sudo apt install nvidia-driver` (Debian), or https://www.nvidia.com/Download/index.aspx";

}  // namespace

Finding CheckFailedFinding(const std::string& check, const std::vector<int>& gpus,
                           const std::string& why) {
  return {
      "verify.check_failed", Severity::kError,
      fmt::format("The {} check failed{}", check, GpuText(gpus)), why,
      fmt::format("Run `dlenv doctor` for the driver and GPU state, then `dlenv verify{}` again",
                  GpuFlag(gpus))};
}

Finding CheckHungFinding(const std::string& check, const std::vector<int>& gpus,
                         std::chrono::milliseconds deadline) {
  return {
      "verify.check_hung", Severity::kError,
      fmt::format("The {} check hung{}", check, GpuText(gpus)),
      fmt::format("no answer within {:.0f} s; the process was killed", deadline.count() / 1000.0),
      "Check `nvidia-smi` for a stuck process and `sudo dmesg | grep -i -E 'NVRM|Xid'` for driver "
      "errors; "
      "a GPU that hangs repeatedly needs a reset (`sudo nvidia-smi -r -i <gpu>`) or a reboot"};
}

Finding CheckCrashedFinding(const std::string& check, const std::vector<int>& gpus,
                            const std::string& how) {
  return {"verify.check_crashed", Severity::kError,
          fmt::format("The {} check crashed{}", check, GpuText(gpus)), how,
          "Check `sudo dmesg | grep -i -E 'NVRM|Xid'` for driver errors and run `dlenv doctor`; "
          "a crash inside libcuda or a math library often means mismatched driver and library "
          "versions"};
}

Finding WrongResultsFinding(const std::string& check, int gpu, const std::string& what) {
  return {
      "gpu.wrong_results", Severity::kError,
      fmt::format("GPU {} computed wrong results ({})", gpu, check), what,
      fmt::format(
          "Check the GPU's health: `nvidia-smi -q -d ECC,PAGE_RETIREMENT,ROW_REMAPPER -i {}` and, "
          "with DCGM, `dcgmi diag -r 3`; if errors persist, drain the machine and contact the "
          "vendor",
          gpu)};
}

Finding NondeterministicFinding(int gpu, const std::string& what) {
  return {"gpu.nondeterministic_results", Severity::kError,
          fmt::format("GPU {} gave different results for the same GEMM", gpu), what,
          fmt::format("A healthy GPU repeats a GEMM bit for bit. Check `nvidia-smi -q -d "
                      "ECC,TEMPERATURE,CLOCK -i {}` "
                      "and run a longer stress test (gpu-burn, `dcgmi diag -r 3`); replace the GPU "
                      "if it persists",
                      gpu)};
}

Finding PtxTooNewFinding(const std::string& ptx_isa, int needs_cuda, int driver_cuda,
                         const std::string& jit_log) {
  std::string evidence = fmt::format(
      "cuModuleLoadDataEx: CUDA_ERROR_UNSUPPORTED_PTX_VERSION (222) for PTX ISA {} (needs a CUDA "
      "{}.{} driver); "
      "the driver supports CUDA {}.{}",
      ptx_isa, needs_cuda / 1000, needs_cuda % 1000 / 10, driver_cuda / 1000,
      driver_cuda % 1000 / 10);
  if (!jit_log.empty()) evidence += "; JIT log: " + jit_log;
  return {"driver.too_old", Severity::kError, "The driver is too old to compile this PTX", evidence,
          kDriverUpgrade};
}

Finding LibraryNeedsNewerDriverFinding(const std::string& path, int library_cuda_major,
                                       int driver_cuda) {
  return {"driver.too_old", Severity::kError,
          fmt::format("The driver is too old for CUDA {} libraries", library_cuda_major),
          fmt::format("{} is a CUDA {} library; the driver supports CUDA {}.{}", path,
                      library_cuda_major, driver_cuda / 1000, driver_cuda % 1000 / 10),
          kDriverUpgrade};
}

Finding FakeAccelerationFinding(std::string_view framework, const std::string& python,
                                const std::string& what) {
  return {
      "framework.fake_acceleration", Severity::kError,
      fmt::format("{} reports a GPU but the work did not run on it", framework),
      fmt::format("{} ({})", what, python),
      fmt::format(
          "Run `dlenv doctor --python {}` for the framework's CUDA libraries and build; check that "
          "tensors are moved to the device (`.to(\"cuda\")`) and that cuDNN loads",
          python)};
}

}  // namespace dlenv::verify
