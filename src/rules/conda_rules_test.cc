// conda's packages where they meet pip's, end to end: the real binary reads a fixture conda
// environment under --root (conda-meta records shaped like conda-forge's and the pytorch
// channel's: name, version, build, channel, files) and reports; the healthy twins stay silent.

#include "rules/conda_rules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

const std::string kPrefix = "/opt/conda/envs/dl";
const std::string kSite = kPrefix + "/lib/python3.11/site-packages";

void CondaMeta(const testing::TempTree& t, const std::string& name, const std::string& version,
               const std::string& build, const std::string& channel,
               const std::vector<std::string>& files) {
  nlohmann::json doc = {
      {"name", name},         {"version", version},
      {"build", build},       {"channel", channel},
      {"files", files},       {"depends", nlohmann::json::array()},
      {"subdir", "linux-64"}, {"fn", name + "-" + version + "-" + build + ".conda"}};
  t.Write(kPrefix + "/conda-meta/" + name + "-" + version + "-" + build + ".json", doc.dump(1));
}

void DistInfo(const testing::TempTree& t, const std::string& name, const std::string& version,
              const std::string& installer) {
  const std::string dir = kSite + "/" + name + "-" + version + ".dist-info/";
  t.Write(dir + "METADATA",
          "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
  t.Write(dir + "INSTALLER", installer + "\n");
}

/// A miniforge install with one environment holding conda-forge's Python.
void CondaPython(const testing::TempTree& t) {
  t.Write("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  t.MakeDir("/opt/conda/condabin");
  CondaMeta(t, "python", "3.11.10", "hc5c86c4_3_cpython",
            "https://conda.anaconda.org/conda-forge/linux-64", {"bin/python3.11"});
  t.Write(kPrefix + "/bin/python3.11", "");
  t.Write(kPrefix + "/lib/python3.11/os.py", "");
}

/// A conda env with Python; pip's CUDA torch in it (its version.py and its nvidia wheels).
void CondaEnvWithPipTorch(const testing::TempTree& t) {
  CondaPython(t);
  t.Symlink(kPrefix + "/bin/python", "python3.11");
  DistInfo(t, "torch", "2.5.1", "pip");
  t.Write(kSite + "/torch/version.py",
          "__version__ = '2.5.1+cu124'\ndebug = False\ncuda = '12.4'\nhip = None\n");
  DistInfo(t, "nvidia_cudnn_cu12", "9.1.0.70", "pip");
  DistInfo(t, "nvidia_cublas_cu12", "12.4.5.8", "pip");
}

nlohmann::json Doctor(const testing::TempTree& t) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  opts.env = std::map<std::string, std::string>{
      {"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}, {"CONDA_PREFIX", kPrefix}};
  auto r = util::RunCommand(
      {DLENV_BINARY, "doctor", "--json", "--root", t.path().string(), "--no-host-driver"}, opts);
  EXPECT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe() << r.err;
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_TRUE(doc.is_object()) << r.out.substr(0, 400) << r.err;
  return doc;
}

std::vector<nlohmann::json> Conda(const nlohmann::json& doc) {
  std::vector<nlohmann::json> out;
  if (!doc.is_object()) return out;
  for (const auto& f : doc["findings"]) {
    if (f["id"].get<std::string>().starts_with("conda.")) out.push_back(f);
  }
  return out;
}

TEST(CondaRules, CudnnFromCondaForgeBesidePipsWheelForAPipTorch) {
  testing::TempTree t;
  CondaEnvWithPipTorch(t);
  CondaMeta(t, "cudnn", "8.9.7.29", "hbc23b4c_3", "https://conda.anaconda.org/conda-forge/linux-64",
            {"include/cudnn.h", "lib/libcudnn.so", "lib/libcudnn.so.8", "lib/libcudnn.so.8.9.7"});
  CondaMeta(t, "cudnn", "9.3.0.75", "h62a6f1c_2", "https://conda.anaconda.org/conda-forge/linux-64",
            {"include/cudnn.h", "lib/libcudnn.so", "lib/libcudnn.so.9", "lib/libcudnn.so.9.3.0",
             "lib/libcudnn_ops.so.9"});
  auto doc = Doctor(t);
  auto f = Conda(doc);
  ASSERT_EQ(f.size(), 1u) << doc["findings"].dump(1);
  EXPECT_EQ(f[0]["id"], "conda.cuda_libs_from_conda_and_pip");
  EXPECT_EQ(f[0]["severity"], "warning");
  const std::string ev = f[0]["evidence"];
  // libcudnn.so.8 is conda's alone (torch 2.5 wants 9): only the shared soname is named.
  EXPECT_NE(ev.find("libcudnn.so.9 from conda's cudnn 9.3.0.75 "
                    "(https://conda.anaconda.org/conda-forge/linux-64)"),
            std::string::npos)
      << ev;
  EXPECT_NE(ev.find("nvidia_cudnn_cu12 9.1.0.70 (libcudnn.so.9"), std::string::npos) << ev;
  EXPECT_EQ(ev.find("libcudnn.so.8"), std::string::npos) << ev;
  EXPECT_EQ(ev.find("cublas"), std::string::npos) << ev;  // conda holds no cuBLAS here
  // A pip torch was built against its wheels: conda's copy is the one to go.
  EXPECT_EQ(f[0]["fix"], "conda remove -p " + kPrefix + " -y cudnn");
  // The record of a CUDA package keeps the sonames it put in lib/.
  bool seen = false;
  for (const auto& env : doc["python_envs"]) {
    for (const auto& p : env["packages"]) {
      if (p["name"] == "cudnn" && p["version"] == "9.3.0.75") {
        seen = true;
        // libcudnn_ops.so.9 is no soname of runtime_libraries.json's: not kept.
        EXPECT_EQ(p["conda_cuda_libraries"], nlohmann::json({"libcudnn.so.9"}));
      }
    }
  }
  EXPECT_TRUE(seen) << doc["python_envs"].dump().substr(0, 800);
}

TEST(CondaRules, CondaTorchWithLeftoverPipWheelsAndAHealthyEnv) {
  testing::TempTree t;
  CondaPython(t);
  CondaMeta(t, "libcublas", "12.6.4.1", "h5888daf_1",
            "https://conda.anaconda.org/conda-forge/linux-64",
            {"lib/libcublas.so.12", "lib/libcublas.so.12.6.4.1", "lib/libcublasLt.so.12"});
  EXPECT_TRUE(Conda(Doctor(t)).empty());  // conda alone: nothing to say
  DistInfo(t, "nvidia_cublas_cu12", "12.4.5.8", "pip");
  auto f = Conda(Doctor(t));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0]["title"].get<std::string>().find("2 CUDA libraries"), std::string::npos)
      << f[0]["title"];
  // No pip framework: the wheels are the leftovers.
  EXPECT_EQ(f[0]["fix"], kPrefix + "/bin/python3.11 -m pip uninstall -y nvidia_cublas_cu12");
}

TEST(CondaRules, PytorchMutexCpuOnAGpuMachineAndConformingForgeCpuBuild) {
  auto gpu_machine = [](const testing::TempTree& t) {
    const std::string dev = "/sys/bus/pci/devices/0000:3b:00.0";
    t.Write(dev + "/vendor", "0x10de\n");
    t.Write(dev + "/device", "0x20b0\n");
    t.Write(dev + "/class", "0x030200\n");
  };
  testing::TempTree t;
  CondaPython(t);
  CondaMeta(t, "pytorch-mutex", "1.0", "cpu", "https://conda.anaconda.org/pytorch/noarch", {});
  CondaMeta(t, "pytorch", "2.5.1", "py3.11_cpu_0", "https://conda.anaconda.org/pytorch/linux-64",
            {"lib/python3.11/site-packages/torch/version.py"});
  EXPECT_TRUE(Conda(Doctor(t)).empty());  // no NVIDIA device: a CPU build is what fits
  gpu_machine(t);
  auto f = Conda(Doctor(t));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["id"], "conda.pytorch_cpu_mutex");
  EXPECT_NE(f[0]["evidence"].get<std::string>().find("pytorch 2.5.1 build py3.11_cpu_0"),
            std::string::npos)
      << f[0]["evidence"];
  EXPECT_EQ(f[0]["fix"], "conda remove -p " + kPrefix +
                             " -y pytorch-mutex pytorch && dlenv install torch --python " +
                             kPrefix + "/bin/python3.11");

  // conda-forge marks its builds: cpu_* is CPU-only, cuda* is not.
  testing::TempTree forge;
  CondaPython(forge);
  gpu_machine(forge);
  CondaMeta(forge, "pytorch", "2.5.1", "cuda126_generic_py311_h3a2b1c0_208",
            "https://conda.anaconda.org/conda-forge/linux-64", {});
  EXPECT_TRUE(Conda(Doctor(forge)).empty());
  std::filesystem::remove(
      forge / (kPrefix + "/conda-meta/pytorch-2.5.1-cuda126_generic_py311_h3a2b1c0_208.json"));
  CondaMeta(forge, "pytorch", "2.5.1", "cpu_mkl_py311_h4f0a9c2_108",
            "https://conda.anaconda.org/conda-forge/linux-64", {});
  f = Conda(Doctor(forge));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["id"], "conda.pytorch_cpu_build");
  EXPECT_EQ(f[0]["fix"], "conda install -p " + kPrefix + " -y -c conda-forge pytorch-gpu");
}

}  // namespace
}  // namespace dlenv::rules
