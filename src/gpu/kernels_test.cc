// The embedded PTX assembles with the toolkit's ptxas for the oldest and the newest real
// architecture that ptxas accepts (read from its --help), so a driver's JIT, which runs
// the same compiler, has no reason to refuse it.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/embedded.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::gpu {
namespace {

// "sm_75", "sm_121", ... from the "Allowed values" of --gpu-name; suffixed variants
// (sm_90a, sm_100f) are family- or architecture-specific and left out.
std::vector<int> PtxasArchitectures(const std::string& ptxas) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  auto help = util::RunCommand({ptxas, "--help"}, opts);
  EXPECT_TRUE(help.ok()) << help.Describe();
  std::vector<int> archs;
  std::regex sm("'sm_([0-9]+)'");
  for (std::sregex_iterator it(help.out.begin(), help.out.end(), sm), end; it != end; ++it) {
    archs.push_back(std::stoi((*it)[1]));
  }
  std::sort(archs.begin(), archs.end());
  return archs;
}

TEST(VerifyKernels, EmbeddedAndDeclaresAnOldPtxIsa) {
  auto ptx = util::FindEmbeddedFile("verify_kernels.ptx");
  ASSERT_TRUE(ptx.has_value());
  // PTX ISA 6.5 (CUDA 10.2, driver R440): the oldest driver dlenv has facts for.
  EXPECT_NE(ptx->find("\n.version 6.5\n"), std::string_view::npos);
  for (const char* entry : {"dlenv_saxpy", "dlenv_fill", "dlenv_check"}) {
    EXPECT_NE(ptx->find(std::string(".visible .entry ") + entry + "("), std::string_view::npos)
        << entry;
  }
}

TEST(VerifyKernels, AssemblesForOldestAndNewestArchitectureOfPtxas) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const std::string ptxas = (nv.bin() / "ptxas").string();
  auto archs = PtxasArchitectures(ptxas);
  ASSERT_GE(archs.size(), 2u) << "could not read ptxas' architectures";
  testing::TempTree tree;
  auto ptx = util::FindEmbeddedFile("verify_kernels.ptx");
  ASSERT_TRUE(ptx.has_value());
  auto src = tree.Write("k.ptx", *ptx);
  for (int arch : {archs.front(), archs.back()}) {
    util::ChildOptions opts = ::dlenv::testing::ToolOptions();
    opts.deadline = std::chrono::seconds(60);
    auto out = tree / ("k_" + std::to_string(arch) + ".cubin");
    auto r = util::RunCommand(
        {ptxas, "-arch=sm_" + std::to_string(arch), src.string(), "-o", out.string()}, opts);
    EXPECT_TRUE(r.ok()) << "sm_" << arch << ": " << r.Describe() << "\n" << r.err;
    EXPECT_GT(std::filesystem::file_size(out), 0u);
  }
}

TEST(VerifyKernels, PtxasRejectsBrokenPtxSoTheTestAboveMeansSomething) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const std::string ptxas = (nv.bin() / "ptxas").string();
  testing::TempTree tree;
  std::string broken(*util::FindEmbeddedFile("verify_kernels.ptx"));
  broken.replace(broken.find("fma.rn.f32"), 10, "fma.bogus.f32");
  auto src = tree.Write("k.ptx", broken);
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  auto r = util::RunCommand({ptxas, "-arch=sm_75", src.string(), "-o", (tree / "k.cubin").string()},
                            opts);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace dlenv::gpu
