#include "util/cuda_headers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"

namespace dlenv::util {
namespace {

namespace fs = std::filesystem;

// An independent reading of `#define NAME <digits>` with a regular expression.
std::string RegexMacro(const std::string& text, const std::string& name) {
  std::smatch m;
  std::regex re("#define[ \\t]+" + name + "[ \\t]+([0-9]+)");
  return std::regex_search(text, m, re) ? m[1].str() : std::string("?");
}

TEST(IntegerMacros, KeepsIntegersSkipsTheRest) {
  auto m = ParseIntegerMacros(
      "#define A 9\n#  define B (12)\n#define C 3U // note\n#define F(x) 4\n#define S \"x\"\n"
      "#define E A\n#define D 7 /* c */\n#defineX 1\n#define L 99999999999999999999999\n");
  EXPECT_EQ(m["A"], 9);
  EXPECT_EQ(m["B"], 12);
  EXPECT_EQ(m["C"], 3);
  EXPECT_EQ(m["D"], 7);
  EXPECT_FALSE(m.contains("F"));
  EXPECT_FALSE(m.contains("S"));
  EXPECT_FALSE(m.contains("E"));
  EXPECT_FALSE(m.contains("L"));
  EXPECT_EQ(m.size(), 4u);
}

TEST(VersionFromHeader, EachFamilysMacros) {
  EXPECT_EQ(
      VersionFromHeader(
          "cudnn", "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 7\n"),
      "8.9.7");
  EXPECT_EQ(VersionFromHeader(
                "nccl", "#define NCCL_MAJOR 2\n#define NCCL_MINOR 18\n#define NCCL_PATCH 3\n"),
            "2.18.3");
  EXPECT_EQ(VersionFromHeader("nvinfer",
                              "#define TRT_MAJOR_ENTERPRISE 10\n#define TRT_MINOR_ENTERPRISE 3\n"
                              "#define TRT_PATCH_ENTERPRISE 0\n#define TRT_BUILD_ENTERPRISE 26\n"),
            "10.3.0.26");
  EXPECT_EQ(VersionFromHeader("nvinfer",
                              "#define NV_TENSORRT_MAJOR 8\n#define NV_TENSORRT_MINOR 6\n#define "
                              "NV_TENSORRT_PATCH 1\n"),
            "8.6.1");
  EXPECT_EQ(VersionFromHeader("cudart", "#define CUDART_VERSION 12040\n"), "12.4");
  EXPECT_EQ(VersionFromHeader("cudnn", "#define CUDNN_MAJOR 8\n"),
            std::nullopt);  // no minor: not a version
  EXPECT_EQ(VersionFromHeader("cuda", "#define CUDA_VERSION -5\n"), std::nullopt);
  EXPECT_EQ(VersionFromHeader("unknown", "#define CUDA_VERSION 12000\n"), std::nullopt);
}

TEST(VersionFromHeader, RealToolkitHeadersAgreeWithARegexReading) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto read = [&](const char* name) { return testing::ReadAll(nv.include() / name); };
  const std::string cudnn = read("cudnn_version.h"), cublas = read("cublas_api.h"),
                    nccl = read("nccl.h");
  ASSERT_FALSE(cudnn.empty() || cublas.empty() || nccl.empty())
      << "headers missing under " << nv.include();
  EXPECT_EQ(VersionFromHeader("cudnn", cudnn), RegexMacro(cudnn, "CUDNN_MAJOR") + "." +
                                                   RegexMacro(cudnn, "CUDNN_MINOR") + "." +
                                                   RegexMacro(cudnn, "CUDNN_PATCHLEVEL"));
  EXPECT_EQ(VersionFromHeader("cublas", cublas), RegexMacro(cublas, "CUBLAS_VER_MAJOR") + "." +
                                                     RegexMacro(cublas, "CUBLAS_VER_MINOR") + "." +
                                                     RegexMacro(cublas, "CUBLAS_VER_PATCH") + "." +
                                                     RegexMacro(cublas, "CUBLAS_VER_BUILD"));
  EXPECT_EQ(VersionFromHeader("nccl", nccl), RegexMacro(nccl, "NCCL_MAJOR") + "." +
                                                 RegexMacro(nccl, "NCCL_MINOR") + "." +
                                                 RegexMacro(nccl, "NCCL_PATCH"));
}

TEST(ToolkitVersionFiles, JsonAndTxt) {
  auto j = ParseToolkitVersionJson(R"({"cuda":{"name":"CUDA SDK","version":"12.4.1"},
      "cuda_cudart":{"name":"CUDA Runtime","version":"12.4.127"},"bad":{"version":3},"worse":[1]})");
  EXPECT_EQ(j.version, "12.4.1");
  EXPECT_EQ(j.components.size(), 1u);
  EXPECT_EQ(j.components["cuda_cudart"], "12.4.127");
  EXPECT_EQ(ParseToolkitVersionJson("{not json").version, std::nullopt);
  EXPECT_EQ(ParseToolkitVersionJson("[]").components.size(), 0u);
  EXPECT_EQ(ParseToolkitVersionTxt("CUDA Version 10.2.89\n"), "10.2.89");
  EXPECT_EQ(ParseToolkitVersionTxt("CUDA Version banana\n"), std::nullopt);
}

TEST(DistInfoName, SplitsProjectAndVersion) {
  auto d = ParseDistInfoName("nvidia_cudnn_cu13-9.19.0.56.dist-info");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->project, "nvidia_cudnn_cu13");
  EXPECT_EQ(d->version, "9.19.0.56");
  EXPECT_EQ(ParseDistInfoName("-1.0.dist-info"), std::nullopt);
  EXPECT_EQ(ParseDistInfoName("x-.dist-info"), std::nullopt);
  EXPECT_EQ(ParseDistInfoName("x-1.0.egg-info"), std::nullopt);
}

TEST(DistInfoName, RealFoldersAgreeWithTheirMetadata) {
  // Oracle: each wheel's METADATA states its Version; the folder name must say the same.
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  std::error_code ec;
  int checked = 0;
  for (const auto& e : fs::directory_iterator(nv.root / "dist-info", ec)) {
    auto d = ParseDistInfoName(e.path().filename().string());
    ASSERT_TRUE(d) << e.path();
    std::smatch m;
    std::string meta = testing::ReadAll(e.path() / "METADATA");
    ASSERT_TRUE(std::regex_search(meta, m, std::regex("\nVersion: ([^\r\n]+)"))) << e.path();
    EXPECT_EQ(d->version, m[1].str());
    ++checked;
  }
  EXPECT_GE(checked, 5) << "NVIDIA's wheels leave one dist-info folder each under " << nv.root;
}

// host_config.h's gcc check, as CUDA 11 to 13 write it; a condition with more clauses and an
// #if that guards another message are not read as the limit.
TEST(HostConfig, NewestGcc) {
  EXPECT_EQ(HostConfigNewestGcc("#if defined(__GNUC__)\n\n#if __GNUC__ > 15\n\n"
                                "#error -- unsupported GNU version! gcc versions later than 15 are "
                                "not supported!\n\n#endif /* __GNUC__ > 15 */\n#endif\n"),
            15);
  EXPECT_EQ(HostConfigNewestGcc("#if __GNUC__ > 9\n#error -- unsupported GNU version! gcc "
                                "versions later than 9 are not supported!\n#endif\n"),
            9);
  EXPECT_EQ(HostConfigNewestGcc("#if __GNUC__ > 12 || (__GNUC__ == 12 && __GNUC_MINOR__ > 2)\n"
                                "#error -- unsupported GNU version!\n#endif\n"),
            std::nullopt);
  EXPECT_EQ(HostConfigNewestGcc("#if __GNUC__ > 4\n#define X 1\n#endif\n"
                                "#error -- unsupported GNU version!\n"),
            std::nullopt);
  EXPECT_EQ(HostConfigNewestGcc(""), std::nullopt);
}

// The real header of the CUDA 13.0 wheels (nvidia-cuda-crt) against a regular expression on
// its message.
TEST(HostConfig, RealHeaderAgreesWithItsMessage) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const std::string text = testing::ReadAll(nv.include() / "crt/host_config.h");
  ASSERT_FALSE(text.empty()) << "crt/host_config.h missing under " << nv.include();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("gcc versions later than ([0-9]+) are not")));
  EXPECT_EQ(HostConfigNewestGcc(text), std::stoi(m[1].str()));
}

}  // namespace
}  // namespace dlenv::util
