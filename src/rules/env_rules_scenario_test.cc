// The environment findings end to end: the real binary reads a fixture machine under
// --root (no interpreter, no driver) and reports them; a healthy twin stays silent.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "model/json.h"
#include "rules/framework_rules_findings_check.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

void DistInfo(const testing::TempTree& t, const std::string& site, const std::string& name,
              const std::string& version, const std::string& installer,
              const std::string& extra_headers = "") {
  std::string dir = site + "/" + name + "-" + version + ".dist-info/";
  t.Write(dir + "METADATA",
          "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n" + extra_headers);
  t.Write(dir + "INSTALLER", installer + "\n");
}

// A miniforge install: base holds torch; env "dl" has conda's pytorch with pip's torch on
// top of it, NumPy 2 beside torch 2.2, and a requirement left unmet.
void WriteScenario(const testing::TempTree& t, bool healthy) {
  const std::string base = "/home/u/miniforge3", dl = base + "/envs/dl";
  t.MakeDir(base + "/condabin");
  t.Write(base + "/conda-meta/python-3.11.7-h1.json",
          R"({"name":"python","version":"3.11.7","build":"h1"})");
  t.Write(dl + "/conda-meta/python-3.11.7-h1.json",
          R"({"name":"python","version":"3.11.7","build":"h1"})");
  const std::string base_site = base + "/lib/python3.11/site-packages",
                    site = dl + "/lib/python3.11/site-packages";
  t.MakeDir(base_site);
  DistInfo(t, base_site, "requests", "2.31.0", "conda");
  DistInfo(t, site, "numpy", healthy ? "1.26.4" : "2.0.1", "pip");
  DistInfo(t, site, "filelock", "3.13.1", "pip");
  DistInfo(t, site, "torch", healthy ? "2.1.0" : "2.2.2", healthy ? "conda" : "pip",
           healthy ? "Requires-Dist: filelock\n"
                   : "Requires-Dist: filelock\nRequires-Dist: sympy>=1.12\n");
  t.Write(dl + "/conda-meta/pytorch-2.1.0-py3.11_cuda12.1_0.json",
          R"({"name":"pytorch","version":"2.1.0","build":"py3.11_cuda12.1_0","channel":"pytorch",)"
          R"("files":["lib/python3.11/site-packages/torch-2.1.0.dist-info/METADATA"]})");
  if (!healthy) DistInfo(t, base_site, "jax", "0.4.30", "pip");
}

std::set<std::string> FindingIds(const testing::TempTree& t) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  opts.env = std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}, {"HOME", "/home/u"}};
  auto res = util::RunCommand(
      {DLENV_BINARY, "doctor", "--json", "--root", t.path().string(), "--no-host-driver"}, opts);
  EXPECT_EQ(res.outcome, util::ChildResult::Outcome::kExited) << res.Describe() << res.err;
  std::set<std::string> ids;
  auto doc = nlohmann::json::parse(res.out, nullptr, false);
  EXPECT_TRUE(doc.is_object()) << res.out.substr(0, 500) << res.err;
  if (!doc.is_object()) return ids;
  EXPECT_EQ(doc["python_envs"].size(), 2u) << doc["python_envs"].dump().substr(0, 500);
  std::vector<model::Finding> all;
  for (const auto& f : doc["findings"]) all.push_back(f.get<model::Finding>());
  ExpectComparisonsComplete(all);
  for (const auto& f : doc["findings"]) {
    std::string id = f["id"];
    if (id.rfind("env.", 0) == 0) ids.insert(id);
  }
  return ids;
}

TEST(EnvRulesScenario, BrokenCondaMachineRaisesEveryEnvFinding) {
  testing::TempTree t;
  WriteScenario(t, /*healthy=*/false);
  EXPECT_EQ(FindingIds(t), (std::set<std::string>{"env.base_env", "env.broken_requirements",
                                                  "env.mixed_installers", "env.numpy_abi"}));
}

TEST(EnvRulesScenario, HealthyCondaMachineIsSilent) {
  testing::TempTree t;
  WriteScenario(t, /*healthy=*/true);
  EXPECT_TRUE(FindingIds(t).empty());
}

}  // namespace
}  // namespace dlenv::rules
