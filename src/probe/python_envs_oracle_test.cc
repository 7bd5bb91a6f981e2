// Oracle tests: dlenv's file-based inventory of real environments against what their own
// pip says. The environments come from scripts/make-test-envs.sh, found through
// DLENV_TEST_ENVS; Debian's /usr/bin/python3 (with python3-torch) is read as well.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "probe/python_envs.h"
#include "rules/pip_check.h"
#include "testing/require.h"
#include "testing/tools.h"
#include "util/pep440.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// The folder of test environments, or a skip (a failure when DLENV_REQUIRE_TEST_ENVS=1).
std::optional<fs::path> TestEnvs() {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  if (dir && fs::is_directory(fs::path(dir) / "tf")) return fs::path(dir);
  return std::nullopt;
}

#define REQUIRE_TEST_ENVS(var)                                                                 \
  auto var = TestEnvs();                                                                       \
  if (!var) {                                                                                  \
    DLENV_SKIP_OR_FAIL(                                                                        \
        "set DLENV_TEST_ENVS to a folder made by scripts/make-test-envs.sh to run this test"); \
  }

util::ChildResult RunPython(const std::string& python, std::vector<std::string> args) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(120);
  opts.cwd =
      fs::temp_directory_path().string();  // sys.path[0] is the cwd: keep it empty of dist-info
  opts.env = std::map<std::string, std::string>{
      {"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}, {"PIP_DISABLE_PIP_VERSION_CHECK", "1"}};
  args.insert(args.begin(), python);
  return util::RunCommand(args, opts);
}

model::PythonEnv Inspect(const std::string& python) {
  ProbeContext ctx;
  ctx.env = util::Environment(std::map<std::string, std::string>{{"HOME", "/root"}});
  ctx.extra_pythons = {python};
  model::Snapshot s;
  ProbePythonEnvs(ctx, s);
  EXPECT_EQ(s.python_envs.size(), 1u);
  return s.python_envs.empty() ? model::PythonEnv{} : s.python_envs[0];
}

// pip prints names verbatim and versions as packaging normalizes them.
std::set<std::pair<std::string, std::string>> Ours(const model::PythonEnv& env) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& r : env.packages) {
    if (r.shadowed || r.record_kind == "conda-meta") continue;
    auto v = util::Pep440Version::Parse(r.version);
    out.emplace(r.name, v ? v->ToString() : r.version);
  }
  return out;
}

std::set<std::pair<std::string, std::string>> PipList(const std::string& python) {
  auto res = RunPython(python, {"-m", "pip", "list", "--format=json"});
  EXPECT_TRUE(res.ok()) << python << ": " << res.Describe() << "\n" << res.err;
  std::set<std::pair<std::string, std::string>> out;
  if (!res.ok()) return out;
  for (const auto& p : nlohmann::json::parse(res.out)) out.emplace(p.at("name"), p.at("version"));
  return out;
}

std::set<std::string> PipCheckLines(const std::string& python) {
  auto res = RunPython(python, {"-m", "pip", "check"});
  std::set<std::string> out;
  for (std::string_view line : util::Lines(res.out)) {
    if (!line.empty() && line != "No broken requirements found.") out.emplace(line);
  }
  return out;
}

std::set<std::string> OurCheckLines(const model::PythonEnv& env) {
  std::set<std::string> out;
  for (const auto& b :
       rules::PipCheck(env, util::LinuxMarkerEnvironment(env.python_version.value_or("3")))) {
    out.insert(b.Line());
  }
  return out;
}

void ExpectSameAsPip(const std::string& python, std::size_t at_least) {
  model::PythonEnv env = Inspect(python);
  auto pip = PipList(python);
  EXPECT_GE(pip.size(), at_least) << python;
  EXPECT_EQ(Ours(env), pip) << python;
  EXPECT_EQ(OurCheckLines(env), PipCheckLines(python)) << python;
}

TEST(PythonEnvsOracle, TensorflowVenvEqualsPipList) {
  REQUIRE_TEST_ENVS(dir);
  ExpectSameAsPip((*dir / "tf/bin/python").string(), 30);
  model::PythonEnv env = Inspect((*dir / "tf/bin/python").string());
  EXPECT_EQ(env.kind, "venv");
  EXPECT_EQ(env.python_version,
            RunPython((*dir / "tf/bin/python").string(),
                      {"-c", "import platform; print(platform.python_version(), end='')"})
                .out);
}

TEST(PythonEnvsOracle, BrokenVenvEqualsPipCheck) {
  REQUIRE_TEST_ENVS(dir);
  std::string python = (*dir / "broken/bin/python").string();
  EXPECT_EQ(PipCheckLines(python).size(), 2u);  // the script broke two requirements
  ExpectSameAsPip(python, 3);
}

TEST(PythonEnvsOracle, SystemSiteVenvEqualsPipList) {
  REQUIRE_TEST_ENVS(dir);
  ExpectSameAsPip((*dir / "system-site/bin/python").string(), 20);
}

TEST(PythonEnvsOracle, DebianSystemPythonWithTorchEqualsPipList) {
  REQUIRE_TEST_ENVS(dir);
  ExpectSameAsPip("/usr/bin/python3", 10);
  model::PythonEnv env = Inspect("/usr/bin/python3");
  bool torch = false;
  for (const auto& r : env.packages)
    torch = torch || (r.normalized_name == "torch" && r.installer == "debian");
  EXPECT_TRUE(torch) << "python3-torch from Debian not seen";
}

// PEP 440 normalization, ordering and specifier matching against `packaging` itself.
TEST(PythonEnvsOracle, Pep440AgreesWithPackaging) {
  REQUIRE_TEST_ENVS(dir);
  std::vector<std::string> versions = {
      "1.0",         "v1.0",         "1.0-RC1",  "1.0.post",   "1.0-1",
      "2.3.1+CU121", "1!0.5",        "1.0.dev4", "1.0a1.dev2", "1.0.0",
      "1.0+abc.7",   "1.0+5",        "0.9.9.9",  "2024.1",     "1.0b2.post345.dev456",
      "3.0rc1",      "1.1.0-alpha.1"};
  std::vector<std::string> specs = {">=1.0", "<1.0", "==1.0.*", "~=1.0",
                                    "!=1.0", ">1.0", "<=2.0",   "==1.0+5"};
  nlohmann::json in = {{"versions", versions}, {"specs", specs}};
  std::string script =
      "import json,sys\nfrom packaging.version import Version\nfrom packaging.specifiers import "
      "SpecifierSet\n"
      "d=json.loads(sys.argv[1]); vs=[Version(v) for v in d['versions']]\n"
      "print(json.dumps({'norm':[str(v) for v in vs],'order':sorted(range(len(vs)),key=lambda "
      "i:(vs[i],i)),"
      "'contains':[[SpecifierSet(s).contains(v,prereleases=True) for v in vs] for s in "
      "d['specs']]}))";
  auto res = RunPython((*dir / "tf/bin/python").string(), {"-c", script, in.dump()});
  ASSERT_TRUE(res.ok()) << res.err;
  auto want = nlohmann::json::parse(res.out);
  std::vector<util::Pep440Version> vs;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    vs.push_back(*util::Pep440Version::Parse(versions[i]));
    EXPECT_EQ(vs.back().ToString(), want["norm"][i]) << versions[i];
  }
  std::vector<int> order(versions.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return vs[a] < vs[b]; });
  EXPECT_EQ(nlohmann::json(order), want["order"]);
  for (std::size_t s = 0; s < specs.size(); ++s) {
    for (std::size_t i = 0; i < versions.size(); ++i) {
      EXPECT_EQ(util::SpecifierSet::Parse(specs[s])->Contains(versions[i]),
                want["contains"][s][i].get<bool>())
          << specs[s] << " contains " << versions[i];
    }
  }
}

}  // namespace
}  // namespace dlenv::probe
