// Runs tests/abi/nvidia_abi_check.cc: dlenv's hand-written NVML and CUDA driver declarations
// and the fake driver's ABI (tests/fake_driver/fake_abi.h) against NVIDIA's real headers, from
// the PyPI wheels scripts/make-nvidia-files.sh unpacks (or an installed toolkit). The check is
// compiled here, at test time, against wherever testing::NvidiaFiles finds the headers, so the
// build needs no NVIDIA file and the check runs on any machine that made the test
// environments; a header missing there fails the compile (#include, no fallback).

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::gpu {
namespace {

namespace fs = std::filesystem;

// Compiles the check (with gtest, as a program of its own) and returns its run.
util::ChildResult CompileAndRun(const testing::NvidiaTree& nv, const testing::TempTree& tree,
                                const std::vector<std::string>& extra_flags = {}) {
  const fs::path source = fs::path(DLENV_SOURCE_DIR) / "tests/abi/nvidia_abi_check.cc";
  const fs::path exe = tree / "nvidia_abi_check";
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(300);
  std::vector<std::string> argv = {"c++",
                                   "-std=c++20",
                                   "-w",
                                   "-I" + std::string(DLENV_SOURCE_DIR) + "/src",
                                   "-I" + std::string(DLENV_SOURCE_DIR) + "/tests/fake_driver",
                                   "-isystem",
                                   nv.include().string()};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  argv.push_back("-o");
  argv.push_back(exe.string());
  argv.push_back(source.string());
  for (const char* lib : {"-lgtest_main", "-lgtest", "-pthread"}) argv.push_back(lib);
  auto built = util::RunCommand(argv, opts);
  if (!built.ok()) return built;
  return util::RunCommand({exe.string()}, opts);
}

TEST(NvidiaAbi, DeclarationsAndTheFakeDriverMatchNvidiasHeaders) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  for (const char* header :
       {"cuda.h", "nvml.h", "cublas_api.h", "cublasLt.h", "cudnn.h", "nccl.h"}) {
    ASSERT_TRUE(fs::exists(nv.include() / header)) << header << " missing under " << nv.include();
  }
  testing::TempTree tree;
  auto r = CompileAndRun(nv, tree);
  ASSERT_TRUE(r.ok()) << r.Describe() << "\n" << r.out << r.err;
  // Every check ran; none skipped.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\\[  PASSED  \\] ([0-9]+) test"))) << r.out;
  EXPECT_EQ(std::stoi(m[1]), 5) << r.out;
  EXPECT_EQ(r.out.find("SKIPPED"), std::string::npos) << r.out;
}

// The check can fail: the same program with one of the fake driver's values planted wrong
// (CUDA_ERROR_STUB_LIBRARY as 35) fails and names it.
TEST(NvidiaAbi, APlantedWrongValueFailsTheCheck) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  testing::TempTree tree;
  const fs::path planted = tree.MakeDir("planted");
  std::string header =
      testing::ReadAll(fs::path(DLENV_SOURCE_DIR) / "tests/fake_driver/fake_abi.h");
  const std::string from = "kCudaStub = 34", to = "kCudaStub = 35";
  ASSERT_NE(header.find(from), std::string::npos);
  header.replace(header.find(from), from.size(), to);
  tree.Write("planted/fake_abi.h", header);
  auto r = CompileAndRun(nv, tree, {"-iquote", planted.string(), "-I" + planted.string()});
  EXPECT_EQ(r.outcome, util::ChildResult::Outcome::kExited);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.out.find("kCudaStub"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace dlenv::gpu
