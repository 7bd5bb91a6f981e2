// nvcc's host compiler check (build.host_compiler_unsupported) against nvcc itself: the CUDA
// 13.0 toolkit of NVIDIA's wheels (scripts/make-nvidia-files.sh) with this machine's gcc, which
// nvcc accepts (dlenv is silent), and the same toolkit whose crt/host_config.h allows one gcc
// major less than this machine's (nvcc stops with its #error, and dlenv says it would). The
// gcc major dlenv reads from file names is compared with what `gcc -dumpversion` prints. The
// rule's fixes are checked on fixtures.

#include "probe/host_compiler.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "probe/toolkits.h"
#include "rules/build_rules.h"
#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

model::Snapshot Fixture(int gcc, int newest, std::vector<std::string> other_gxx,
                        std::string os = "debian") {
  model::Snapshot s;
  s.host.os_id = std::move(os);
  model::Toolkit t;
  t.root = "/usr/local/cuda-12.4";
  t.version = "12.4.131";
  t.found_via = {"PATH"};
  t.nvcc_path = "/usr/local/cuda-12.4/bin/nvcc";
  t.nvcc_on_path = true;
  t.newest_gcc = newest;
  t.host_config = "/usr/local/cuda-12.4/include/crt/host_config.h";
  s.toolkits.push_back(t);
  model::HostCompiler hc;
  hc.path = "/usr/bin/gcc";
  hc.real_path = "/usr/bin/x86_64-linux-gnu-gcc-" + std::to_string(gcc);
  hc.found_via = "PATH";
  hc.gcc_major = gcc;
  hc.version_source = "file name " + hc.real_path;
  hc.other_gxx = std::move(other_gxx);
  s.host_compiler = hc;
  return s;
}

std::vector<model::Finding> Check(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  rules::CheckExtensionBuilds(s, knowledge::Knowledge{}, out);
  return out;
}

TEST(HostCompilerRule, PointsNvccAtTheNewestGccItAccepts) {
  auto f = Check(Fixture(14, 13, {"/usr/bin/g++-12", "/usr/bin/g++-13"}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "build.host_compiler_unsupported");
  EXPECT_EQ(f[0].title,
            "nvcc in /usr/local/cuda-12.4 refuses the host compiler gcc 14: it accepts gcc 13 and "
            "older");
  EXPECT_EQ(f[0].evidence,
            "the nvcc first on PATH is in /usr/local/cuda-12.4 (CUDA 12.4.131); the gcc first on "
            "PATH is /usr/bin/gcc (file name /usr/bin/x86_64-linux-gnu-gcc-14: gcc 14); "
            "/usr/local/cuda-12.4/include/crt/host_config.h: \"#error -- unsupported GNU version! "
            "gcc versions later than 13 are not supported!\"");
  EXPECT_EQ(f[0].fix, "export CC=/usr/bin/gcc-13 CXX=/usr/bin/g++-13 NVCC_CCBIN=/usr/bin/g++-13");
}

TEST(HostCompilerRule, InstallsOneWhereNoneIsOnPath) {
  auto f = Check(Fixture(16, 15, {"/usr/bin/g++-17"}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix,
            "sudo apt-get install -y g++-15 && export CC=/usr/bin/gcc-15 CXX=/usr/bin/g++-15 "
            "NVCC_CCBIN=/usr/bin/g++-15");
  f = Check(Fixture(16, 15, {}, "fedora"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix,
            "Install gcc 15 or older, then export CC=<its gcc> CXX=<its g++> NVCC_CCBIN=<its g++>");
}

TEST(HostCompilerRule, SilentWhenAcceptedOrUnknown) {
  EXPECT_TRUE(Check(Fixture(13, 13, {})).empty());
  auto s = Fixture(14, 13, {});
  s.host_compiler->gcc_major.reset();  // clang, or a gcc whose version files do not say
  EXPECT_TRUE(Check(s).empty());
  s = Fixture(14, 13, {});
  s.toolkits[0].newest_gcc.reset();  // no host_config.h (a runtime-only toolkit)
  EXPECT_TRUE(Check(s).empty());
  s = Fixture(14, 13, {});
  s.toolkits[0].nvcc_path.reset();
  EXPECT_TRUE(Check(s).empty());
}

int GccMajorByRunningIt() {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(30);
  auto r = util::RunCommand({"gcc", "-dumpversion"}, o);
  if (!r.ok()) return -1;
  return std::stoi(r.out);
}

model::Snapshot Probe(const fs::path& cuda_home) {
  ProbeContext ctx;
  const char* path = std::getenv("PATH");
  ctx.env = util::Environment(std::map<std::string, std::string>{
      {"PATH", path ? path : "/usr/bin:/bin"}, {"CUDA_HOME", cuda_home.string()}});
  model::Snapshot s;
  ProbeToolkits(ctx, s);
  ProbeHostCompiler(ctx, s);
  return s;
}

TEST(TorchArchListProbe, ReadsTheVariableAndTakesEmptyAsUnset) {
  ProbeContext ctx;
  model::Snapshot s;
  ctx.env = util::Environment(
      std::map<std::string, std::string>{{"TORCH_CUDA_ARCH_LIST", "8.0 9.0+PTX"}});
  ProbeTorchArchList(ctx, s);
  EXPECT_EQ(s.torch_cuda_arch_list, "8.0 9.0+PTX");
  model::Snapshot empty;
  ctx.env = util::Environment(std::map<std::string, std::string>{{"TORCH_CUDA_ARCH_LIST", ""}});
  ProbeTorchArchList(ctx, empty);
  EXPECT_FALSE(empty.torch_cuda_arch_list);  // torch takes "" as unset too
}

bool NvccPreprocesses(const fs::path& nvcc, const testing::TempTree& tree, std::string* err) {
  fs::path cu = tree.Write("k.cu", "__global__ void k() {}\n");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(120);
  auto r = util::RunCommand(
      {nvcc.string(), "-E", cu.string(), "-o", (tree.path() / "k.ii").string()}, o);
  *err = r.err;
  return r.ok();
}

TEST(HostCompilerOracle, DlenvAndNvccAgreeOnThisMachinesGcc) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const int gcc = GccMajorByRunningIt();
  if (gcc < 0) DLENV_SKIP_OR_FAIL("no gcc on PATH");
  testing::TempTree tree;

  // The real toolkit: nvcc accepts this gcc, dlenv is silent.
  auto s = Probe(nv.root);
  ASSERT_TRUE(s.host_compiler);
  EXPECT_EQ(s.host_compiler->gcc_major, gcc) << s.host_compiler->real_path;
  const model::Toolkit* real = nullptr;
  for (const auto& t : s.toolkits) {
    if (t.root == fs::canonical(nv.root).string()) real = &t;
  }
  ASSERT_NE(real, nullptr);
  ASSERT_TRUE(real->newest_gcc);
  std::string err;
  const bool accepted = NvccPreprocesses(nv.bin() / "nvcc", tree, &err);
  EXPECT_EQ(accepted, gcc <= *real->newest_gcc) << err;
  std::vector<model::Finding> out;
  rules::CheckExtensionBuilds(s, knowledge::Knowledge{}, out);
  EXPECT_EQ(out.empty(), accepted);

  // The same toolkit, its host_config.h allowing one gcc major less than this machine's.
  const fs::path tk = tree.path() / "cuda";
  fs::create_directories(tk / "bin");
  fs::create_directories(tk / "include/crt");
  fs::create_directories(tk / "targets/x86_64-linux");
  for (const auto& e : fs::directory_iterator(nv.bin()))
    fs::create_symlink(e.path(), tk / "bin" / e.path().filename());
  for (const auto& e : fs::directory_iterator(nv.include())) {
    if (e.path().filename() != "crt")
      fs::create_symlink(e.path(), tk / "include" / e.path().filename());
  }
  for (const auto& e : fs::directory_iterator(nv.include() / "crt")) {
    if (e.path().filename() != "host_config.h")
      fs::create_symlink(e.path(), tk / "include/crt" / e.path().filename());
  }
  std::string text = testing::ReadAll(nv.include() / "crt/host_config.h");
  const std::string limit = std::to_string(*real->newest_gcc), lower = std::to_string(gcc - 1);
  for (const std::string& from : {"__GNUC__ > " + limit, "later than " + limit}) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1))
      text.replace(at + from.size() - limit.size(), limit.size(), lower);
  }
  tree.Write("cuda/include/crt/host_config.h", text);
  fs::create_symlink("../../include", tk / "targets/x86_64-linux/include");
  fs::create_symlink(nv.root / "nvvm", tk / "nvvm");
  fs::create_symlink(nv.lib(), tk / "lib");

  EXPECT_FALSE(NvccPreprocesses(tk / "bin/nvcc", tree, &err));
  EXPECT_NE(err.find("unsupported GNU version! gcc versions later than " + lower),
            std::string::npos)
      << err;
  s = Probe(tk);
  out.clear();
  rules::CheckExtensionBuilds(s, knowledge::Knowledge{}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, "build.host_compiler_unsupported");
  EXPECT_NE(out[0].title.find("refuses the host compiler gcc " + std::to_string(gcc) +
                              ": it accepts gcc " + lower + " and older"),
            std::string::npos)
      << out[0].title;
}

}  // namespace
}  // namespace dlenv::probe
