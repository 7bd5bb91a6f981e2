#include "probe/libraries.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>

#include "probe/toolkits.h"
#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

std::string RegexMacros(const fs::path& header, std::initializer_list<const char*> names) {
  const std::string text = testing::ReadAll(header);
  std::string out;
  for (const char* n : names) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(std::string("#define ") + n + "\\s+([0-9]+)")))
      return "?";
    out += (out.empty() ? "" : ".") + m[1].str();
  }
  return out;
}

// The version in this toolkit's dist-info folder for a wheel, read by matching names.
std::string DistInfoVersion(const fs::path& toolkit, const std::string& project_regex) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(toolkit / "dist-info", ec)) {
    std::smatch m;
    std::string name = e.path().filename().string();
    if (std::regex_match(name, m, std::regex(project_regex + "-(.+)\\.dist-info"))) return m[1];
  }
  return "?";
}

std::vector<const model::LibraryCopy*> Family(const model::Snapshot& s, const std::string& family) {
  std::vector<const model::LibraryCopy*> out;
  for (const auto& l : s.libraries) {
    if (l.family == family) out.push_back(&l);
  }
  return out;
}

const model::LibraryCopy* Picked(const model::Snapshot& s, const std::string& family) {
  for (const auto* l : Family(s, family)) {
    if (l->loader_first) return l;
  }
  return nullptr;
}

TEST(LibraryFamily, NamesTrackedLibrariesOnly) {
  EXPECT_EQ(LibraryFamily("libcudart.so.13"), "cudart");
  EXPECT_EQ(LibraryFamily("libcudart.so.12.0.146"), "cudart");
  EXPECT_EQ(LibraryFamily("libcublasLt.so"), "cublasLt");
  EXPECT_EQ(LibraryFamily("libcudnn_engines_precompiled.so.9"), "cudnn_engines_precompiled");
  EXPECT_EQ(LibraryFamily("libnvidia-ml.so.1"), "nvidia-ml");
  EXPECT_EQ(LibraryFamily("libnvrtc-builtins.so.13.0"), std::nullopt);
  EXPECT_EQ(LibraryFamily("libnvrtc.alt.so.13"), std::nullopt);
  EXPECT_EQ(LibraryFamily("libcudart_static.a"), std::nullopt);
  EXPECT_EQ(LibraryFamily("libcudart.so.13.bak"), std::nullopt);
  EXPECT_EQ(LibraryFamily("libcudnn_.so"), std::nullopt);
}

ProbeContext FixtureContext(const testing::TempTree& t,
                            std::map<std::string, std::string> env = {}) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  ctx.env = util::Environment(std::move(env));
  ctx.driver_timeout = std::chrono::milliseconds(5000);
  return ctx;
}

void CopyReal(const testing::TempTree& t, const fs::path& from, std::string_view to) {
  t.MakeDir(fs::path(to).parent_path().string());
  fs::copy_file(fs::canonical(from), t / to);
}

// NVIDIA's CUDA 13.0 files (testing::NvidiaFiles) installed in a fixture root the way the
// toolkit installs them: /usr/local/cuda-13.0, /usr/local/cuda -> cuda-13.0, its lib folder
// in ld.so.conf and the cache written by the real ldconfig.
class RealToolkit : public ::testing::Test {
 protected:
  void SetUp() override {
    DLENV_NVIDIA_FILES_OR_SKIP(nv);
    testing::InstallToolkit(nv, t_, "/usr/local/cuda-13.0");
    t_.Symlink("/usr/local/cuda", "cuda-13.0");
    ASSERT_EQ(testing::RunLdconfig(t_, "/usr/local/cuda-13.0/lib\n"), "");
    ProbeContext ctx = FixtureContext(t_, {{"PATH", "/usr/local/cuda/bin:/usr/bin"}});
    const auto start = std::chrono::steady_clock::now();
    ProbeToolkits(ctx, s_);
    ProbeLibraries(ctx, s_);
    elapsed_ = std::chrono::steady_clock::now() - start;
  }
  // The same file inside the fixture root, however the probe named it.
  fs::path Real(const std::string& inside) const { return fs::canonical(t_ / inside); }
  testing::TempTree t_;
  const fs::path kToolkit = t_ / "/usr/local/cuda-13.0";
  model::Snapshot s_;
  std::chrono::duration<double> elapsed_{};
};

TEST_F(RealToolkit, CudnnCublasNcclVersionsBesideTheToolkit) {
  const auto* cudnn = Picked(s_, "cudnn");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_EQ(Real(cudnn->path), fs::canonical(kToolkit / "lib/libcudnn.so.9"));
  EXPECT_EQ(cudnn->version, RegexMacros(kToolkit / "include/cudnn_version.h",
                                        {"CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"}));
  // The header and the wheel that shipped the library must tell the same story.
  EXPECT_TRUE(DistInfoVersion(kToolkit, "nvidia_cudnn_cu13").starts_with(*cudnn->version + "."));
  EXPECT_EQ(cudnn->found_via, "ld.so.cache");

  const auto* cublas = Picked(s_, "cublas");
  ASSERT_NE(cublas, nullptr);
  EXPECT_EQ(cublas->version, DistInfoVersion(kToolkit, "nvidia_cublas"));
  EXPECT_EQ(cublas->version, RegexMacros(kToolkit / "include/cublas_api.h",
                                         {"CUBLAS_VER_MAJOR", "CUBLAS_VER_MINOR",
                                          "CUBLAS_VER_PATCH", "CUBLAS_VER_BUILD"}));
  const auto* nccl = Picked(s_, "nccl");
  ASSERT_NE(nccl, nullptr);
  EXPECT_EQ(nccl->version, DistInfoVersion(kToolkit, "nvidia_nccl_cu13"));
  const auto* cudart = Picked(s_, "cudart");
  ASSERT_NE(cudart, nullptr);
  EXPECT_EQ(cudart->version, DistInfoVersion(kToolkit, "nvidia_cuda_runtime"));
  const auto* nvrtc = Picked(s_, "nvrtc");
  ASSERT_NE(nvrtc, nullptr);
  EXPECT_EQ(nvrtc->version, DistInfoVersion(kToolkit, "nvidia_cuda_nvrtc"));
  for (const char* sub :
       {"cudnn_ops", "cudnn_cnn", "cudnn_adv", "cudnn_graph", "cudnn_engines_precompiled"}) {
    ASSERT_EQ(Family(s_, sub).size(), 1u) << sub;
    EXPECT_EQ(Family(s_, sub)[0]->version, cudnn->version) << sub;
  }
}

TEST_F(RealToolkit, StubLibcudaIsRecognisedAndNotTheLoadersPick) {
  const auto copies = Family(s_, "cuda");
  auto stub = std::find_if(copies.begin(), copies.end(), [&](const auto* l) {
    return Real(l->path) == fs::canonical(kToolkit / "lib64/stubs/libcuda.so");
  });
  ASSERT_NE(stub, copies.end());
  EXPECT_TRUE((*stub)->is_stub);
  EXPECT_EQ((*stub)->found_via, "toolkit");
  EXPECT_FALSE((*stub)->loader_first);
}

TEST_F(RealToolkit, EveryCopyIsOnceAndFast) {
  std::vector<std::string> reals;
  for (const auto& l : s_.libraries) reals.push_back(Real(l.path).string());
  std::sort(reals.begin(), reals.end());
  EXPECT_EQ(std::adjacent_find(reals.begin(), reals.end()), reals.end());
  // Static reading only: loading cuBLAS alone would take longer than this.
  EXPECT_LT(elapsed_.count(), 0.5);
}

TEST(ProbeLibraries, LoaderOrderLdLibraryPathThenCacheThenToolkit) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const fs::path kToolkit = nv.root;
  testing::TempTree t;
  CopyReal(t, kToolkit / "lib/libcudart.so.13", "/opt/system/lib/libcudart.so.13");
  CopyReal(t, kToolkit / "lib/libcudart.so.13", "/home/u/override/libcudart.so.13");
  CopyReal(t, kToolkit / "lib/libcudnn.so.9", "/opt/system/lib/libcudnn.so.9");
  ASSERT_EQ(testing::RunLdconfig(t, "/opt/system/lib\n"),
            "");  // the real ldconfig writes the cache dlenv reads
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t, {{"LD_LIBRARY_PATH", "/home/u/override:/nonexistent"}}), s);
  const auto cudart = Family(s, "cudart");
  ASSERT_EQ(cudart.size(), 2u);
  EXPECT_EQ(cudart[0]->path, "/home/u/override/libcudart.so.13");
  EXPECT_EQ(cudart[0]->found_via, "LD_LIBRARY_PATH");
  EXPECT_TRUE(cudart[0]->loader_first);
  EXPECT_EQ(cudart[1]->path, "/opt/system/lib/libcudart.so.13");
  EXPECT_EQ(cudart[1]->found_via, "ld.so.cache");
  EXPECT_FALSE(cudart[1]->loader_first);
  const auto* cudnn = Picked(s, "cudnn");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_EQ(cudnn->found_via, "ld.so.cache");

  model::Snapshot without_override;
  ProbeLibraries(FixtureContext(t), without_override);
  ASSERT_NE(Picked(without_override, "cudart"), nullptr);
  EXPECT_EQ(Picked(without_override, "cudart")->path, "/opt/system/lib/libcudart.so.13");
}

TEST(ProbeLibraries, StubsFolderOnLdLibraryPath) {
  testing::TempTree t;
  t.Write("/usr/local/cuda-12.4/lib64/stubs/libcuda.so", "not an ELF file");
  t.Write("/usr/local/cuda-12.4/include/cuda.h", "#define CUDA_VERSION 12040\n");
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t, {{"LD_LIBRARY_PATH", "/usr/local/cuda-12.4/lib64/stubs"}}), s);
  const auto cuda = Family(s, "cuda");
  ASSERT_EQ(cuda.size(), 1u);
  EXPECT_TRUE(cuda[0]->is_stub);
  EXPECT_EQ(cuda[0]->found_via, "LD_LIBRARY_PATH");
  EXPECT_TRUE(cuda[0]->loader_first);
  EXPECT_EQ(cuda[0]->version, "12.4");
}

TEST(ProbeLibraries, VersionFromFileNameHeaderAndPipDistInfo) {
  testing::TempTree t;
  // Debian's layout: the real file carries the full version.
  t.Write("/usr/lib/x86_64-linux-gnu/libnccl.so.2.18.3", "x");
  t.Symlink("/usr/lib/x86_64-linux-gnu/libnccl.so.2", "libnccl.so.2.18.3");
  t.Symlink("/usr/lib/x86_64-linux-gnu/libnccl.so", "libnccl.so.2");
  // A cuDNN 8 library with a cuDNN 9 header in /usr/include: the header is not its own.
  t.Write("/usr/lib/x86_64-linux-gnu/libcudnn.so.8", "x");
  t.Write("/usr/include/cudnn_version.h",
          "#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 0\n");
  t.Write("/usr/include/x86_64-linux-gnu/cudnn_version_v8.h",
          "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 2\n");
  // pip's layout: site-packages/nvidia/<component>/lib beside the wheel's dist-info.
  const std::string sp = "/venv/lib/python3.11/site-packages";
  t.Write(sp + "/nvidia/cublas/lib/libcublas.so.12", "x");
  t.MakeDir(sp + "/nvidia_cublas_cu12-12.4.5.8.dist-info");
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t, {{"LD_LIBRARY_PATH", sp + "/nvidia/cublas/lib"}}), s);
  const auto nccl = Family(s, "nccl");
  ASSERT_EQ(nccl.size(), 1u);
  EXPECT_EQ(nccl[0]->path, "/usr/lib/x86_64-linux-gnu/libnccl.so.2");
  EXPECT_EQ(nccl[0]->version, "2.18.3");
  EXPECT_EQ(nccl[0]->version_source, "file name");
  EXPECT_EQ(nccl[0]->found_via, "default folder");
  EXPECT_TRUE(nccl[0]->loader_first);
  const auto cudnn = Family(s, "cudnn");
  ASSERT_EQ(cudnn.size(), 1u);
  EXPECT_EQ(cudnn[0]->version, "8.9.2");
  EXPECT_EQ(cudnn[0]->version_source, "header /usr/include/x86_64-linux-gnu/cudnn_version_v8.h");
  const auto cublas = Family(s, "cublas");
  ASSERT_EQ(cublas.size(), 1u);
  EXPECT_EQ(cublas[0]->version, "12.4.5.8");
  EXPECT_EQ(cublas[0]->version_source,
            "dist-info " + sp + "/nvidia_cublas_cu12-12.4.5.8.dist-info");
}

TEST(ProbeLibraries, AsksTheLibraryInAChildWhenNoFileSays) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const fs::path kToolkit = nv.root;
  testing::TempTree t;
  CopyReal(t, kToolkit / "lib/libcudart.so.13", "/opt/bare/libcudart.so.13");
  t.Write("/opt/bare/libcudnn.so.9",
          "\x7f"
          "ELF truncated");  // cannot load: no version, no crash
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t, {{"LD_LIBRARY_PATH", "/opt/bare"}}), s);
  const auto cudart = Family(s, "cudart");
  ASSERT_EQ(cudart.size(), 1u);
  // Oracle: the header this library was built with.
  const std::string v = RegexMacros(kToolkit / "include/cuda_runtime_api.h", {"CUDART_VERSION"});
  const int n = std::stoi(v);
  EXPECT_EQ(cudart[0]->version, std::to_string(n / 1000) + "." + std::to_string(n % 1000 / 10));
  EXPECT_EQ(cudart[0]->version_source, "library call");
  const auto cudnn = Family(s, "cudnn");
  ASSERT_EQ(cudnn.size(), 1u);
  EXPECT_EQ(cudnn[0]->version, std::nullopt);
}

TEST(ProbeLibraries, TwoMajorsInOneFolderAreTwoSonames) {
  testing::TempTree t;
  t.Write("/opt/cuda/lib/libcudart.so.12.4.127", "x");
  t.Symlink("/opt/cuda/lib/libcudart.so.12", "libcudart.so.12.4.127");
  t.Write("/opt/cuda/lib/libcudart.so.13.0.96", "x");
  t.Symlink("/opt/cuda/lib/libcudart.so.13", "libcudart.so.13.0.96");
  t.Symlink("/opt/cuda/lib/libcudart.so", "libcudart.so.13");
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t, {{"LD_LIBRARY_PATH", "/opt/cuda/lib"}}), s);
  const auto cudart = Family(s, "cudart");
  ASSERT_EQ(cudart.size(), 2u);
  EXPECT_EQ(cudart[0]->path, "/opt/cuda/lib/libcudart.so.12");
  EXPECT_EQ(cudart[0]->version, "12.4.127");
  EXPECT_TRUE(cudart[0]->loader_first);
  EXPECT_EQ(cudart[1]->path, "/opt/cuda/lib/libcudart.so.13");
  EXPECT_EQ(cudart[1]->version, "13.0.96");
  EXPECT_TRUE(cudart[1]->loader_first);
}

TEST(ProbeLibraries, TensorRtFromItsHeader) {
  testing::TempTree t;
  t.Write("/usr/lib/x86_64-linux-gnu/libnvinfer.so.10", "x");
  t.Write("/usr/include/x86_64-linux-gnu/NvInferVersion.h",
          "#define TRT_MAJOR_ENTERPRISE 10\n#define TRT_MINOR_ENTERPRISE 3\n#define "
          "TRT_PATCH_ENTERPRISE 0\n"
          "#define TRT_BUILD_ENTERPRISE 26\n");
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t), s);
  const auto trt = Family(s, "nvinfer");
  ASSERT_EQ(trt.size(), 1u);
  EXPECT_EQ(trt[0]->version, "10.3.0.26");
  EXPECT_TRUE(trt[0]->loader_first);
}

TEST(ProbeLibraries, StubsFolderIndexedByLdconfig) {
  // The classic mistake: the stubs folder listed in /etc/ld.so.conf.d. The real ldconfig
  // then creates libcuda.so.1 beside the stub (its DT_SONAME) and caches it.
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const fs::path stub = nv.lib() / "stubs/libcuda.so";
  testing::TempTree t;
  CopyReal(t, stub, "/usr/local/cuda-13.0/lib64/stubs/libcuda.so");
  ASSERT_EQ(testing::RunLdconfig(t, "/usr/local/cuda-13.0/lib64/stubs\n"), "");
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t), s);
  const auto* picked = Picked(s, "cuda");
  ASSERT_NE(picked, nullptr);
  EXPECT_EQ(picked->found_via, "ld.so.cache");
  EXPECT_TRUE(picked->is_stub);
  EXPECT_EQ(fs::path(picked->path).filename(), "libcuda.so.1");
}

TEST(ProbeLibraries, HostileLdCacheStillReportsTheOtherRoutes) {
  testing::TempTree t;
  t.Write("/etc/ld.so.cache", std::string("glibc-ld.so.cache1.1") + std::string(200, '\xff'));
  t.Write("/usr/lib/x86_64-linux-gnu/libnccl.so.2.18.3", "x");
  model::Snapshot s;
  ProbeLibraries(FixtureContext(t), s);
  EXPECT_EQ(Family(s, "nccl").size(), 1u);
}

}  // namespace
}  // namespace dlenv::probe
