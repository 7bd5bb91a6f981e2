// NVIDIA wheels against each other, on fixture trees shaped like pip's installs: two dist-info
// folders whose RECORD lists nvidia/<name>/lib/<soname>, holding the versioned fixtures of
// fuzz/corpus/elf_symbols (a user linked against a provider whose exports carry the version node
// "libprov.so.1", as libcusparse.so.12 and libnvJitLink.so.12 do). The real wheels are in
// nvidia_wheels_real_test.cc.

#include "probe/nvidia_wheels.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "rules/extension_rules.h"
#include "testing/temp_tree.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(DLENV_SOURCE_DIR) / "fuzz/corpus/elf_symbols";
constexpr const char* kSite = "/venv/lib/python3.11/site-packages";

/// A wheel named `name` whose one library `soname` is a copy of the fixture `object`.
model::PackageRecord Wheel(const dlenv::testing::TempTree& tree, const std::string& name,
                           const std::string& version, const std::string& folder,
                           const std::string& soname, const std::string& object) {
  const std::string site = kSite;
  const std::string dist = site + "/" + name + "-" + version + ".dist-info";
  const std::string rel = "nvidia/" + folder + "/lib/" + soname;
  tree.Write(dist + "/RECORD", "nvidia/" + folder + "/__init__.py,,\n" + rel + ",sha256=x,1\n" +
                                   name + "-" + version + ".dist-info/RECORD,,\n");
  tree.MakeDir(site + "/nvidia/" + folder + "/lib");
  fs::copy_file(kCorpus / object, tree / (site + "/" + rel));
  model::PackageRecord p;
  p.name = name;
  p.normalized_name = name;
  p.version = version;
  p.record_kind = "dist-info";
  p.record_path = (tree / dist).string();
  return p;
}

model::PythonEnv Env(const dlenv::testing::TempTree& tree, const std::string& provider_object) {
  model::PythonEnv env;
  env.prefix = (tree / "/venv").string();
  env.site_packages = {(tree / kSite).string()};
  env.packages.push_back(
      Wheel(tree, "nvidia-user-cu12", "12.5.1", "user", "libuser.so.1", "versioned-user.so"));
  env.packages.push_back(
      Wheel(tree, "nvidia-prov-cu12", "12.1.105", "prov", "libprov.so.1", provider_object));
  return env;
}

TEST(NvidiaWheels, AnOlderProviderLacksTheVersionedSymbols) {
  dlenv::testing::TempTree tree;
  auto env = Env(tree, "versioned-provider-old.so");
  ProbeContext ctx;
  auto gaps = ReadNvidiaLibraryGaps(ctx, env);
  ASSERT_EQ(gaps.size(), 1u);
  const auto& g = gaps[0];
  EXPECT_EQ(g.package, "nvidia-user-cu12");
  EXPECT_EQ(g.needed, "libprov.so.1");
  EXPECT_EQ(g.provider_package, "nvidia-prov-cu12");
  EXPECT_EQ(g.provider_version, "12.1.105");
  EXPECT_EQ(g.asked, 2);  // nvjl_add_12_1 and nvjl_add_12_5; puts is libc's
  EXPECT_EQ(g.missing_count, 1);
  EXPECT_EQ(g.missing_symbols, std::vector<std::string>{"nvjl_add_12_5"});
  EXPECT_TRUE(g.library.ends_with("nvidia/user/lib/libuser.so.1")) << g.library;

  model::Snapshot snapshot;
  snapshot.python_envs.push_back(env);
  snapshot.python_envs.back().nvidia_library_gaps = gaps;
  std::vector<model::Finding> findings;
  rules::CheckNvidiaLibraryGaps(snapshot, {}, findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "env.nvidia_wheels_mismatched");
  EXPECT_EQ(findings[0].severity, model::Severity::kError);
  // The CUDA release the missing name carries (_12_5) is the floor of the fix.
  EXPECT_EQ(findings[0].fix, env.Interpreter() + " -m pip install 'nvidia-prov-cu12>=12.5'");
  EXPECT_NE(findings[0].evidence.find("undefined symbol: nvjl_add_12_5, version libprov.so.1"),
            std::string::npos)
      << findings[0].evidence;

  // A framework that pins the provider exactly: its pin, when it is new enough.
  model::PackageRecord torch;
  torch.name = torch.normalized_name = "torch";
  torch.version = "2.6.0";
  torch.requires_dist = {"nvidia-prov-cu12==12.6.77; platform_system == \"Linux\""};
  snapshot.python_envs.back().packages.push_back(torch);
  findings.clear();
  rules::CheckNvidiaLibraryGaps(snapshot, {}, findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].fix, env.Interpreter() + " -m pip install 'nvidia-prov-cu12==12.6.77'");
  // ... and not when the pin is older than what the library needs.
  snapshot.python_envs.back().packages.back().requires_dist = {"nvidia-prov-cu12==12.4.127"};
  findings.clear();
  rules::CheckNvidiaLibraryGaps(snapshot, {}, findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].fix, env.Interpreter() + " -m pip install 'nvidia-prov-cu12>=12.5'");
}

TEST(NvidiaWheels, AProviderOfTheSameReleaseOrNewerIsSilent) {
  dlenv::testing::TempTree tree;
  auto env = Env(tree, "versioned-provider-new.so");
  ProbeContext ctx;
  EXPECT_TRUE(ReadNvidiaLibraryGaps(ctx, env).empty());
}

TEST(NvidiaWheels, BrokenAndMissingLibrariesAreSkippedNotFatal) {
  dlenv::testing::TempTree tree;
  auto env = Env(tree, "versioned-provider-old.so");
  // The provider truncated to its first 100 bytes, then gone altogether.
  const fs::path provider = tree / (std::string(kSite) + "/nvidia/prov/lib/libprov.so.1");
  fs::resize_file(provider, 100);
  ProbeContext ctx;
  EXPECT_TRUE(ReadNvidiaLibraryGaps(ctx, env).empty());
  fs::remove(provider);
  EXPECT_TRUE(ReadNvidiaLibraryGaps(ctx, env).empty());
  // A RECORD that names a path outside the environment is not followed.
  tree.Write(std::string(kSite) + "/nvidia-user-cu12-12.5.1.dist-info/RECORD",
             "../../../../etc/libuser.so.1,,\n");
  EXPECT_TRUE(ReadNvidiaLibraryGaps(ctx, env).empty());
}

}  // namespace
}  // namespace dlenv::probe
