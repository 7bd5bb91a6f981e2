#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "install/install_plan.h"
#include "install/test_machines.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

struct Case {
  const char* name;
  const char* driver;  // "" for no driver
  int driver_cuda;     // cuDriverGetVersion, 0 for none
  std::vector<std::pair<int, int>> gpus;
  const char* python;  // "" for unknown
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
    g.name = major == 3    ? "Tesla K80"
             : major == 8  ? "NVIDIA A100"
             : major == 9  ? "NVIDIA H100"
             : major == 12 ? "NVIDIA GeForce RTX 5090"
                           : "NVIDIA GPU";
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

std::string Reasons(const InstallPlan& p) {
  std::string all;
  for (const auto& r : p.reasons) all += r + "\n";
  return all;
}

TEST(InstallTorch, MinorVersionCompatibilityIsExplained) {
  InstallRequest req;
  req.framework = "torch";
  Case c{"", "470.82.01", 11040, {{8, 0}}, "3.11.7", "torch", {}, Manager::kPip, true, ""};
  auto plan = PlanInstall(req, Machine(c), knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  ASSERT_TRUE(plan.ok);
  auto text = Reasons(plan);
  EXPECT_NE(text.find("minor-version compatibility (floor 450.80.02)"), std::string::npos) << text;
  EXPECT_NE(text.find("SASS"), std::string::npos) << text;
}

std::string Breaks(const InstallPlan& plan) { return util::Join(plan.breaks, "\n"); }

TEST(InstallTorch, SaysWhatTheNewTorchLeavesBrokenInTheEnvironment) {
  InstallRequest req;
  req.framework = "torch";
  Case c{"", "580.65.06", 13000, {{9, 0}}, "3.11.7", "torch", {}, Manager::kPip, true, ""};
  auto s = Machine(c);
  auto& env = s.python_envs[0];
  for (auto [name, version] : {std::pair{"torchvision", "0.18.1+cu121"}, {"requests", "2.32.3"}}) {
    model::PackageRecord p;
    p.name = p.normalized_name = name;
    p.version = version;
    env.packages.push_back(p);
  }
  model::CompiledExtension x;
  x.package = "flash_attn";
  x.package_version = "2.6.3";
  x.path = "/venv/lib/python3.11/site-packages/flash_attn_2_cuda.cpython-311-x86_64-linux-gnu.so";
  x.framework = "torch";
  x.framework_version = "2.3.1+cu121";
  env.extensions.push_back(x);
  auto plan = PlanInstall(req, s, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  ASSERT_TRUE(plan.ok) << plan.error;
  ASSERT_FALSE(plan.version.empty());
  const std::string release = plan.version.substr(0, plan.version.find('+'));
  const std::string text = Breaks(plan);
  EXPECT_NE(text.find("torchvision 0.18.1+cu121 stays: torchvision 0."), std::string::npos) << text;
  EXPECT_NE(text.find("pairs with torch " + release), std::string::npos) << text;
  EXPECT_NE(text.find("(add --with torchvision)"), std::string::npos) << text;
  EXPECT_NE(text.find("flash_attn 2.6.3 is compiled against torch's C++ libraries"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/venv/bin/python -m pip install --no-build-isolation --force-reinstall "
                      "--no-binary 'flash_attn' 'flash_attn'"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("requests"), std::string::npos) << text;
  EXPECT_EQ(plan.breaks.size(), 2u) << text;

  // Asked --with torchvision: pip gets the matching one, so only the extension is left.
  req.with = {"torchvision"};
  plan = PlanInstall(req, s, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  ASSERT_TRUE(plan.ok) << plan.error;
  EXPECT_EQ(Breaks(plan).find("torchvision"), std::string::npos) << Breaks(plan);

  // An extension built for the release the command installs is fine.
  req.with.clear();
  env.packages.erase(env.packages.begin());
  env.extensions[0].framework_version = plan.version;
  plan = PlanInstall(req, s, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  EXPECT_TRUE(plan.breaks.empty()) << Breaks(plan);
}

// The real wheels of scripts/make-companion-envs.sh: the newest torch beside a torchvision built
// for an older one; `dlenv install torch` (offline, no GPU: the CPU build) says it stays.
TEST(InstallTorch, RealTorchvisionForAnOlderTorchIsNamedBeforeTheInstall) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  const std::string venv =
      std::string(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") + "/companions-pinned-older";
  if (!std::filesystem::exists(venv + "/.dlenv-recipe")) {
    DLENV_SKIP_OR_FAIL(venv << " missing: run scripts/make-test-envs.sh");
  }
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  auto r = util::RunCommand(
      {DLENV_BINARY, "install", "torch", "--python", venv + "/bin/python", "--offline"}, opts);
  ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe() << r.err;
  const std::string head = "What it leaves broken here:\n  - ";
  const auto at = r.out.find(head);
  ASSERT_NE(at, std::string::npos) << r.out << r.err;
  const auto from = at + head.size();
  const std::string line = r.out.substr(from, r.out.find('\n', from) - from);
  EXPECT_TRUE(line.starts_with("torchvision 0.")) << line;
  EXPECT_NE(line.find("pairs with torch"), std::string::npos) << line;
}

TEST(InstallTorch, Rtx5090NeverGetsCu126AndSaysWhy) {
  InstallRequest req;
  req.framework = "torch";
  Case c{"", "570.124.06", 12080, {{12, 0}}, "3.12.1", "torch", {}, Manager::kPip, true, ""};
  auto plan = PlanInstall(req, Machine(c), knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  ASSERT_TRUE(plan.ok);
  EXPECT_EQ(plan.command.find("cu126"), std::string::npos) << plan.command;
  EXPECT_NE(Reasons(plan).find("cu126 has code for"), std::string::npos) << Reasons(plan);
  EXPECT_NE(Reasons(plan).find("needs driver >= 580"), std::string::npos) << Reasons(plan);
}

TEST(InstallTorch, K80WithPython314GetsTheCpuBuildWithTheReason) {
  InstallRequest req;
  req.framework = "torch";
  Case c{"", "470.82.01", 11040, {{3, 7}}, "3.14.0", "torch", {}, Manager::kPip, true, ""};
  auto plan = PlanInstall(req, Machine(c), knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  ASSERT_TRUE(plan.ok);
  EXPECT_NE(Reasons(plan).find("no PyTorch CUDA build fits"), std::string::npos) << Reasons(plan);
  EXPECT_NE(Reasons(plan).find("is torch 2.6 cu118 (Python 3.9 to 3.13"), std::string::npos)
      << Reasons(plan);
}

TEST(InstallTorch, UserIndexIsKeptInTheCommand) {
  InstallRequest req;
  req.framework = "torch";
  Case c{"", "", 0, {}, "3.12.3", "torch", {}, Manager::kPip, true, ""};
  UserIndex user{"https://mirror.example/simple", {"https://extra.example/simple"}, "pip.conf"};
  auto plan = PlanInstall(req, Machine(c), knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(),
                          nullptr, user);
  ASSERT_TRUE(plan.ok);
  EXPECT_NE(plan.command.find("--index-url https://download.pytorch.org/whl/cpu --extra-index-url "
                              "https://mirror.example/simple "
                              "--extra-index-url https://extra.example/simple"),
            std::string::npos)
      << plan.command;
  req.framework = "jax";
  plan = PlanInstall(req, Machine(c), knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(),
                     nullptr, user);
  EXPECT_NE(plan.command.find("-U jax --index-url https://mirror.example/simple"),
            std::string::npos)
      << plan.command;
}

// clang-format off
const Case kCases[] = {
    // The scenario table, offline (the embedded table). NVIDIA minor-version
    // compatibility: CUDA 11.x runs on >= 450.80.02, 12.x on >= 525.60.13, 13.x on >= 580.
    // Driver 470 (CUDA 11.4) + A100: cu118 by minor-version compatibility; 2.7 is its newest release.
    {"driver470_a100_py311", "470.82.01", 11040, {{8, 0}}, "3.11.7", "torch", {}, Manager::kPip, true,
     "/venv/bin/python -m pip install 'torch==2.7.*' --index-url https://download.pytorch.org/whl/cu118"},
    // Driver 535 (CUDA 12.2) + A100: the newest release's CUDA 12 build (cu126 runs on >= 525.60.13).
    {"driver535_a100_py311", "535.104.05", 12020, {{8, 0}}, "3.11.7", "torch", {}, Manager::kPip, true,
     "/venv/bin/python -m pip install 'torch==2.15.*' --index-url https://download.pytorch.org/whl/cu126"},
    // Driver 580 (CUDA 13.0): cu130 is within the driver's own CUDA, preferred over cu132.
    {"driver580_h100_py312", "580.65.06", 13000, {{9, 0}}, "3.12.3", "torch", {}, Manager::kPip, true,
     "'torch==2.15.*' --index-url https://download.pytorch.org/whl/cu130"},
    {"no_gpu_cpu_wheel", "", 0, {}, "3.12.3", "torch", {}, Manager::kPip, true,
     "'torch==2.15.*' --index-url https://download.pytorch.org/whl/cpu"},
    // Kepler K80 (sm_37) on its last driver branch (R470): cu118 up to 2.6 still carries sm_37 SASS.
    {"k80_py311_newest_with_sm37", "470.82.01", 11040, {{3, 7}}, "3.11.2", "torch", {}, Manager::kPip, true,
     "'torch==2.6.*' --index-url https://download.pytorch.org/whl/cu118"},
    // ... and with Python 3.14 no release with sm_37 exists: the CPU build, with the reason.
    {"k80_py314_cpu", "470.82.01", 11040, {{3, 7}}, "3.14.0", "torch", {}, Manager::kPip, true,
     "--index-url https://download.pytorch.org/whl/cpu"},
    // Blackwell RTX 5090 (12.0) on driver 570 (CUDA 12.8): cu126 has no sm_120, cu130 needs 580.
    {"rtx5090_driver570", "570.124.06", 12080, {{12, 0}}, "3.12.1", "torch", {}, Manager::kPip, true,
     "'torch==2.11.*' --index-url https://download.pytorch.org/whl/cu128"},
    // Python 3.8: 2.4 is its newest release; cu121 is within CUDA 12.2, preferred over cu124.
    {"python38_driver535", "535.104.05", 12020, {{8, 0}}, "3.8.18", "torch", {}, Manager::kPip, true,
     "'torch==2.4.*' --index-url https://download.pytorch.org/whl/cu121"},
    {"python314_driver535", "535.104.05", 12020, {{8, 0}}, "3.14.0", "torch", {}, Manager::kPip, true,
     "'torch==2.15.*' --index-url https://download.pytorch.org/whl/cu126"},
    {"driver550_a100_py313", "550.54.15", 12040, {{8, 0}}, "3.13.0", "torch", {}, Manager::kPip, true,
     "'torch==2.15.*' --index-url https://download.pytorch.org/whl/cu126"},
    {"explicit_cuda_118", "550.54.15", 12040, {{8, 6}}, "3.11.2", "torch", std::string("11.8"), Manager::kPip, true,
     "'torch==2.7.*' --index-url https://download.pytorch.org/whl/cu118"},
    // CUDA 13 needs driver 580 even with minor-version compatibility.
    {"explicit_cuda_too_new", "535.104.05", 12020, {{8, 0}}, "3.11.2", "torch", std::string("13.0"), Manager::kPip, false,
     "no PyTorch build for CUDA 13.0"},
    {"uv_manager", "535.104.05", 12020, {{8, 0}}, "3.11.7", "torch", {}, Manager::kUv, true,
     "uv pip install --python /venv/bin/python 'torch==2.15.*' --index-url https://download.pytorch.org/whl/cu126"},
    {"conda_manager", "535.104.05", 12020, {{8, 0}}, "3.11.7", "torch", {}, Manager::kConda, true,
     "conda install -c conda-forge 'pytorch=2.15.*=cuda*'"},
    {"python_too_new", "535.104.05", 12020, {{8, 0}}, "3.16.0", "torch", {}, Manager::kPip, false, "no PyTorch release"},
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
// clang-format on

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
    EXPECT_GT(*util::DottedVersion::Parse(f.torch[i - 1].version),
              *util::DottedVersion::Parse(f.torch[i].version));
  }
  for (std::size_t i = 1; i < f.tensorflow.size(); ++i) {
    EXPECT_GT(*util::DottedVersion::Parse(f.tensorflow[i - 1].version),
              *util::DottedVersion::Parse(f.tensorflow[i].version));
  }
}

TEST(InstallFacts, MalformedDataIsAnError) {
  EXPECT_THROW(ParseFrameworkFacts("{}"), std::exception);
  EXPECT_THROW(ParseFrameworkFacts("not json"), std::exception);
}

// ---- --image: the official image this host's driver runs ---------------------------------

model::Snapshot ImageHost(const char* driver, int driver_cuda, const char* gpu_name) {
  model::Snapshot s = ScenarioMachine(driver, driver_cuda, {{9, 0}}, "3.11", "2.36");
  s.gpus[0].name = gpu_name;
  s.container_host.docker_installed = true;
  s.container_host.toolkit_binaries = {"/usr/bin/nvidia-container-runtime-hook"};
  return s;
}

TEST(InstallImage, NewestImageOfEachFamilyTheDriverRuns) {
  const auto& table = knowledge::BuiltinFrameworkImages();
  ASSERT_FALSE(table.images.empty());
  for (const auto& i : table.images) EXPECT_FALSE(i.source.empty()) << i.image;  // sourced rows
  // Driver 550 (CUDA 12.4): not the cuda12.8 tags, not NGC 25.12 (CUDA 13.1).
  auto plan = PlanImage("torch", ImageHost("550.54.15", 12040, "NVIDIA H100 80GB HBM3"), {}, table);
  ASSERT_TRUE(plan.ok) << plan.error;
  ASSERT_EQ(plan.images.size(), 2u);
  EXPECT_TRUE(
      plan.images[0].starts_with("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime: torch "
                                 "2.5.1, CUDA 12.4; this host's driver 550.54.15 supports "
                                 "CUDA 12.4"))
      << plan.images[0];
  EXPECT_TRUE(plan.images[1].starts_with("nvcr.io/nvidia/pytorch:24.05-py3")) << plan.images[1];
  EXPECT_EQ(plan.run_line,
            "docker run --gpus all --shm-size=1g --ulimit memlock=-1 --rm "
            "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime python -c \"import torch; "
            "print(torch.cuda.is_available(), torch.cuda.device_count())\"");
  EXPECT_TRUE(plan.blockers.empty()) << util::Join(plan.blockers, "; ");
  // "pytorch" names torch; a CUDA 13.1 driver takes the newest of each family.
  plan = PlanImage("pytorch", ImageHost("590.44.01", 13010, "NVIDIA H100 80GB HBM3"), {}, table);
  ASSERT_TRUE(plan.ok) << plan.error;
  EXPECT_TRUE(plan.images[0].starts_with("pytorch/pytorch:2.11.0-cuda12.8")) << plan.images[0];
  EXPECT_TRUE(plan.images[1].starts_with("nvcr.io/nvidia/pytorch:25.12-py3")) << plan.images[1];
  plan = PlanImage("tensorflow", ImageHost("535.183.01", 12020, "NVIDIA A100"), {}, table);
  ASSERT_TRUE(plan.ok) << plan.error;
  EXPECT_TRUE(
      plan.images[0].starts_with("tensorflow/tensorflow:2.15.0-gpu: tensorflow 2.15.0, "
                                 "CUDA 12.2"))
      << plan.images[0];
  EXPECT_TRUE(plan.run_line.find("tf.config.list_physical_devices('GPU')") != std::string::npos);
  // Driver 550 (CUDA 12.4): TensorFlow 2.17's image (CUDA 12.3), and NGC's of the same CUDA.
  plan = PlanImage("tensorflow", ImageHost("550.54.15", 12040, "NVIDIA H100 80GB HBM3"), {}, table);
  ASSERT_TRUE(plan.ok) << plan.error;
  ASSERT_EQ(plan.images.size(), 2u);
  EXPECT_TRUE(plan.images[0].starts_with("tensorflow/tensorflow:2.17.0-gpu")) << plan.images[0];
  EXPECT_TRUE(
      plan.images[1].starts_with("nvcr.io/nvidia/tensorflow:24.05-tf2-py3: tensorflow "
                                 "NGC 24.05, CUDA 12.4"))
      << plan.images[1];
}

TEST(InstallImage, ForwardCompatibilityOnlyOnDatacenterGpusOfAListedBranch) {
  const auto& table = knowledge::BuiltinFrameworkImages();
  // R470 (CUDA 11.4): pytorch/pytorch has nothing for it; NGC 24.05 runs through its compat
  // package on a data center GPU with 470.57 or later in R470.
  auto plan =
      PlanImage("torch", ImageHost("470.223.02", 11040, "NVIDIA A100-SXM4-80GB"), {}, table);
  ASSERT_TRUE(plan.ok) << plan.error;
  ASSERT_EQ(plan.images.size(), 1u);
  EXPECT_TRUE(plan.images[0].find("nvcr.io/nvidia/pytorch:24.05-py3") == 0) << plan.images[0];
  EXPECT_TRUE(plan.images[0].find("forward-compatibility package") != std::string::npos);
  EXPECT_EQ(plan.run_line,
            "docker run --gpus all --ipc=host --ulimit memlock=-1 --ulimit stack=67108864 --rm "
            "nvcr.io/nvidia/pytorch:24.05-py3 python -c \"import torch; "
            "print(torch.cuda.is_available(), torch.cuda.device_count())\"");
  // The same for TensorFlow: NGC's TensorFlow 24.05, with TensorFlow's check in the run line.
  plan =
      PlanImage("tensorflow", ImageHost("470.223.02", 11040, "NVIDIA A100-SXM4-80GB"), {}, table);
  ASSERT_TRUE(plan.ok) << plan.error;
  ASSERT_EQ(plan.images.size(), 1u);
  EXPECT_TRUE(plan.images[0].starts_with("nvcr.io/nvidia/tensorflow:24.05-tf2-py3"))
      << plan.images[0];
  EXPECT_EQ(plan.run_line,
            "docker run --gpus all --ipc=host --ulimit memlock=-1 --ulimit stack=67108864 --rm "
            "nvcr.io/nvidia/tensorflow:24.05-tf2-py3 python -c \"import tensorflow as tf; "
            "print(tf.config.list_physical_devices('GPU'))\"");
  // The same driver with a GeForce card, or below the branch's floor: nothing runs.
  for (auto [driver, gpu] : {std::pair{"470.223.02", "NVIDIA GeForce RTX 3090"},
                             std::pair{"470.42.01", "NVIDIA A100-SXM4-80GB"},
                             std::pair{"510.108.03", "NVIDIA A100-SXM4-80GB"}}) {
    plan = PlanImage("torch", ImageHost(driver, 11040, gpu), {}, table);
    EXPECT_FALSE(plan.ok) << driver << " " << gpu;
    EXPECT_TRUE(plan.error.find("no image in the table has a CUDA") == 0) << plan.error;
  }
}

TEST(InstallImage, SaysWhatStopsThisHostFromStartingIt) {
  const auto& table = knowledge::BuiltinFrameworkImages();
  model::Snapshot s = ImageHost("550.54.15", 12040, "NVIDIA H100 80GB HBM3");
  s.container_host.docker_installed = false;
  const model::Finding gpu_support{"container.docker_gpu_support_missing", model::Severity::kError,
                                   "docker is installed but cannot give containers the GPUs", "",
                                   "Install the NVIDIA container toolkit"};
  auto plan = PlanImage("torch", s, {gpu_support}, table);
  ASSERT_TRUE(plan.ok);
  ASSERT_EQ(plan.blockers.size(), 2u) << util::Join(plan.blockers, "; ");
  EXPECT_TRUE(plan.blockers[0].starts_with("no container runtime here")) << plan.blockers[0];
  EXPECT_EQ(plan.blockers[1],
            "docker is installed but cannot give containers the GPUs "
            "(container.docker_gpu_support_missing): Install the NVIDIA container toolkit");
  s.host.container = "docker";
  plan = PlanImage("torch", s, {}, table);
  ASSERT_EQ(plan.blockers.size(), 1u);
  EXPECT_EQ(plan.blockers[0], "dlenv runs inside a docker container: start the image on the host");
  // No driver: nothing to choose by; jax has no table.
  EXPECT_FALSE(PlanImage("torch", ImageHost("", 0, "NVIDIA H100"), {}, table).ok);
  EXPECT_EQ(PlanImage("jax", s, {}, table).error,
            "no official image table for 'jax': --image knows torch and tensorflow");
}

// The printed line, given to the real docker CLI with no daemon to reach: docker checks its
// flags and the image reference before it connects, so "Cannot connect" means the line parsed.
TEST(InstallImage, DockerAcceptsEveryPrintedLine) {
  if (!util::RunCommand({"docker", "--version"}, ::dlenv::testing::ToolOptions()).ok()) {
    DLENV_SKIP_OR_FAIL("no docker CLI here (Debian: docker.io, which scripts/test.sh installs)");
  }
  testing::TempTree tmp;
  for (const auto& image : knowledge::BuiltinFrameworkImages().images) {
    util::ChildOptions options = ::dlenv::testing::ToolOptions();
    std::map<std::string, std::string> env{{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                                           {"HOME", tmp.path().string()}};
    env["DOCKER_HOST"] = "unix://" + (tmp / "/no-daemon.sock").string();
    options.env = env;
    auto r = util::RunCommand({"/bin/sh", "-c", DockerRunLine(image) + " </dev/null"}, options);
    EXPECT_NE(r.err.find("Cannot connect to the Docker daemon"), std::string::npos)
        << DockerRunLine(image) << "\n"
        << r.err;
    // And the checks are real: an unknown flag or a bad reference fails before connecting.
    auto bad = util::RunCommand({"/bin/sh", "-c", "docker run --gpuz all " + image.image}, options);
    EXPECT_NE(bad.err.find("unknown flag: --gpuz"), std::string::npos) << bad.err;
  }
}

}  // namespace
}  // namespace dlenv::install
