#include "testing/fake_driver_env.h"

#include "util/environment.h"

namespace dlenv::testing {

std::map<std::string, std::string> FakeDriverEnv(const std::filesystem::path& scenario_file) {
  auto env = util::Environment::FromProcess().vars();
  env["DLENV_FAKE_DRIVER_CONFIG"] = scenario_file.string();
  for (const char* var : {"DLENV_NVML_LIBRARY", "DLENV_CUDA_LIBRARY"}) env[var] = DLENV_FAKE_DRIVER;
  for (const char* var : {"DLENV_CUBLAS_LIBRARY", "DLENV_CUBLASLT_LIBRARY", "DLENV_CUDNN_LIBRARY",
                          "DLENV_NCCL_LIBRARY"}) {
    env[var] = DLENV_FAKE_LIBRARIES;
  }
  env.erase("CUDA_VISIBLE_DEVICES");
  return env;
}

}  // namespace dlenv::testing
