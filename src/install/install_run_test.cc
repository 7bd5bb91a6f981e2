// `dlenv install --run`: runs the printed command in that environment, then dlenv verify on
// it. Against a throwaway venv and a local wheel (pip with PIP_NO_INDEX and PIP_FIND_LINKS),
// so the test installs something real without the network.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

TEST(InstallRun, RunsThePrintedCommandThenVerify) {
  testing::TempTree tree;
  auto venv = tree / "venv";
  util::ChildOptions slow = ::dlenv::testing::ToolOptions();
  slow.deadline = std::chrono::seconds(120);
  auto made = util::RunCommand({"python3", "-m", "venv", venv.string()}, slow);
  if (!made.ok()) DLENV_SKIP_OR_FAIL("python3 -m venv failed: " << made.Describe() << made.err);
  // A minimal pure-Python wheel named jax, written with zipfile.
  auto wheels = tree.MakeDir("wheels");
  const char* script = R"(
import sys, zipfile, base64, hashlib
out = sys.argv[1] + "/jax-99.0-py3-none-any.whl"
files = {"jax/__init__.py": "__version__ = '99.0'\n",
         "jax-99.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: jax\nVersion: 99.0\n",
         "jax-99.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: dlenv-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
record = []
with zipfile.ZipFile(out, "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text)}")
    record.append("jax-99.0.dist-info/RECORD,,")
    z.writestr("jax-99.0.dist-info/RECORD", "\n".join(record) + "\n")
)";
  ASSERT_TRUE(
      util::RunCommand({"python3", "-c", script, wheels.string()}, ::dlenv::testing::ToolOptions())
          .ok());
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    env[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
  }
  env["PIP_NO_INDEX"] = "1";
  env["PIP_FIND_LINKS"] = wheels.string();
  env["PIP_CONFIG_FILE"] = "os.devnull";
  env.erase("PIP_INDEX_URL");
  env["XDG_CACHE_HOME"] = (tree / "cache").string();
  util::ChildOptions o = slow;
  o.env = env;
  std::string python = (venv / "bin/python").string();
  auto r = util::RunCommand(
      {DLENV_BINARY, "install", "jax", "--python", python, "--offline", "--run"}, o);
  std::string out = r.out + r.err;
  EXPECT_NE(out.find("Running: " + python + " -m pip install -U jax"), std::string::npos) << out;
  EXPECT_NE(out.find("Successfully installed jax-99.0"), std::string::npos) << out;
  EXPECT_NE(out.find("verify --python " + python), std::string::npos) << out;
  auto imported = util::RunCommand({python, "-c", "import jax; print(jax.__version__)"},
                                   ::dlenv::testing::ToolOptions());
  EXPECT_EQ(imported.out, "99.0\n") << imported.err;
}

}  // namespace
}  // namespace dlenv::install
