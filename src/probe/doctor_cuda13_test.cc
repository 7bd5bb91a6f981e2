// End to end: the dlenv binary on this machine's real CUDA 13.0 toolkit, checked against
// the toolkit's own files read here by other means (regular expressions, dist-info names).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv {
namespace {

namespace fs = std::filesystem;
const fs::path kToolkit = "/usr/local/cuda-13.0";

std::string Macros(const char* header, std::initializer_list<const char*> names) {
  const std::string text = testing::ReadAll(kToolkit / "include" / header);
  std::string out;
  for (const char* n : names) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(std::string("#define ") + n + "\\s+([0-9]+)"))) return "?";
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

TEST(DoctorOnThisMachine, ReportsTheCuda13ToolkitAndItsLibraries) {
  if (!fs::exists(kToolkit / "include/cuda.h")) GTEST_SKIP() << "no CUDA 13.0 toolkit here";
  util::ChildOptions o;
  o.env = std::map<std::string, std::string>{{"PATH", "/usr/local/cuda/bin:/usr/bin:/bin"}, {"HOME", "/nonexistent"}};
  auto r = util::RunCommand({DLENV_BINARY, "doctor", "--json", "--no-host-driver"}, o);
  ASSERT_TRUE(r.outcome == util::ChildResult::Outcome::kExited) << r.Describe();
  const auto doc = nlohmann::json::parse(r.out);

  const nlohmann::json* tk = nullptr;
  for (const auto& t : doc["toolkits"]) {
    if (t["root"] == kToolkit.string()) tk = &t;
  }
  ASSERT_NE(tk, nullptr) << r.out;
  const int cuda = std::stoi(Macros("cuda.h", {"CUDA_VERSION"}));
  EXPECT_EQ((*tk)["version"], std::to_string(cuda / 1000) + "." + std::to_string(cuda % 1000 / 10));
  EXPECT_EQ((*tk)["nvcc_on_path"], true);

  const auto* cudnn = Picked(doc, "cudnn");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_EQ((*cudnn)["version"], Macros("cudnn_version.h", {"CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"}));
  const auto* cublas = Picked(doc, "cublas");
  ASSERT_NE(cublas, nullptr);
  EXPECT_EQ((*cublas)["version"], Macros("cublas_api.h", {"CUBLAS_VER_MAJOR", "CUBLAS_VER_MINOR",
                                                           "CUBLAS_VER_PATCH", "CUBLAS_VER_BUILD"}));
  const auto* nccl = Picked(doc, "nccl");
  ASSERT_NE(nccl, nullptr);
  EXPECT_EQ((*nccl)["version"], Macros("nccl.h", {"NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"}));

  bool stub_seen = false;
  for (const auto& l : doc["libraries"]) {
    if (l["family"] != "cuda") continue;
    const std::string path = l["path"];
    if (fs::canonical(path) == fs::canonical(kToolkit / "lib64/stubs/libcuda.so")) {
      stub_seen = true;
      EXPECT_EQ(l["is_stub"], true);
      EXPECT_EQ(l["loader_first"], false);
    }
  }
  EXPECT_TRUE(stub_seen);
}

}  // namespace
}  // namespace dlenv
