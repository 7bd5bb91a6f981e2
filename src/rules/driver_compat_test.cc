// The forward-compatibility libcuda against the loaded driver, on fixture roots the probes read:
// a real shared object with soname libcuda.so.1 where the cuda-compat package puts it, found
// through LD_LIBRARY_PATH (NVIDIA's images) or the loader's cache (`ldconfig -r`). Each fix is
// run: the printed `export LD_LIBRARY_PATH=...` in bash, the ld.so.conf.d edit in the tree.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "probe/driver.h"
#include "probe/host.h"
#include "probe/libraries.h"
#include "rules/rules.h"
#include "testing/driver_host.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;

// cuda-compat-12-4 is built from driver 550.54.15 (the guide: each package comes from the driver
// of its CUDA release); the host runs 570.133.20 (CUDA 12.8).
class CompatMachine {
 public:
  CompatMachine() {
    tree.Write("/proc/driver/nvidia/version",
               "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.133.20  Fri Feb 28 00:47:07 "
               "UTC 2025\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n");
    tree.Write("/.dockerenv", "");
    const auto src = tree.Write("/src/libcuda.c", "int cuInit(unsigned f) { return (int)f; }\n");
    tree.MakeDir("/usr/local/cuda-12.4/compat");
    tree.Symlink("/usr/local/cuda", "cuda-12.4");
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    built = util::RunCommand({"cc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o",
                              (tree / "/usr/local/cuda-12.4/compat/libcuda.so.550.54.15").string(),
                              src.string()},
                             o)
                .ok();
    tree.Symlink("/usr/local/cuda-12.4/compat/libcuda.so.1", "libcuda.so.550.54.15");
    tree.Write("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
    tree.MakeDir("/etc/ld.so.conf.d");
  }

  bool Ldconfig() const {
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    return util::RunCommand({"ldconfig", "-r", tree.path().string()}, o).ok();
  }

  model::Snapshot Run(const std::string& nvml_driver = "570.133.20", int cuda = 12080) const {
    probe::ProbeContext ctx;
    ctx.fs = util::RootFs(tree.path());
    ctx.env = util::Environment(env);
    ctx.ask_host_driver = false;
    model::Snapshot s;
    probe::ProbeHost(ctx, s);
    probe::ProbeDriver(ctx, s);
    probe::ProbeLibraries(ctx, s);
    s.driver.kernel_module_version = nvml_driver;
    s.driver.nvml_driver_version = nvml_driver;
    s.driver.nvml_cuda_driver_version = cuda;
    s.findings = Evaluate(s, knowledge::BuiltinKnowledge());
    return s;
  }

  testing::TempTree tree;
  std::map<std::string, std::string> env;
  bool built = false;
};

using testing::FindFinding;
using testing::FindingIds;

TEST(CompatLibcuda, OlderThanTheDriverThroughLdLibraryPathAndTheExportRun) {
  CompatMachine m;
  ASSERT_TRUE(m.built);
  const std::string path = "/usr/local/cuda/compat:/usr/local/nvidia/lib64";
  m.env["LD_LIBRARY_PATH"] = path;
  auto s = m.Run();
  const auto* f = FindFinding(s, "driver.compat_libcuda_older");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_NE(f->evidence.find("the forward-compatibility libcuda 550.54.15; the kernel module is "
                             "570.133.20, a newer driver branch"),
            std::string::npos)
      << f->evidence;
  EXPECT_NE(f->evidence.find("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803)"), std::string::npos);
  EXPECT_NE(f->fix.find("runs CUDA 12.8 and older without forward compatibility"),
            std::string::npos)
      << f->fix;
  EXPECT_FALSE(FindFinding(s, "driver.version_mismatch"))
      << FindingIds(s);  // compat is not the driver

  // The printed export, run by bash with the same LD_LIBRARY_PATH.
  const auto open = f->fix.find("`export ");
  ASSERT_NE(open, std::string::npos) << f->fix;
  const std::string command = f->fix.substr(open + 1, f->fix.find('`', open + 1) - open - 1);
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.env = {{"LD_LIBRARY_PATH", path}, {"PATH", "/usr/bin:/bin"}};
  auto run = util::RunCommand({"bash", "-c", command + " && printf %s \"$LD_LIBRARY_PATH\""}, o);
  ASSERT_TRUE(run.ok()) << run.Describe() << run.err;
  EXPECT_EQ(run.out, "/usr/local/nvidia/lib64");
  m.env["LD_LIBRARY_PATH"] = run.out;
  EXPECT_FALSE(FindFinding(m.Run(), "driver.compat_libcuda_older"));

  // Forward compatibility doing its job (an older driver), and an older compat of the driver's
  // own branch (a warning: NVIDIA's FAQ says it may need updating).
  m.env["LD_LIBRARY_PATH"] = path;
  EXPECT_FALSE(FindFinding(m.Run("535.183.01", 12020), "driver.compat_libcuda_older"));
  EXPECT_FALSE(FindFinding(m.Run("550.54.15", 12040), "driver.compat_libcuda_older"));
  s = m.Run("550.90.07", 12040);
  ASSERT_TRUE(FindFinding(s, "driver.compat_libcuda_older")) << FindingIds(s);
  EXPECT_EQ(FindFinding(s, "driver.compat_libcuda_older")->severity, model::Severity::kWarning);
}

TEST(CompatLibcuda, OlderThanTheDriverThroughTheLoadersCacheAndTheConfRemoved) {
  CompatMachine m;
  ASSERT_TRUE(m.built);
  m.tree.Write("/etc/ld.so.conf.d/000_cuda-compat.conf", "/usr/local/cuda/compat\n");
  ASSERT_TRUE(m.Ldconfig());
  auto s = m.Run();
  const auto* f = FindFinding(s, "driver.compat_libcuda_older");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->evidence.find("via ld.so.cache"), std::string::npos) << f->evidence;
  const std::string grep = "grep -l compat /etc/ld.so.conf.d/*.conf";
  ASSERT_NE(f->fix.find(grep), std::string::npos) << f->fix;
  // The fix in the tree: the file grep names goes, ldconfig rewrites the cache.
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto named = util::RunCommand(
      {"bash", "-c", "cd " + m.tree.path().string() + " && grep -l compat etc/ld.so.conf.d/*.conf"},
      o);
  ASSERT_TRUE(named.ok()) << named.Describe() << named.err;
  EXPECT_EQ(named.out, "etc/ld.so.conf.d/000_cuda-compat.conf\n");
  fs::remove(m.tree / "/etc/ld.so.conf.d/000_cuda-compat.conf");
  ASSERT_TRUE(m.Ldconfig());
  EXPECT_FALSE(FindFinding(m.Run(), "driver.compat_libcuda_older"));
}

}  // namespace
}  // namespace dlenv::rules
