#pragma once
// The environment that points a dlenv child at the fake driver (tests/fake_driver): the
// process's own variables, the scenario file, and every library override aimed at the fake
// libcuda/libnvidia-ml and the fake cuBLAS, cuBLASLt, cuDNN and NCCL. CUDA_VISIBLE_DEVICES is
// dropped so the scenario alone decides which GPUs CUDA sees.

#include <filesystem>
#include <map>
#include <string>

namespace dlenv::testing {

std::map<std::string, std::string> FakeDriverEnv(const std::filesystem::path& scenario_file);

}  // namespace dlenv::testing
