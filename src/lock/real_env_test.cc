// End-to-end tests on real virtual environments that the test builds with the system's
// python3 and pip (PyPI must be reachable): lock, recipe, reinstall, lock again, diff.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lock/lock.h"
#include "lock/test_locks.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::lock {
namespace {

namespace fs = std::filesystem;

util::ChildResult RunChild(const std::vector<std::string>& argv, int seconds = 600) {
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.deadline = std::chrono::seconds(seconds);
  return util::RunCommand(argv, options);
}

util::ChildResult Dlenv(std::vector<std::string> args) {
  args.insert(args.begin(), DLENV_BINARY);
  return RunChild(args, 120);
}

// A venv made by the system interpreter, with `packages` pip-installed (or a requirements file).
fs::path MakeVenv(const fs::path& dir, const std::vector<std::string>& pip_args) {
  auto made = RunChild({"/usr/bin/python3", "-m", "venv", dir.string()});
  EXPECT_TRUE(made.ok()) << made.Describe() << made.err;
  if (!pip_args.empty()) {
    std::vector<std::string> argv = {(dir / "bin/python").string(), "-m", "pip", "install", "-q",
                                     "--disable-pip-version-check"};
    argv.insert(argv.end(), pip_args.begin(), pip_args.end());
    auto installed = RunChild(argv);
    EXPECT_TRUE(installed.ok()) << installed.Describe() << installed.err;
  }
  return dir / "bin/python";
}

Lock ReadLockFile(const fs::path& p) {
  auto r = ParseLock(dlenv::testing::ReadAll(p), p.string());
  EXPECT_TRUE(r.lock) << r.error;
  return r.lock ? *r.lock : Lock{};
}

TEST(RealEnvTest, LockRecipeReinstallLockAgainGivesNoDifference) {
  dlenv::testing::TempTree tmp;
  fs::path py_a = MakeVenv(tmp / "a", {"requests==2.31.0", "six==1.16.0", "packaging==24.0"});
  auto locked = Dlenv({"lock", "--python", py_a.string(), "-o", (tmp / "a.lock").string()});
  ASSERT_EQ(locked.exit_code, 0) << locked.out << locked.err;
  Lock a = ReadLockFile(tmp / "a.lock");
  ASSERT_TRUE(a.python);

  // Oracle: pip's own list of what is installed.
  auto pip_list = RunChild(
      {py_a.string(), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"});
  ASSERT_TRUE(pip_list.ok()) << pip_list.err;
  std::map<std::string, std::string> pip_versions;
  for (const auto& p : nlohmann::json::parse(pip_list.out)) {
    std::string name = p["name"].get<std::string>();
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::replace(name.begin(), name.end(), '_', '-');
    pip_versions[name] = p["version"].get<std::string>();
  }
  std::map<std::string, std::string> locked_versions;
  for (const auto& p : a.python->packages) locked_versions[p.name] = p.version;
  EXPECT_EQ(locked_versions, pip_versions);
  EXPECT_EQ(locked_versions["requests"], "2.31.0");

  auto recipe =
      Dlenv({"recipe", "--lock", (tmp / "a.lock").string(), "-o", (tmp / "recipe").string()});
  ASSERT_EQ(recipe.exit_code, 0) << recipe.out << recipe.err;
  std::string req = dlenv::testing::ReadAll(tmp / "recipe/requirements.txt");
  EXPECT_NE(req.find("\nrequests==2.31.0\n"), std::string::npos) << req;

  fs::path py_b = MakeVenv(tmp / "b", {"-r", (tmp / "recipe/requirements.txt").string()});
  ASSERT_EQ(Dlenv({"lock", "--python", py_b.string(), "-o", (tmp / "b.lock").string()}).exit_code,
            0);
  Lock b = ReadLockFile(tmp / "b.lock");

  auto diff = Dlenv({"diff", (tmp / "a.lock").string(), (tmp / "b.lock").string()});
  EXPECT_EQ(diff.exit_code, 0) << diff.out << diff.err;
  EXPECT_NE(diff.out.find("No differences"), std::string::npos) << diff.out;
  EXPECT_EQ(a.content_hash, b.content_hash);
  auto check = Dlenv({"check", "--lock", (tmp / "a.lock").string(), "--python", py_b.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(RealEnvTest, NumpyMajorDriftIsBreakingAndFailsCheck) {
  dlenv::testing::TempTree tmp;
  fs::path py1 = MakeVenv(tmp / "np1", {"numpy==1.26.4"});
  fs::path py2 = MakeVenv(tmp / "np2", {"numpy==2.1.3"});
  ASSERT_EQ(Dlenv({"lock", "--python", py1.string(), "-o", (tmp / "np1.lock").string()}).exit_code,
            0);
  ASSERT_EQ(Dlenv({"lock", "--python", py2.string(), "-o", (tmp / "np2.lock").string()}).exit_code,
            0);

  auto diff = Dlenv({"diff", "--json", (tmp / "np1.lock").string(), (tmp / "np2.lock").string()});
  EXPECT_EQ(diff.exit_code, 1) << diff.err;
  auto j = nlohmann::json::parse(diff.out);
  ASSERT_GE(j["changes"].size(), 1u) << diff.out;
  EXPECT_EQ(j["changes"][0]["item"], "numpy");
  EXPECT_EQ(j["changes"][0]["kind"], "upgraded");
  EXPECT_EQ(j["changes"][0]["impact"], "breaking");
  EXPECT_EQ(j["changes"][0]["from"], "1.26.4");
  EXPECT_EQ(j["changes"][0]["to"], "2.1.3");

  auto check = Dlenv({"check", "--lock", (tmp / "np1.lock").string(), "--python", py2.string()});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE(check.out.find("lock.breaking_drift"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("python -m pip install 'numpy==1.26.4'"), std::string::npos)
      << check.out;
  auto same = Dlenv({"check", "--lock", (tmp / "np1.lock").string(), "--python", py1.string()});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
}

// Debian has no Dockerfile parser or linter (hadolint is not packaged, python3-dockerfile-parse
// neither); dockerfile-parse from PyPI, in a venv of its own, is the oracle.
TEST(RealEnvTest, GeneratedDockerfilesParse) {
  dlenv::testing::TempTree tmp;
  fs::path py = MakeVenv(tmp / "tools", {"dockerfile-parse==2.0.1"});
  struct Case {
    Lock lock;
    bool jupyter, ssh, conda;
    std::string expected_from;
  };
  Lock cpu = testing::GpuMachineLock();
  cpu.python->frameworks.clear();
  std::erase_if(cpu.python->packages,
                [](auto& p) { return p.name == "torch" || p.name.starts_with("nvidia"); });
  cpu.toolkits.clear();
  cpu.cuda_libraries.clear();
  cpu.host.os_id = "debian";
  cpu.host.os_version = "12";
  cpu.python->version = "3.11.2";
  std::vector<Case> cases = {
      {testing::GpuMachineLock(), false, false, false,
       "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04"},
      {testing::GpuMachineLock(), true, true, false,
       "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04"},
      {testing::GpuMachineLock(), true, false, true,
       "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04"},
      {testing::Rehash(cpu), false, true, false, "debian:12"},
  };
  const std::string script = R"(
import json, sys
from dockerfile_parse import DockerfileParser
p = DockerfileParser(path=sys.argv[1])
known = {"FROM", "LABEL", "ENV", "RUN", "COPY", "EXPOSE", "WORKDIR", "CMD"}
out = {"baseimage": p.baseimage, "unknown": [], "cmd": None, "labels": p.labels}
for i in p.structure:
    if i["instruction"] not in known and i["instruction"] != "COMMENT":
        out["unknown"].append(i["instruction"])
    if i["instruction"] == "CMD":
        out["cmd"] = json.loads(i["value"])
print(json.dumps(out))
)";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    fs::path dir = tmp / ("recipe" + std::to_string(i));
    auto lock_file = tmp.Write("case" + std::to_string(i) + ".lock", ToJson(c.lock).dump(2));
    std::vector<std::string> args = {"recipe", "--lock", lock_file.string(), "-o", dir.string()};
    if (c.jupyter) args.push_back("--jupyter");
    if (c.ssh) args.push_back("--ssh");
    if (c.conda) args.push_back("--conda");
    auto r = Dlenv(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto parsed = RunChild({py.string(), "-c", script, (dir / "Dockerfile").string()});
    ASSERT_TRUE(parsed.ok()) << parsed.err;
    auto j = nlohmann::json::parse(parsed.out);
    EXPECT_EQ(j["baseimage"], c.expected_from) << "case " << i;
    EXPECT_TRUE(j["unknown"].empty()) << j.dump();
    EXPECT_TRUE(j["cmd"].is_array()) << "case " << i << ": CMD must be exec form, " << j.dump();
    EXPECT_EQ(j["labels"]["dlenv.lock.hash"], c.lock.content_hash);
    EXPECT_TRUE(fs::exists(dir / (c.conda ? "environment.yml" : "requirements.txt")));
  }
}

}  // namespace
}  // namespace dlenv::lock
