#include "probe/python_arg.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/temp_tree.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

void MakeExecutable(const fs::path& p) {
  fs::permissions(p, fs::perms::owner_all, fs::perm_options::add);
}

TEST(PythonArg, AnExecutableFileIsTheInterpreter) {
  testing::TempTree t;
  MakeExecutable(t.Write("/env/bin/python", "#!/bin/sh\n"));
  util::RootFs host;
  auto r = ResolvePythonArg(host, util::Environment(), (t / "/env/bin/python").string());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (t / "/env/bin/python").string());
}

TEST(PythonArg, APrefixResolvesToItsInterpreter) {
  testing::TempTree t;
  MakeExecutable(t.Write("/venv/bin/python", "#!/bin/sh\n"));
  t.Write("/venv/pyvenv.cfg", "home = /usr/bin\n");
  auto r = ResolvePythonArg(util::RootFs(), util::Environment(), (t / "/venv").string());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (t / "/venv/bin/python").string());
  // A conda prefix whose interpreter is missing is still an environment (its records count).
  t.MakeDir("/conda/conda-meta");
  EXPECT_EQ(ResolvePythonArg(util::RootFs(), util::Environment(), (t / "/conda").string()),
            (t / "/conda").string());
}

TEST(PythonArg, AnythingElseIsRejected) {
  testing::TempTree t;
  t.Write("/data/notes.txt", "not a python\n");  // a file, but not executable
  t.MakeDir("/empty");
  util::RootFs host;
  util::Environment env;
  EXPECT_FALSE(ResolvePythonArg(host, env, "/nonexistent"));
  EXPECT_FALSE(ResolvePythonArg(host, env, ""));
  EXPECT_FALSE(ResolvePythonArg(host, env, (t / "/data/notes.txt").string()));
  EXPECT_FALSE(ResolvePythonArg(host, env, (t / "/empty").string()));
  EXPECT_FALSE(ResolvePythonArg(host, env, "no-such-python-anywhere"));
  EXPECT_EQ(PythonArgError("/nonexistent"),
            "--python /nonexistent: not a Python interpreter or environment");
}

TEST(PythonArg, ABareNameIsLookedUpInPath) {
  testing::TempTree t;
  MakeExecutable(t.Write("/bin/python3.99", "#!/bin/sh\n"));
  util::Environment env({{"PATH", "/no/such/dir:" + (t / "/bin").string()}});
  EXPECT_EQ(ResolvePythonArg(util::RootFs(), env, "python3.99"), (t / "/bin/python3.99").string());
}

TEST(PythonArg, ReadInsideTheRoot) {
  testing::TempTree t;
  MakeExecutable(t.Write("/opt/venv/bin/python", "#!/bin/sh\n"));
  util::RootFs root(t.path());
  EXPECT_EQ(ResolvePythonArg(root, util::Environment(), "/opt/venv"), "/opt/venv/bin/python");
  EXPECT_FALSE(ResolvePythonArg(root, util::Environment(), "/opt/other"));
}

}  // namespace
}  // namespace dlenv::probe
