// `dlenv doctor` reads Python environments from their files and never starts an
// interpreter. Checked two ways on the real binary: fake python executables on PATH that
// would leave a mark if run, and (where strace is installed) every execve it makes.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// A folder of fake interpreters that append their name to `mark` when run, laid out as a
// prefix (lib/python3.11/os.py) so that doctor takes it for a real environment.
void WriteFakeInterpreters(const testing::TempTree& t, const fs::path& mark) {
  for (const char* name : {"python", "python3", "python3.11"}) {
    fs::path p =
        t.Write(std::string("/fake/bin/") + name,
                "#!/bin/sh\necho " + std::string(name) + " >> '" + mark.string() + "'\nexit 0\n");
    fs::permissions(p, fs::perms::owner_all, fs::perm_options::add);
  }
  t.Write("/fake/lib/python3.11/os.py", "");
  t.Write("/fake/lib/python3.11/site-packages/numpy-2.0.0.dist-info/METADATA",
          "Name: numpy\nVersion: 2.0.0\n");
  t.Write("/venv/pyvenv.cfg", "home = " + (t / "/fake/bin").string() + "\nversion = 3.11.2\n");
  fs::create_directories(t / "/venv/bin");
  fs::create_symlink(t / "/fake/bin/python3", t / "/venv/bin/python");
}

util::ChildOptions DoctorOptions(const testing::TempTree& t) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  opts.cwd = t.path().string();
  opts.env = std::map<std::string, std::string>{
      {"PATH", (t / "/fake/bin").string() + ":" + (t / "/venv/bin").string() + ":/usr/bin:/bin"},
      {"HOME", t.path().string()},
      {"VIRTUAL_ENV", (t / "/venv").string()}};
  return opts;
}

TEST(DoctorStartsNoInterpreter, FakePythonsOnPathAreNeverRun) {
  testing::TempTree t;
  fs::path mark = t / "/ran";
  WriteFakeInterpreters(t, mark);
  auto res = util::RunCommand(
      {DLENV_BINARY, "doctor", "--json", "--python", (t / "/venv/bin/python").string()},
      DoctorOptions(t));
  ASSERT_TRUE(res.outcome == util::ChildResult::Outcome::kExited) << res.Describe();
  // The fakes were seen (so the test is not vacuous) ...
  EXPECT_NE(res.out.find((t / "/fake").string()), std::string::npos) << res.out.substr(0, 2000);
  EXPECT_NE(res.out.find((t / "/venv").string()), std::string::npos);
  // ... and none of them ran.
  EXPECT_FALSE(fs::exists(mark)) << "ran: " << testing::ReadAll(mark);
}

TEST(DoctorStartsNoInterpreter, StraceSeesNoPythonExecve) {
  if (!fs::exists("/usr/bin/strace"))
    DLENV_SKIP_OR_FAIL("strace not installed (apt-get install strace)");
  testing::TempTree t;
  WriteFakeInterpreters(t, t / "/ran");
  fs::path log = t / "/strace.log";
  auto res = util::RunCommand({"/usr/bin/strace", "-f", "-qq", "-e", "trace=execve", "-o",
                               log.string(), DLENV_BINARY, "doctor", "--json"},
                              DoctorOptions(t));
  ASSERT_TRUE(res.outcome == util::ChildResult::Outcome::kExited) << res.Describe() << res.err;
  std::string trace = testing::ReadAll(log);
  if (trace.find("PTRACE") != std::string::npos || trace.empty()) {
    DLENV_SKIP_OR_FAIL("ptrace not permitted here: " << res.err);
  }
  int execs = 0;
  for (std::string_view line : util::Lines(trace)) {
    auto at = line.find("execve(\"");
    if (at == std::string_view::npos) continue;
    ++execs;
    // The program's file name, not the whole line: the checkout's own path may say "python".
    std::string_view path = line.substr(at + 8);
    path = path.substr(0, path.find('"'));
    std::string name = fs::path(path).filename().string();
    EXPECT_NE(name.rfind("python", 0), 0u) << line;
  }
  EXPECT_GE(execs, 1);  // at least dlenv's own start was traced
}

}  // namespace
}  // namespace dlenv::probe
