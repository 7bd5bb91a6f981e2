// End to end: the dlenv binary on a machine with NVIDIA's real CUDA 13.0 files installed as a
// toolkit (testing::NvidiaFiles, in a fixture root read through --root), checked against the
// toolkit's own files read here by other means (regular expressions, dist-info names).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv {
namespace {

namespace fs = std::filesystem;
const char* kToolkit = "/usr/local/cuda-13.0";

std::string Macros(const fs::path& include, const char* header,
                   std::initializer_list<const char*> names) {
  const std::string text = testing::ReadAll(include / header);
  std::string out;
  for (const char* n : names) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(std::string("#define ") + n + "\\s+([0-9]+)")))
      return "?";
    out += (out.empty() ? "" : ".") + m[1].str();
  }
  return out;
}

const nlohmann::json* Picked(const nlohmann::json& doc, const std::string& family) {
  for (const auto& l : doc["libraries"]) {
    if (l["family"] == family && l["loader_first"] == true) return &l;
  }
  return nullptr;
}

TEST(DoctorOnCuda13, ReportsTheCuda13ToolkitAndItsLibraries) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  testing::TempTree t;
  testing::InstallToolkit(nv, t, kToolkit);
  t.Symlink("/usr/local/cuda", "cuda-13.0");
  ASSERT_EQ(testing::RunLdconfig(t, "/usr/local/cuda-13.0/lib\n"), "");
  const fs::path include = nv.include();
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.env = std::map<std::string, std::string>{{"PATH", "/usr/local/cuda/bin:/usr/bin:/bin"},
                                             {"HOME", "/nonexistent"}};
  o.deadline = std::chrono::seconds(120);
  auto r = util::RunCommand(
      {DLENV_BINARY, "doctor", "--json", "--no-host-driver", "--root", t.path().string()}, o);
  ASSERT_TRUE(r.outcome == util::ChildResult::Outcome::kExited) << r.Describe();
  const auto doc = nlohmann::json::parse(r.out);

  const nlohmann::json* tk = nullptr;
  for (const auto& tk_json : doc["toolkits"]) {
    if (tk_json["root"] == kToolkit) tk = &tk_json;
  }
  ASSERT_NE(tk, nullptr) << r.out;
  const int cuda = std::stoi(Macros(include, "cuda.h", {"CUDA_VERSION"}));
  EXPECT_EQ((*tk)["version"], std::to_string(cuda / 1000) + "." + std::to_string(cuda % 1000 / 10));
  EXPECT_EQ((*tk)["nvcc_on_path"], true);

  const auto* cudnn = Picked(doc, "cudnn");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_EQ((*cudnn)["version"],
            Macros(include, "cudnn_version.h", {"CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"}));
  const auto* cublas = Picked(doc, "cublas");
  ASSERT_NE(cublas, nullptr);
  EXPECT_EQ((*cublas)["version"], Macros(include, "cublas_api.h",
                                         {"CUBLAS_VER_MAJOR", "CUBLAS_VER_MINOR",
                                          "CUBLAS_VER_PATCH", "CUBLAS_VER_BUILD"}));
  const auto* nccl = Picked(doc, "nccl");
  ASSERT_NE(nccl, nullptr);
  EXPECT_EQ((*nccl)["version"],
            Macros(include, "nccl.h", {"NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"}));

  bool stub_seen = false;
  for (const auto& l : doc["libraries"]) {
    if (l["family"] != "cuda") continue;
    const std::string path = l["path"];
    if (fs::canonical(t / path) ==
        fs::canonical(t / "/usr/local/cuda-13.0/lib64/stubs/libcuda.so")) {
      stub_seen = true;
      EXPECT_EQ(l["is_stub"], true);
      EXPECT_EQ(l["loader_first"], false);
    }
  }
  EXPECT_TRUE(stub_seen);
}

}  // namespace
}  // namespace dlenv
