// A conda environment as conda leaves it on disk (conda-meta/*.json with channel and build,
// the dist-info folders its Python packages own, one package pip installed on top): probed,
// locked, written and read back, turned into an environment.yml that pins conda's builds.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lock/command.h"
#include "lock/lock.h"
#include "lock/recipe.h"
#include "probe/python_packages.h"
#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::lock {
namespace {

// The fields conda writes into conda-meta/<name>-<version>-<build>.json (conda 23/24),
// trimmed of checksums and paths_data; the channel is the URL with its subdir.
std::string CondaMeta(const std::string& name, const std::string& version, const std::string& build,
                      const std::string& channel, const std::vector<std::string>& files) {
  std::string subdir = channel.ends_with("noarch") ? "noarch" : "linux-64";
  nlohmann::json j = {{"build", build},
                      {"build_number", 0},
                      {"channel", channel},
                      {"constrains", nlohmann::json::array()},
                      {"depends", nlohmann::json::array()},
                      {"files", files},
                      {"fn", name + "-" + version + "-" + build + ".conda"},
                      {"license", "BSD-3-Clause"},
                      {"name", name},
                      {"requested_spec", name},
                      {"subdir", subdir},
                      {"timestamp", 1707225342954},
                      {"url", channel + "/" + name + "-" + version + "-" + build + ".conda"},
                      {"version", version}};
  return j.dump(1);
}

Lock LockCondaFixture(const dlenv::testing::TempTree& t) {
  const std::string sp = "lib/python3.11/site-packages";
  t.Write("env/conda-meta/python-3.11.7-hab00c5b_1_cpython.json",
          CondaMeta("python", "3.11.7", "hab00c5b_1_cpython",
                    "https://conda.anaconda.org/conda-forge/linux-64",
                    {"bin/python3.11", "lib/libpython3.11.so.1.0"}));
  t.Write("env/conda-meta/numpy-1.26.4-py311h64a7726_0.json",
          CondaMeta("numpy", "1.26.4", "py311h64a7726_0",
                    "https://conda.anaconda.org/conda-forge/linux-64",
                    {sp + "/numpy-1.26.4.dist-info/METADATA",
                     sp + "/numpy-1.26.4.dist-info/INSTALLER", sp + "/numpy/__init__.py"}));
  t.Write("env/conda-meta/pytorch-2.1.0-py3.11_cuda12.1_cudnn8.9.2_0.json",
          CondaMeta("pytorch", "2.1.0", "py3.11_cuda12.1_cudnn8.9.2_0",
                    "https://conda.anaconda.org/pytorch/linux-64",
                    {sp + "/torch-2.1.0.dist-info/METADATA", sp + "/torch/__init__.py"}));
  t.Write("env/conda-meta/libgcc-ng-13.2.0-h807b86a_5.json",
          CondaMeta("libgcc-ng", "13.2.0", "h807b86a_5",
                    "https://conda.anaconda.org/conda-forge/linux-64", {"lib/libgcc_s.so.1"}));
  t.Write("env/conda-meta/history", "==> 2024-02-06 <==\n");
  t.Write("env/" + sp + "/numpy-1.26.4.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\n");
  t.Write("env/" + sp + "/numpy-1.26.4.dist-info/INSTALLER", "conda\n");
  t.Write("env/" + sp + "/torch-2.1.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: torch\nVersion: 2.1.0\n");
  t.Write("env/" + sp + "/requests-2.31.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n");
  t.Write("env/" + sp + "/requests-2.31.0.dist-info/INSTALLER", "pip\n");

  probe::ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  model::Snapshot s;
  s.host.os_id = "ubuntu";
  s.host.os_version = "22.04";
  model::PythonEnv env;
  env.prefix = "/env";
  env.kind = "conda";
  env.python_version = "3.11.7";
  env.site_packages = {"/env/" + sp};
  env.packages = probe::ReadPackages(ctx, env.prefix, env.site_packages);
  model::FrameworkBuild torch;
  torch.name = torch.package = "torch";
  torch.version = "2.1.0";
  torch.cuda_build = true;
  torch.cuda_version = "12.1";
  env.frameworks.push_back(torch);
  s.python_envs.push_back(env);
  return BuildLock(s, &s.python_envs.front());
}

TEST(RecipeCondaTest, EnvironmentYmlPinsChannelVersionAndBuild) {
  dlenv::testing::TempTree t;
  Lock lock = LockCondaFixture(t);
  // Through the file format: what the recipe reads is what `dlenv lock` wrote.
  RecipeCommandOptions options;
  options.lock = t.Write("team.lock", ToJson(lock).dump(2)).string();
  options.output_dir = (t / "out").string();  // no --conda: the lock's conda packages ask for it
  model::CommandResult r = RunRecipe(options);
  ASSERT_EQ(model::ToInt(r.exit), 0) << r.error;
  EXPECT_NE(r.out.find("Wrote " + (t / "out/environment.yml").string()), std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(t / "out/requirements.txt"));

  // python3-yaml is the oracle: the document loads and says what conda-meta says.
  auto y = util::RunCommand(
      {"python3", "-c",
       "import sys, yaml, json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
       (t / "out/environment.yml").string()},
      {});
  ASSERT_TRUE(y.ok()) << y.Describe() << y.err;
  auto doc = nlohmann::json::parse(y.out);
  EXPECT_EQ(doc["channels"], nlohmann::json({"conda-forge", "pytorch"}));
  std::vector<nlohmann::json> deps(doc["dependencies"].begin(), doc["dependencies"].end());
  auto has = [&](const std::string& spec) {
    return std::find(deps.begin(), deps.end(), spec) != deps.end();
  };
  EXPECT_TRUE(has("conda-forge::python=3.11.7=hab00c5b_1_cpython")) << doc.dump(1);
  EXPECT_TRUE(has("conda-forge::numpy=1.26.4=py311h64a7726_0")) << doc.dump(1);
  EXPECT_TRUE(has("pytorch::pytorch=2.1.0=py3.11_cuda12.1_cudnn8.9.2_0")) << doc.dump(1);
  EXPECT_TRUE(has("conda-forge::libgcc-ng=13.2.0=h807b86a_5")) << doc.dump(1);
  EXPECT_FALSE(has("python=3.11.7"));  // conda's own python record says it, with its build
  ASSERT_TRUE(deps.back().is_object());
  EXPECT_EQ(deps.back()["pip"], nlohmann::json({"requests==2.31.0"}));
  std::string docker = dlenv::testing::ReadAll(t / "out/Dockerfile");
  EXPECT_NE(docker.find("conda env create -p /opt/env -f /tmp/environment.yml"), std::string::npos);
}

}  // namespace
}  // namespace dlenv::lock
