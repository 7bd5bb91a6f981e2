#include "probe/distro_packages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "probe/python_envs.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

model::PackageRecord Record(std::string name, std::string path,
                            std::optional<std::string> installer, std::string kind = "egg-info") {
  model::PackageRecord r;
  r.name = r.normalized_name = std::move(name);
  r.version = "1.0";
  r.record_path = std::move(path);
  r.record_kind = std::move(kind);
  r.installer = std::move(installer);
  return r;
}

ProbeContext FixtureContext(const testing::TempTree& t) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  return ctx;
}

constexpr const char* kStatus =
    "Package: python3-torch\nStatus: install ok installed\nArchitecture: amd64\nVersion: "
    "1.13.1+dfsg-4\n"
    "Description: x\n .\n\n"
    "Package: python3-numpy\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n"
    "Version: 1:1.24.2-1\n\n"
    "Package: python3-gone\nStatus: deinstall ok config-files\nArchitecture: all\nVersion: 0.9-1\n";

TEST(DistroPackagesTest, OwnersAndExactVersionsFromTheDpkgDatabase) {
  testing::TempTree t;
  const std::string dist = "/usr/lib/python3/dist-packages";
  t.Write("var/lib/dpkg/status", kStatus);
  t.Write("var/lib/dpkg/info/python3-torch.list",
          "/.\n/usr\n" + dist + "/torch\n" + dist + "/torch-1.13.0a0+gitunknown.egg-info\n" + dist +
              "/torch-1.13.0a0+gitunknown.egg-info/PKG-INFO\n");
  // Multi-Arch: same packages have name:arch.list; this one lists the folder under /lib
  // (merged /usr: the interpreter reports /usr/lib).
  t.Write("var/lib/dpkg/info/python3-numpy:amd64.list",
          "/lib/python3/dist-packages/numpy-1.24.2.egg-info\n");
  t.Write("var/lib/dpkg/info/python3-gone.list", dist + "/gone-0.9.egg-info\n");
  t.MakeDir("usr/lib/python3/dist-packages/torch-1.13.0a0+gitunknown.egg-info");
  t.MakeDir("usr/lib/python3/dist-packages/numpy-1.24.2.egg-info");
  t.Symlink("lib", "usr/lib");

  model::Snapshot s;
  model::PythonEnv env;
  env.packages = {
      Record("torch", dist + "/torch-1.13.0a0+gitunknown.egg-info", "debian"),
      Record("numpy", dist + "/numpy-1.24.2.egg-info", std::nullopt),
      Record("gone", dist + "/gone-0.9.egg-info", "debian"),
      // pip's own record of the same name elsewhere is never the distribution's
      Record("torch", "/usr/local/lib/python3.11/dist-packages/torch-1.13.0a0+gitunknown.egg-info",
             "pip"),
      Record("requests", dist + "/requests-2.28.1.egg-info", "debian")};
  s.python_envs.push_back(env);
  ProbeDistroPackages(FixtureContext(t), s);
  const auto& p = s.python_envs[0].packages;
  EXPECT_EQ(p[0].distro_package, "python3-torch");
  EXPECT_EQ(p[0].distro_version, "1.13.1+dfsg-4");
  EXPECT_EQ(p[1].distro_package, "python3-numpy");
  EXPECT_EQ(p[1].distro_version, "1:1.24.2-1");
  EXPECT_FALSE(p[2].distro_package) << "a package in config-files state owns nothing";
  EXPECT_FALSE(p[3].distro_package);
  EXPECT_FALSE(p[4].distro_package) << "no .list names it";
}

TEST(DistroPackagesTest, NoDatabaseOrDamagedOneLeavesRecordsAlone) {
  testing::TempTree t;
  model::Snapshot s;
  model::PythonEnv env;
  env.packages = {Record("torch", "/usr/lib/python3/dist-packages/torch-1.0.egg-info", "debian")};
  s.python_envs.push_back(env);
  ProbeDistroPackages(FixtureContext(t), s);
  EXPECT_FALSE(s.python_envs[0].packages[0].distro_package);

  t.Write("var/lib/dpkg/status", std::string(4096, '\xff'));
  t.MakeDir("var/lib/dpkg/info/python3-torch.list");  // a folder where a file should be
  t.Write("var/lib/dpkg/info/:.list", "/usr/lib/python3/dist-packages/torch-1.0.egg-info\n");
  ProbeDistroPackages(FixtureContext(t), s);
  EXPECT_FALSE(s.python_envs[0].packages[0].distro_package);
}

// The packages that can hold Python code are read first; a record none of them owns (an
// interpreter bundled by a package that depends on no Python, like google-cloud-cli) is still
// found in the other lists, as `dpkg -S` would find it.
TEST(DistroPackagesTest, PythonPackagesFirstThenEveryOtherList) {
  testing::TempTree t;
  const std::string dist = "/usr/lib/python3/dist-packages";
  const std::string bundled = "/usr/lib/cloud-sdk/python/lib/python3.12/site-packages";
  t.Write(
      "var/lib/dpkg/status",
      "Package: cloud-cli\nStatus: install ok installed\nArchitecture: amd64\nVersion: 500.0-0\n"
      "Depends: libc6\n\n"
      "Package: yq\nStatus: install ok installed\nArchitecture: all\nVersion: 3.1.0-3\n"
      "Depends: jq, python3-yaml, python3:any\n\n"
      "Package: perf-tools\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.1-1\n"
      "Pre-Depends: libc6\nDepends: libpython3.11 (>= 3.11.0)\n\n"
      "Package: aaa-shares-the-folder\nStatus: install ok installed\nArchitecture: all\n"
      "Version: 1-1\n");
  t.Write("var/lib/dpkg/info/cloud-cli.list",
          bundled + "\n" + bundled + "/grpcio-1.71.0.dist-info\n");
  t.Write("var/lib/dpkg/info/yq.list", dist + "/yq-3.1.0.egg-info\n");
  t.Write("var/lib/dpkg/info/perf-tools.list", dist + "/perf-0.1.egg-info\n");
  t.Write("var/lib/dpkg/info/aaa-shares-the-folder.list", dist + "/yq-3.1.0.egg-info\n");
  model::Snapshot s;
  model::PythonEnv env;
  env.packages = {
      Record("yq", dist + "/yq-3.1.0.egg-info", "debian"),
      Record("perf", dist + "/perf-0.1.egg-info", "debian"),
      Record("grpcio", bundled + "/grpcio-1.71.0.dist-info", std::nullopt, "dist-info")};
  s.python_envs.push_back(env);
  ProbeDistroPackages(FixtureContext(t), s);
  const auto& p = s.python_envs[0].packages;
  EXPECT_EQ(p[0].distro_package, "yq") << "a package that depends on python3 is read first";
  EXPECT_EQ(p[1].distro_package, "perf-tools") << "libpython3.11 is Python's too";
  EXPECT_EQ(p[2].distro_package, "cloud-cli");
  EXPECT_EQ(p[2].distro_version, "500.0-0");
}

// dpkg itself is the oracle: every distribution record of this machine's Debian Python
// (and of every other interpreter the probe finds) gets the package `dpkg -S` names, and
// that package's version from dpkg-query; a record dpkg does not know gets none.
TEST(DistroPackagesTest, OwnersAgreeWithDpkgSearchOnThisMachine) {
  namespace fs = std::filesystem;
  if (!fs::exists("/var/lib/dpkg/status") || !fs::exists("/usr/bin/python3")) {
    GTEST_SKIP() << "no dpkg database or no /usr/bin/python3 here";
  }
  ProbeContext ctx;
  ctx.env = util::Environment(std::map<std::string, std::string>{{"HOME", "/root"}});
  ctx.extra_pythons = {"/usr/bin/python3"};
  model::Snapshot s;
  ProbePythonEnvs(ctx, s);
  ProbeDistroPackages(ctx, s);

  std::vector<std::string> argv = {"dpkg", "-S"};
  std::vector<const model::PackageRecord*> records;
  for (const auto& env : s.python_envs) {
    for (const auto& r : env.packages) {
      if ((r.record_kind == "dist-info" || r.record_kind == "egg-info") &&
          (!r.installer || *r.installer == "debian")) {
        records.push_back(&r);
        argv.push_back(r.record_path);
      }
    }
  }
  ASSERT_GT(records.size(), 5u) << "Debian's python3 has more than a few packages here";
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.deadline = std::chrono::seconds(120);
  // Exit 1 when some path is no package's: those are missing from the output.
  auto search = util::RunCommand(argv, options);
  ASSERT_TRUE(search.exit_code == 0 || search.exit_code == 1) << search.Describe() << search.err;
  std::map<std::string, std::set<std::string>> owners;  // path -> packages, as dpkg -S prints
  for (std::string_view line : util::Lines(search.out)) {
    auto sep = line.rfind(": ");
    if (sep == std::string_view::npos) continue;
    for (std::string pkg : util::Split(line.substr(0, sep), ',')) {
      pkg = std::string(util::Trim(pkg));
      owners[std::string(line.substr(sep + 2))].insert(pkg.substr(0, pkg.find(':')));
    }
  }
  std::vector<std::string> query = {"dpkg-query", "-W", "-f", "${Package} ${Version}\\n"};
  for (const model::PackageRecord* r : records) {
    auto it = owners.find(r->record_path);
    if (it == owners.end()) {
      EXPECT_FALSE(r->distro_package) << r->record_path << " is no package's for dpkg -S";
      continue;
    }
    ASSERT_TRUE(r->distro_package) << r->record_path << ": dpkg -S says " << *it->second.begin();
    EXPECT_TRUE(it->second.count(*r->distro_package))
        << r->record_path << ": " << *r->distro_package;
    query.push_back(*r->distro_package);
  }
  ASSERT_GT(query.size(), 4u + 5u) << "python3's own packages are dpkg's";
  auto versions = util::RunCommand(query, options);
  ASSERT_TRUE(versions.ok()) << versions.Describe() << versions.err;
  std::map<std::string, std::string> version_of;
  for (std::string_view line : util::Lines(versions.out)) {
    auto space = line.find(' ');
    if (space != std::string_view::npos) {
      version_of[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
    }
  }
  for (const model::PackageRecord* r : records) {
    if (!r->distro_package) continue;
    EXPECT_EQ(r->distro_version, version_of[*r->distro_package]) << *r->distro_package;
  }
}

}  // namespace
}  // namespace dlenv::probe
