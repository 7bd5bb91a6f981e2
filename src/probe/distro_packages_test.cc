#include "probe/distro_packages.h"

#include <gtest/gtest.h>

#include "testing/temp_tree.h"

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

}  // namespace
}  // namespace dlenv::probe
