// Triton on this machine: where it finds libcuda (probe/triton.h) and whether its bundled ptxas
// knows the GPU (knowledge/triton.h), checked against the real thing where it runs here:
// - the real triton wheel of the newest torch (scripts/make-wheel-envs.sh's wheels-torch-deps)
//   answers for itself: its libcuda_dirs() beside dlenv's reading of the same environment, and
//   its bundled ptxas binaries' own --gpu-name lists beside dlenv's table;
// - an ld.so.cache made by glibc's own `ldconfig -r` in a tree, with a libcuda.so.1 compiled
//   here; the fix is run in the tree.
// Missing environments fail the test when DLENV_REQUIRE_TEST_ENVS=1, else skip it.

#include "rules/triton_rules.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>

#include "knowledge/triton.h"
#include "probe/libraries.h"
#include "probe/triton.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;

fs::path TritonSite() {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  return fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") /
         "wheels-torch-deps/lib/python3.11/site-packages";
}

TEST(TritonKnowledge, ThePtxasEachReleaseUsesForAGpu) {
  // torch 2.6 (triton 3.2) on an RTX 5090: CUDA 12.4's ptxas has no sm_120.
  auto p = knowledge::TritonPtxasFor("3.2.0", 120);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->ptxas, "12.4");
  EXPECT_EQ(p->binary, "ptxas");
  EXPECT_EQ(knowledge::PtxasKnows(p->ptxas, 120), false);
  // 3.3 compiles Blackwell with its second ptxas (12.8): sm_120 yes, B300's sm_103 not yet.
  p = knowledge::TritonPtxasFor("3.3.1", 120);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->binary, "ptxas-blackwell");
  EXPECT_EQ(p->override_variable, "TRITON_PTXAS_BLACKWELL_PATH");
  EXPECT_EQ(knowledge::PtxasKnows(p->ptxas, 120), true);
  EXPECT_EQ(knowledge::PtxasKnows(knowledge::TritonPtxasFor("3.3.1", 103)->ptxas, 103), false);
  EXPECT_EQ(knowledge::PtxasKnows(knowledge::TritonPtxasFor("3.3.1", 90)->ptxas, 90), true);
  // 3.9 hands Hopper to ptxas-blackwell too; a V100 stays on the 12.9 ptxas, which knows it.
  EXPECT_EQ(knowledge::TritonPtxasFor("3.9.0", 90)->binary, "ptxas-blackwell");
  EXPECT_EQ(knowledge::TritonPtxasFor("3.9.0", 70)->ptxas, "12.9");
  EXPECT_EQ(knowledge::PtxasKnows("13.4", 70), false);
  EXPECT_EQ(knowledge::PtxasKnows("13.1", 110), true);   // the 13.0 row
  EXPECT_FALSE(knowledge::TritonPtxasFor("3.0.0", 80));  // older than the table
  EXPECT_EQ(knowledge::TritonPtxasFor("3.12.0+git1234", 120)->triton, "3.9");
  EXPECT_FALSE(knowledge::TritonPtxasFor("not a version", 80));
  EXPECT_EQ(knowledge::FirstTritonKnowing(120), "3.3");
  EXPECT_EQ(knowledge::FirstTritonKnowing(103), "3.6");
  EXPECT_EQ(knowledge::FirstPtxasKnowing(120), "12.8");
  // The launcher's link line: -lcuda up to 3.5 (and before the table), -l:libcuda.so.1 after.
  EXPECT_EQ(knowledge::TritonLinksUnversionedLibcuda("3.5.1"), true);
  EXPECT_EQ(knowledge::TritonLinksUnversionedLibcuda("3.6.0"), false);
  EXPECT_EQ(knowledge::TritonLinksUnversionedLibcuda("2.3.1"), true);
  EXPECT_EQ(knowledge::TritonLinksUnversionedLibcuda("3.12.0+git1234"), false);
  EXPECT_FALSE(knowledge::TritonLinksUnversionedLibcuda("nightly"));
}

/// The sm_NN names a ptxas binary's own --help accepts for --gpu-name.
std::set<int> GpuNames(const fs::path& ptxas) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  auto r = util::RunCommand({ptxas.string(), "--help"}, o);
  EXPECT_TRUE(r.ok()) << r.Describe();
  const auto at = r.out.find("--gpu-name");
  const auto end = r.out.find("\n\n", at);
  const std::string section = r.out.substr(at, end == std::string::npos ? end : end - at);
  std::set<int> out;
  const std::regex name("'sm_([0-9]+)'");
  for (auto it = std::sregex_iterator(section.begin(), section.end(), name);
       it != std::sregex_iterator(); ++it)
    out.insert(std::stoi((*it)[1]));
  return out;
}

// The newest triton's own binaries are the oracle of the table's newest row: which binary each
// GPU gets is the table's, what it accepts is the binary's --help, its release its --version.
TEST(TritonWheel, BundledPtxasKnowsWhatTheTableSays) {
  const fs::path bin = TritonSite() / "triton/backends/nvidia/bin";
  if (!fs::exists(bin / "ptxas"))
    DLENV_SKIP_OR_FAIL("the newest triton wheel is missing: run scripts/make-test-envs.sh");
  std::string version;
  for (const auto& e : fs::directory_iterator(TritonSite())) {
    const std::string n = e.path().filename().string();
    if (n.starts_with("triton-") && n.ends_with(".dist-info")) version = n.substr(7, n.size() - 17);
  }
  ASSERT_FALSE(version.empty());
  for (int sm : {50, 60, 61, 70, 75, 80, 86, 87, 89, 90, 100, 103, 110, 120, 121}) {
    const auto p = knowledge::TritonPtxasFor(version, sm);
    ASSERT_TRUE(p) << version;
    const auto names = GpuNames(bin / p->binary);
    ASSERT_FALSE(names.empty()) << p->binary;
    EXPECT_EQ(knowledge::PtxasKnows(p->ptxas, sm), names.contains(sm))
        << "triton " << version << " sm_" << sm << " " << p->binary << " (CUDA " << p->ptxas << ")";
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    auto v = util::RunCommand({(bin / p->binary).string(), "--version"}, o);
    EXPECT_NE(v.out.find("release " + p->ptxas + ","), std::string::npos)
        << p->binary << ": " << v.out;
  }
}

probe::ProbeContext Context(const fs::path& root, std::map<std::string, std::string> vars) {
  probe::ProbeContext ctx;
  ctx.fs = util::RootFs(root);
  ctx.env = util::Environment(std::move(vars));
  ctx.ask_host_driver = false;
  return ctx;
}

// Triton's own libcuda_dirs(), run in the venv of the real wheel, beside dlenv's reading of the
// same machine and variables: the folders it returns, or its assertion where dlenv finds none.
TEST(TritonWheel, LibcudaFoldersAreTritonsOwn) {
  const fs::path python = TritonSite() / "../../../bin/python";
  if (!fs::exists(TritonSite() / "triton/backends/nvidia/driver.py"))
    DLENV_SKIP_OR_FAIL("the newest triton wheel is missing: run scripts/make-test-envs.sh");
  testing::TempTree tmp;
  tmp.Write("/with/libcuda.so.1", "");
  tmp.MakeDir("/without");
  const std::vector<std::map<std::string, std::string>> cases = {
      {{"LD_LIBRARY_PATH", (tmp / "/without").string() + ":" + (tmp / "/with").string()}},
      {{"LD_LIBRARY_PATH", (tmp / "/without").string()}},
      {{"TRITON_LIBCUDA_PATH", (tmp / "/nowhere").string()}},
      {{"TRITON_LIBCUDA_PATH", (tmp / "/with").string()}},
  };
  for (const auto& vars : cases) {
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.deadline = std::chrono::seconds(60);
    o.env = vars;
    (*o.env)["PATH"] = "/usr/bin:/bin";
    auto r = util::RunCommand(
        {python.string(), "-c",
         "from triton.backends.nvidia.driver import libcuda_dirs\n"
         "try:\n    print('DIRS', ':'.join(libcuda_dirs()))\n"
         "except AssertionError as e:\n    print('ASSERT', str(e).splitlines()[0])\n"},
        o);
    ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
    model::Snapshot s;
    probe::ProbeTriton(Context("/", vars), s);
    const std::string label = ::testing::PrintToString(vars);
    if (r.out.starts_with("ASSERT")) {
      EXPECT_FALSE(s.triton.libcuda_found) << label;
      EXPECT_NE(s.triton.libcuda_dirs_via, "TRITON_LIBCUDA_PATH") << label;
      EXPECT_NE(r.out.find("libcuda.so cannot found!"), std::string::npos) << r.out;
    } else {
      ASSERT_TRUE(r.out.starts_with("DIRS ")) << r.out;
      std::string dirs = r.out.substr(5);
      dirs.erase(dirs.find_last_not_of('\n') + 1);
      std::string ours;
      for (const auto& d : s.triton.libcuda_dirs) ours += (ours.empty() ? "" : ":") + d;
      EXPECT_EQ(ours, dirs) << label;
    }
  }
}

/// A machine with the driver's libcuda in the multiarch folder, a CUDA torch and a triton.
class TritonMachine {
 public:
  TritonMachine() {
    tree.Write("/etc/ld.so.conf", "/usr/lib/x86_64-linux-gnu\n");
    const auto source = tree.Write("/src/empty.c", "int dlenv_fixture;\n");
    tree.MakeDir("/usr/lib/x86_64-linux-gnu");
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.deadline = std::chrono::seconds(60);
    built = util::RunCommand({"cc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o",
                              (tree / "/usr/lib/x86_64-linux-gnu/libcuda.so.580.95.05").string(),
                              source.string()},
                             o)
                .ok();
  }
  util::ChildResult Ldconfig() const {
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    return util::RunCommand({"ldconfig", "-r", tree.path().string()}, o);
  }
  model::Snapshot Run(const std::string& triton_version, std::map<std::string, std::string> vars,
                      int sm = 90) const {
    auto ctx = Context(tree.path(), std::move(vars));
    model::Snapshot s;
    probe::ProbeLibraries(ctx, s);
    probe::ProbeTriton(ctx, s);
    model::PythonEnv env;
    env.prefix = "/venv";
    model::PackageRecord triton;
    triton.name = triton.normalized_name = "triton";
    triton.version = triton_version;
    env.packages.push_back(triton);
    model::FrameworkBuild torch;
    torch.name = "torch";
    torch.cuda_build = true;
    torch.cuda_version = "12.4";
    env.frameworks.push_back(torch);
    s.python_envs.push_back(env);
    model::GpuInfo g;
    g.name = sm == 120 ? "NVIDIA GeForce RTX 5090" : "NVIDIA H100 80GB HBM3";
    g.cc_major = sm / 10;
    g.cc_minor = sm % 10;
    s.gpus.push_back(g);
    return s;
  }
  std::vector<model::Finding> Findings(const model::Snapshot& s) const {
    std::vector<model::Finding> out;
    CheckTriton(s, knowledge::Knowledge{}, out);
    return out;
  }
  testing::TempTree tree;
  bool built = false;
};

TEST(TritonMachine, NoLibcudaInTheCacheThenTheFixInTheTree) {
  TritonMachine m;
  ASSERT_TRUE(m.built);
  auto s = m.Run("3.9.0", {});
  EXPECT_EQ(s.triton.libcuda_dirs_via, "");
  auto f = m.Findings(s);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "companion.triton_libcuda_missing");
  EXPECT_NE(f[0].evidence.find("AssertionError: libcuda.so cannot found!"), std::string::npos)
      << f[0].evidence;
  // The driver's library is there under its full version only: link it, point Triton at it.
  const std::string want =
      "sudo ln -s libcuda.so.580.95.05 /usr/lib/x86_64-linux-gnu/libcuda.so.1 && export "
      "TRITON_LIBCUDA_PATH=/usr/lib/x86_64-linux-gnu";
  ASSERT_EQ(f[0].fix, want);
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto ln = util::RunCommand({"ln", "-s", "libcuda.so.580.95.05",
                              (m.tree / "/usr/lib/x86_64-linux-gnu/libcuda.so.1").string()},
                             o);
  ASSERT_TRUE(ln.ok()) << ln.err;
  s = m.Run("3.9.0", {{"TRITON_LIBCUDA_PATH", "/usr/lib/x86_64-linux-gnu"}});
  EXPECT_TRUE(s.triton.libcuda_found);
  EXPECT_TRUE(m.Findings(s).empty());
}

TEST(TritonMachine, TheCacheRouteAndTritonsBeforeThreeSixNeedingLibcudaSo) {
  TritonMachine m;
  ASSERT_TRUE(m.built);
  auto r = m.Ldconfig();  // creates libcuda.so.1 from the SONAME and the cache
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
  auto s = m.Run("3.9.0", {});
  EXPECT_EQ(s.triton.libcuda_dirs_via, "ld.so.cache");
  EXPECT_EQ(s.triton.libcuda_dirs, std::vector<std::string>{"/usr/lib/x86_64-linux-gnu"});
  EXPECT_TRUE(s.triton.libcuda_found);
  EXPECT_FALSE(s.triton.unversioned_found);
  EXPECT_TRUE(m.Findings(s).empty());  // 3.9 links libcuda.so.1
  // Triton 3.2 links -lcuda: the unversioned name is missing.
  auto f = m.Findings(m.Run("3.2.0", {}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "companion.triton_libcuda_missing");
  EXPECT_NE(f[0].title.find("cannot find -lcuda"), std::string::npos) << f[0].title;
  ASSERT_EQ(f[0].fix, "sudo ln -s libcuda.so.1 /usr/lib/x86_64-linux-gnu/libcuda.so");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto ln = util::RunCommand(
      {"ln", "-s", "libcuda.so.1", (m.tree / "/usr/lib/x86_64-linux-gnu/libcuda.so").string()}, o);
  ASSERT_TRUE(ln.ok()) << ln.err;
  EXPECT_TRUE(m.Findings(m.Run("3.2.0", {})).empty());
  // A TRITON_LIBCUDA_PATH that holds nothing wins over the cache, as in Triton.
  s = m.Run("3.9.0", {{"TRITON_LIBCUDA_PATH", "/opt/nothing"}});
  EXPECT_EQ(s.triton.libcuda_dirs_via, "TRITON_LIBCUDA_PATH");
  f = m.Findings(s);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].evidence.find("TRITON_LIBCUDA_PATH=/opt/nothing holds no libcuda.so.1"),
            std::string::npos)
      << f[0].evidence;
  EXPECT_EQ(f[0].fix, "export TRITON_LIBCUDA_PATH=/usr/lib/x86_64-linux-gnu");
}

TEST(TritonMachine, PtxasThatDoesNotKnowTheGpu) {
  TritonMachine m;
  ASSERT_TRUE(m.built);
  ASSERT_TRUE(m.Ldconfig().ok());
  m.tree.Symlink("/usr/lib/x86_64-linux-gnu/libcuda.so", "libcuda.so.1");  // -lcuda finds it
  // torch 2.6's triton 3.2 on an RTX 5090.
  auto s = m.Run("3.2.0", {}, 120);
  std::vector<model::Finding> ptxas;
  for (const auto& f : m.Findings(s)) {
    if (f.id == "companion.triton_ptxas_unsupported_gpu") ptxas.push_back(f);
  }
  ASSERT_EQ(ptxas.size(), 1u);
  EXPECT_NE(ptxas[0].evidence.find("Value 'sm_120a' is not defined for option 'gpu-name'"),
            std::string::npos)
      << ptxas[0].evidence;
  EXPECT_NE(ptxas[0].evidence.find("Triton 3.3 and later"), std::string::npos) << ptxas[0].evidence;
  EXPECT_EQ(ptxas[0].fix, "dlenv install torch");
  // A CUDA 12.8 toolkit on the machine: Triton is pointed at its ptxas.
  model::Toolkit tk;
  tk.root = "/usr/local/cuda-12.8";
  tk.version = "12.8.93";
  tk.nvcc_path = "/usr/local/cuda-12.8/bin/nvcc";
  s.toolkits.push_back(tk);
  auto f = m.Findings(s);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "companion.triton_ptxas_unsupported_gpu");
  EXPECT_EQ(f[0].fix, "export TRITON_PTXAS_PATH=/usr/local/cuda-12.8/bin/ptxas");
  // Already pointed elsewhere: its release is not read, nothing is said.
  s.triton.ptxas_overrides = {"TRITON_PTXAS_PATH=/opt/cuda/bin/ptxas"};
  EXPECT_TRUE(m.Findings(s).empty());
  // triton 3.3 compiles sm_120 with its 12.8 ptxas-blackwell; a CPU torch is not judged.
  EXPECT_TRUE(m.Findings(m.Run("3.3.1", {}, 120)).empty());
  auto cpu = m.Run("3.2.0", {}, 120);
  cpu.python_envs[0].frameworks[0].cuda_build = false;
  EXPECT_TRUE(m.Findings(cpu).empty());
}

}  // namespace
}  // namespace dlenv::rules
