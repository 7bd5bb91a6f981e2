#include "install/install.h"

#include <gtest/gtest.h>

namespace dlenv::install {
namespace {

struct Case {
  const char* name;
  const char* driver;    // "" for no driver
  int driver_cuda;       // cuDriverGetVersion, 0 for none
  std::vector<std::pair<int, int>> gpus;
  const char* python;    // "" for unknown
  const char* framework;
  std::optional<std::string> cuda;
  Manager manager;
  bool ok;
  const char* command_contains;  // or the error's text when !ok
};

model::Snapshot Machine(const Case& c) {
  model::Snapshot s;
  if (*c.driver) s.driver.nvml_driver_version = c.driver;
  if (c.driver_cuda) s.driver.cuda_driver_version = c.driver_cuda;
  int i = 0;
  for (auto [major, minor] : c.gpus) {
    model::GpuInfo g;
    g.index = i++;
    g.name = major == 3 ? "Tesla K80" : major == 8 ? "NVIDIA A100" : major == 9 ? "NVIDIA H100" : "NVIDIA GPU";
    g.cc_major = major;
    g.cc_minor = minor;
    s.gpus.push_back(g);
  }
  model::PythonEnv env;
  env.prefix = "/venv";
  env.executable = "/venv/bin/python";
  if (*c.python) env.python_version = c.python;
  s.python_envs.push_back(env);
  return s;
}

class InstallTable : public ::testing::TestWithParam<Case> {};

TEST_P(InstallTable, GivesTheRightCommand) {
  const Case& c = GetParam();
  InstallRequest req;
  req.framework = c.framework;
  req.cuda = c.cuda;
  req.manager = c.manager;
  auto plan = PlanInstall(req, Machine(c), knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  EXPECT_EQ(plan.ok, c.ok) << plan.error;
  const std::string& text = c.ok ? plan.command : plan.error;
  EXPECT_NE(text.find(c.command_contains), std::string::npos) << "got: " << text;
  if (c.ok) {
    EXPECT_FALSE(plan.reasons.empty());
  }
}

const Case kCases[] = {
    // The issue's own examples.
    {"driver535_a100_py311", "535.104.05", 12020, {{8, 0}}, "3.11.7", "torch", {}, Manager::kPip, true,
     "/venv/bin/python -m pip install 'torch==2.5.*' --index-url https://download.pytorch.org/whl/cu121"},
    {"driver580_h100_py312", "580.65.06", 13000, {{9, 0}}, "3.12.3", "torch", {}, Manager::kPip, true,
     "'torch==2.13.*' --index-url https://download.pytorch.org/whl/cu130"},
    {"no_gpu_cpu_wheel", "", 0, {}, "3.12.3", "torch", {}, Manager::kPip, true,
     "'torch==2.13.*' --index-url https://download.pytorch.org/whl/cpu"},
    // Kepler K80 on its last driver branch (R470, CUDA 11.4): torch 1.12 cu113 still has sm_37
    // and supports Python 3.10; with Python 3.11 nothing does, so the CPU build with a reason.
    {"k80_py310_old_release", "470.82.01", 11040, {{3, 7}}, "3.10.12", "torch", {}, Manager::kPip, true,
     "'torch==1.12.*' --index-url https://download.pytorch.org/whl/cu113"},
    {"k80_py311_cpu", "470.82.01", 11040, {{3, 7}}, "3.11.2", "torch", {}, Manager::kPip, true,
     "--index-url https://download.pytorch.org/whl/cpu"},
    // Blackwell RTX 5090 (12.0) on driver 570 (CUDA 12.8): only cu128 builds from 2.7 on have sm_120.
    {"rtx5090_driver570", "570.124.06", 12080, {{12, 0}}, "3.12.1", "torch", {}, Manager::kPip, true,
     "'torch==2.11.*' --index-url https://download.pytorch.org/whl/cu128"},
    // Driver 550 (CUDA 12.4) + A100 + Python 3.13: 2.6 cu124 is the newest with cu <= 12.4 for 3.13.
    {"driver550_a100_py313", "550.54.15", 12040, {{8, 0}}, "3.13.0", "torch", {}, Manager::kPip, true,
     "'torch==2.6.*' --index-url https://download.pytorch.org/whl/cu124"},
    {"explicit_cuda_118", "550.54.15", 12040, {{8, 6}}, "3.11.2", "torch", std::string("11.8"), Manager::kPip, true,
     "'torch==2.7.*' --index-url https://download.pytorch.org/whl/cu118"},
    {"explicit_cuda_too_new", "535.104.05", 12020, {{8, 0}}, "3.11.2", "torch", std::string("12.8"), Manager::kPip, false,
     "no PyTorch build for CUDA 12.8"},
    {"uv_manager", "535.104.05", 12020, {{8, 0}}, "3.11.7", "torch", {}, Manager::kUv, true,
     "uv pip install --python /venv/bin/python 'torch==2.5.*' --index-url https://download.pytorch.org/whl/cu121"},
    {"conda_manager", "535.104.05", 12020, {{8, 0}}, "3.11.7", "torch", {}, Manager::kConda, true,
     "conda install -c conda-forge 'pytorch=2.5.*=cuda*' 'cuda-version<=12.2'"},
    {"python_too_new", "535.104.05", 12020, {{8, 0}}, "3.15.0", "torch", {}, Manager::kPip, false, "no PyTorch release"},
    // TensorFlow: driver 535 (12.2) -> 2.15 (CUDA 12.2) with [and-cuda]; 470 (11.4) -> 2.11 (11.2), no [and-cuda].
    {"tf_driver535_py311", "535.104.05", 12020, {{8, 0}}, "3.11.7", "tensorflow", {}, Manager::kPip, true,
     "'tensorflow[and-cuda]==2.15.*'"},
    {"tf_driver470_py310", "470.82.01", 11040, {{7, 0}}, "3.10.12", "tensorflow", {}, Manager::kPip, true,
     "'tensorflow==2.11.*'"},
    {"tf_no_gpu", "", 0, {}, "3.11.2", "tensorflow", {}, Manager::kPip, true, "'tensorflow-cpu==2.21.*'"},
    // JAX: CUDA 13 needs driver 580 and SM 7.5; a V100 (7.0) on 580 gets cuda12.
    {"jax_h100_580", "580.65.06", 13000, {{9, 0}}, "3.12.3", "jax", {}, Manager::kPip, true, "-U 'jax[cuda13]'"},
    {"jax_v100_580", "580.65.06", 13000, {{7, 0}}, "3.12.3", "jax", {}, Manager::kPip, true, "-U 'jax[cuda12]'"},
    {"jax_driver470_cpu", "470.82.01", 11040, {{8, 0}}, "3.12.3", "jax", {}, Manager::kPip, true, "install -U jax"},
    {"jax_old_python", "580.65.06", 13000, {{9, 0}}, "3.9.2", "jax", {}, Manager::kPip, false, "Python 3.11"},
    // CuPy.
    {"cupy_driver550", "550.54.15", 12040, {{8, 0}}, "3.11.2", "cupy", {}, Manager::kPip, true, "'cupy-cuda12x'"},
    {"cupy_driver470", "470.82.01", 11040, {{8, 0}}, "3.11.2", "cupy", {}, Manager::kPip, true, "'cupy-cuda11x<14'"},
    {"cupy_no_gpu", "", 0, {}, "3.11.2", "cupy", {}, Manager::kPip, false, "no NVIDIA GPU"},
};

INSTANTIATE_TEST_SUITE_P(Cases, InstallTable, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(InstallFacts, EveryTorchVariantHasAnArchitectureRowAndASource) {
  const auto& f = BuiltinFrameworkFacts();
  ASSERT_FALSE(f.torch.empty());
  for (const auto& r : f.torch) {
    EXPECT_FALSE(r.source.empty()) << r.version;
    for (const auto& v : r.variants) {
      EXPECT_FALSE(f.TorchArchesFor(r.version, v).empty()) << "torch " << r.version << " " << v;
    }
  }
  // Newest first, as the planner assumes.
  for (std::size_t i = 1; i < f.torch.size(); ++i) {
    EXPECT_GT(*util::DottedVersion::Parse(f.torch[i - 1].version), *util::DottedVersion::Parse(f.torch[i].version));
  }
  for (std::size_t i = 1; i < f.tensorflow.size(); ++i) {
    EXPECT_GT(*util::DottedVersion::Parse(f.tensorflow[i - 1].version), *util::DottedVersion::Parse(f.tensorflow[i].version));
  }
}

TEST(InstallFacts, MalformedDataIsAnError) {
  EXPECT_THROW(ParseFrameworkFacts("{}"), std::exception);
  EXPECT_THROW(ParseFrameworkFacts("not json"), std::exception);
}

}  // namespace
}  // namespace dlenv::install
