// End to end on this machine's Debian Python: `dlenv lock --python /usr/bin/python3` records
// which dpkg package owns each distribution, and `dlenv recipe` pins them with apt-get on
// the lock's own image. dpkg-query is the oracle for the versions, and the apt-get line the
// Dockerfile prints is run here (simulated: apt-get -s resolves it against the archive's
// package lists, installing nothing).

#include <gtest/gtest.h>

#include <filesystem>

#include "lock/check.h"
#include "lock/lock.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::lock {
namespace {

namespace fs = std::filesystem;

util::ChildResult RunChild(const std::vector<std::string>& argv, int seconds = 300) {
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.deadline = std::chrono::seconds(seconds);
  return util::RunCommand(argv, options);
}

// `dlenv lock --python /usr/bin/python3 -o PATH`, read back; the error says what failed.
ReadResult LockSystemPython(const fs::path& lock_path) {
  auto locked =
      RunChild({DLENV_BINARY, "lock", "--python", "/usr/bin/python3", "-o", lock_path.string()});
  if (locked.exit_code != 0) {
    ReadResult failed;
    failed.error = "dlenv lock: " + locked.Describe() + "\n" + locked.out + locked.err;
    return failed;
  }
  return ParseLock(dlenv::testing::ReadAll(lock_path), lock_path.string());
}

// Whether apt-get can simulate an install: it has the archive's package lists.
bool AptHasPackageLists() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/var/lib/apt/lists",
                                              fs::directory_options::skip_permission_denied, ec)) {
    if (e.path().filename().string().find("_Packages") != std::string::npos) return true;
  }
  return false;
}

// The `apt-get install ...` command of a Dockerfile RUN instruction, continuation lines
// joined, up to the next `&&`: the words after "install".
std::vector<std::string> AptInstallWords(const std::string& dockerfile) {
  std::string joined;
  for (auto line : util::Lines(dockerfile)) {
    std::string_view l = util::Trim(line);
    if (!l.empty() && l.back() == '\\') {
      joined += std::string(l.substr(0, l.size() - 1)) + " ";
    } else {
      joined += std::string(l) + "\n";
    }
  }
  auto at = joined.find("apt-get install ");
  if (at == std::string::npos) return {};
  std::string rest = joined.substr(at + 16);
  rest = rest.substr(0, std::min(rest.find("&&"), rest.find('\n')));
  return util::Split(rest, ' ');
}

TEST(RecipeDistroTest, DebianPythonWithPython3TorchIsRebuiltWithPinnedAptPackages) {
  auto torch = RunChild({"dpkg-query", "-W", "-f", "${Version}", "python3-torch"});
  if (!torch.ok() || torch.out.empty()) DLENV_SKIP_OR_FAIL("python3-torch is not installed here");
  if (!fs::exists("/usr/bin/python3")) DLENV_SKIP_OR_FAIL("no /usr/bin/python3");
  dlenv::testing::TempTree tmp;
  auto lock_path = tmp / "system.lock";
  auto read = LockSystemPython(lock_path);
  ASSERT_TRUE(read.lock && read.lock->python) << read.error;
  const LockedPackage* locked_torch = nullptr;
  for (const auto& p : read.lock->python->packages) {
    if (p.name == "torch") locked_torch = &p;
    // Every package of Debian's dist-packages is some dpkg package's, with dpkg's version.
    if (p.distro_package) {
      auto v = RunChild({"dpkg-query", "-W", "-f", "${Version}", *p.distro_package});
      EXPECT_EQ(p.distro_version, v.out) << p.name;
    }
  }
  ASSERT_TRUE(locked_torch);
  EXPECT_EQ(locked_torch->distro_package, "python3-torch");
  EXPECT_EQ(locked_torch->distro_version, torch.out);

  auto recipe = RunChild(
      {DLENV_BINARY, "recipe", "--lock", lock_path.string(), "-o", (tmp / "out").string()});
  ASSERT_EQ(recipe.exit_code, 0) << recipe.out << recipe.err;
  std::string docker = dlenv::testing::ReadAll(tmp / "out/Dockerfile");
  EXPECT_NE(docker.find("\nFROM debian:12\n"), std::string::npos) << docker;
  std::vector<std::string> words = AptInstallWords(docker);
  std::string pin = "python3-torch=" + torch.out;
  EXPECT_NE(std::find(words.begin(), words.end(), pin), words.end()) << docker;

  if (!AptHasPackageLists())
    DLENV_SKIP_OR_FAIL(
        "no apt package lists here (apt-get update has not run): the line is not simulated");
  // The Dockerfile's own words, with -s: apt resolves every pinned version against the archive.
  std::vector<std::string> argv = {"apt-get", "install", "-s"};
  argv.insert(argv.end(), words.begin(), words.end());
  auto simulated = RunChild(argv);
  EXPECT_TRUE(simulated.ok()) << util::Join(argv, " ") << "\n" << simulated.out << simulated.err;
}

TEST(RecipeDistroTest, CheckFixesADistroPackageWithTheLocksAptVersion) {
  auto numpy = RunChild({"dpkg-query", "-W", "-f", "${Version}", "python3-numpy"});
  if (!numpy.ok() || numpy.out.empty()) DLENV_SKIP_OR_FAIL("python3-numpy is not installed here");
  dlenv::testing::TempTree tmp;
  auto lock_path = tmp / "system.lock";
  auto read = LockSystemPython(lock_path);
  ASSERT_TRUE(read.lock && read.lock->python) << read.error;
  // This machine as another Debian revision of python3-numpy would be.
  Lock here = *read.lock;
  bool changed = false;
  for (auto& p : here.python->packages) {
    if (p.distro_package == "python3-numpy") {
      p.distro_version = *p.distro_version + "+local1";
      changed = true;
    }
  }
  ASSERT_TRUE(changed);
  auto findings = CheckAgainstLock(*read.lock, here, lock_path.string());
  std::string fix;
  for (const auto& f : findings) {
    if (f.title.find("numpy") != std::string::npos) fix = f.fix;
  }
  ASSERT_EQ(fix, "apt-get install 'python3-numpy=" + numpy.out + "'");
  // The fix as printed, simulated (-s): apt resolves the lock's exact version.
  if (!AptHasPackageLists())
    DLENV_SKIP_OR_FAIL("no apt package lists here: the fix is not simulated");
  std::string simulate = "apt-get install -s " + fix.substr(std::string("apt-get install ").size());
  auto run = RunChild({"/bin/sh", "-c", simulate});
  EXPECT_TRUE(run.ok()) << simulate << "\n" << run.out << run.err;
}

}  // namespace
}  // namespace dlenv::lock
