#include "lock/lock.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "lock/sha256.h"
#include "lock/test_locks.h"
#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::lock {
namespace {

using testing::FindPackage;
using testing::GpuMachineLock;
using testing::GpuMachineSnapshot;
using testing::Rehash;

TEST(Sha256Test, MatchesFips180Vectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LockTest, TakesWhatMakesTheEnvironmentBehave) {
  Lock lock = GpuMachineLock();
  EXPECT_EQ(lock.host.os_id, "ubuntu");
  EXPECT_EQ(lock.host.glibc, "2.35");
  EXPECT_EQ(lock.driver.version, "550.54.15");
  EXPECT_EQ(lock.driver.cuda, "12.4");
  ASSERT_EQ(lock.gpus.size(), 1u);  // two identical GPUs, counted
  EXPECT_EQ(lock.gpus[0].count, 2);
  EXPECT_EQ(lock.gpus[0].compute_capability, "8.0");
  EXPECT_EQ(lock.toolkits, std::vector<std::string>{"12.4.1"});
  ASSERT_EQ(lock.cuda_libraries.size(), 1u);  // the stub libcuda is not what runs
  EXPECT_EQ(lock.cuda_libraries[0].family, "cudnn");
  ASSERT_TRUE(lock.python);
  EXPECT_EQ(lock.python->version, "3.10.12");
  ASSERT_EQ(lock.python->packages.size(), 5u);
  EXPECT_EQ(lock.python->packages[0].name, "numpy");  // sorted
  auto* torch = testing::FindPackage(lock, "torch");
  ASSERT_TRUE(torch);
  EXPECT_EQ(torch->version, "2.3.1+cu121");  // local label kept
  ASSERT_EQ(lock.python->frameworks.size(), 1u);
  EXPECT_EQ(lock.python->frameworks[0].cuda_archs,
            (std::vector<std::string>{"sm_80", "sm_86", "sm_90"}));
  EXPECT_TRUE(lock.content_hash.starts_with("sha256:"));
  EXPECT_EQ(lock.content_hash.size(), 7u + 64u);
}

TEST(LockTest, HashIgnoresOrderTimeAndMachineIdentity) {
  auto s = GpuMachineSnapshot();
  Lock a = BuildLock(s, &s.python_envs.front());
  auto shuffled = s;
  std::mt19937 rng(42);
  auto& env = shuffled.python_envs.front();
  std::shuffle(env.packages.begin(), env.packages.end(), rng);
  std::reverse(shuffled.gpus.begin(), shuffled.gpus.end());
  shuffled.host.hostname = "another-node";
  shuffled.gpus[0].uuid = "GPU-other";
  env.prefix = "/opt/elsewhere";
  Lock b = BuildLock(shuffled, &env);
  b.generated_at = "2030-01-01T00:00:00Z";
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_EQ(ToJson(a)["environment"].dump(), ToJson(b)["environment"].dump());

  shuffled.python_envs.front().packages[0].version = "9.9.9";
  EXPECT_NE(BuildLock(shuffled, &shuffled.python_envs.front()).content_hash, a.content_hash);
}

TEST(LockTest, SelectsThePythonEnvironment) {
  model::Snapshot s;
  model::PythonEnv sys, venv, conda;
  sys.prefix = "/usr";
  sys.executable = "/usr/bin/python3";
  venv.prefix = "/work/venv";
  venv.executable = "/usr/bin/python3.11";  // a venv's python resolves to the base interpreter
  venv.found_via = {"--python"};
  conda.prefix = "/opt/conda/envs/ml";
  s.python_envs = {sys, venv, conda};
  util::Environment none;
  EXPECT_EQ(SelectPythonEnv(s, "/work/venv/bin/python", none), &s.python_envs[1]);
  EXPECT_EQ(SelectPythonEnv(s, "/work/venv/", none), &s.python_envs[1]);
  EXPECT_EQ(SelectPythonEnv(s, "/usr/bin/python3", none), &s.python_envs[0]);
  util::Environment active(
      std::map<std::string, std::string>{{"CONDA_PREFIX", "/opt/conda/envs/ml"}});
  EXPECT_EQ(SelectPythonEnv(s, std::nullopt, active), &s.python_envs[2]);
  EXPECT_EQ(SelectPythonEnv(s, std::nullopt, none), &s.python_envs[0]);
  s.python_envs[1].found_via.clear();
  EXPECT_EQ(SelectPythonEnv(s, "/nowhere/bin/python", none), nullptr);
  EXPECT_EQ(SelectPythonEnv(model::Snapshot{}, std::nullopt, none), nullptr);
}

TEST(LockReaderTest, RoundTripsThroughJson) {
  Lock lock = GpuMachineLock();
  lock.generated_at = "2026-11-27T10:00:00Z";
  std::string text = ToJson(lock).dump(2);
  ReadResult r = ParseLock(text, "team.lock");
  ASSERT_TRUE(r.lock) << r.error;
  EXPECT_EQ(r.lock->content_hash, lock.content_hash);
  EXPECT_EQ(r.lock->generated_at, "2026-11-27T10:00:00Z");
  EXPECT_EQ(ToJson(*r.lock).dump(), ToJson(lock).dump());
}

ReadResult ParseEdited(const std::function<void(nlohmann::json&)>& edit, bool rehash = true) {
  nlohmann::json doc = ToJson(GpuMachineLock());
  edit(doc);
  if (rehash && doc.is_object() && doc.contains("environment")) {
    doc["content_hash"] = ContentHash(1, doc["environment"]);
  }
  return ParseLock(doc.dump(), "team.lock");
}

void ExpectError(const ReadResult& r, const std::string& fragment) {
  EXPECT_FALSE(r.lock);
  EXPECT_TRUE(r.error.starts_with("team.lock: ")) << r.error;
  EXPECT_NE(r.error.find(fragment), std::string::npos) << r.error;
}

// The distribution's and conda's fields are additions within lock_version 1: written only
// when known, so a pip-only lock hashes as before; read back with their types checked.
TEST(LockReaderTest, OriginFieldsAreOptionalAdditions) {
  nlohmann::json plain = ToJson(GpuMachineLock());
  for (const auto& p : plain["environment"]["python"]["packages"]) {
    EXPECT_FALSE(p.contains("distro_package") || p.contains("channel") || p.contains("build"))
        << p.dump();
  }
  Lock lock = GpuMachineLock();
  auto* torch = FindPackage(lock, "torch");
  torch->installer = "debian";
  torch->distro_package = "python3-torch";
  torch->distro_version = "1.13.1+dfsg-4";
  auto* numpy = FindPackage(lock, "numpy");
  numpy->installer = "conda";
  numpy->channel = "conda-forge";
  numpy->build = "py311h64a7726_0";
  lock = Rehash(lock);
  ReadResult r = ParseLock(ToJson(lock).dump(), "team.lock");
  ASSERT_TRUE(r.lock) << r.error;
  EXPECT_EQ(FindPackage(*r.lock, "torch")->distro_version, "1.13.1+dfsg-4");
  EXPECT_EQ(FindPackage(*r.lock, "numpy")->build, "py311h64a7726_0");
  EXPECT_EQ(ToJson(*r.lock).dump(), ToJson(lock).dump());
  ExpectError(
      ParseEdited([](auto& d) { d["environment"]["python"]["packages"][0]["distro_version"] = 4; }),
      "environment.python.packages[0].distro_version: expected a string or null, found an integer");
  ExpectError(ParseEdited([](auto& d) {
                d["environment"]["python"]["packages"][2]["build"] = nlohmann::json::array();
              }),
              "packages[2].build: expected a string or null, found an array");
}

TEST(LockTest, KeepsTheOriginOfEachPackage) {
  auto s = GpuMachineSnapshot();
  auto& env = s.python_envs.front();
  env.packages[0].installer = "debian";
  env.packages[0].distro_package = "python3-torch";
  env.packages[0].distro_version = "1.13.1+dfsg-4";
  env.packages[1].installer = "conda";
  env.packages[1].conda_channel = "https://conda.anaconda.org/conda-forge/linux-64";
  env.packages[1].conda_build = "py311h64a7726_0";
  env.packages[1].conda_name = "numpy";  // the same as its name: not repeated
  env.packages[2].conda_name = "requests-conda";
  Lock lock = BuildLock(s, &env);
  EXPECT_EQ(FindPackage(lock, "torch")->distro_package, "python3-torch");
  EXPECT_EQ(FindPackage(lock, "torch")->distro_version, "1.13.1+dfsg-4");
  EXPECT_EQ(FindPackage(lock, "numpy")->channel, "conda-forge");
  EXPECT_EQ(FindPackage(lock, "numpy")->build, "py311h64a7726_0");
  EXPECT_FALSE(FindPackage(lock, "numpy")->conda_name);
  EXPECT_EQ(FindPackage(lock, "requests")->conda_name, "requests-conda");
}

TEST(LockTest, CondaChannelNames) {
  EXPECT_EQ(CondaChannelName("https://conda.anaconda.org/conda-forge/linux-64"), "conda-forge");
  EXPECT_EQ(CondaChannelName("https://conda.anaconda.org/pytorch/noarch/"), "pytorch");
  EXPECT_EQ(CondaChannelName("https://repo.anaconda.com/pkgs/main/linux-64"), "pkgs/main");
  EXPECT_EQ(CondaChannelName("conda-forge"), "conda-forge");
  EXPECT_EQ(CondaChannelName("https://mirror.example.org/conda/nvidia/linux-aarch64"),
            "https://mirror.example.org/conda/nvidia");
  EXPECT_EQ(CondaChannelName("https://conda.anaconda.org/"), "https://conda.anaconda.org");
}

TEST(LockReaderTest, RefusesALockFromANewerDlenv) {
  ExpectError(ParseEdited([](auto& d) { d["lock_version"] = 2; }), "newer dlenv (lock_version 2");
}

TEST(LockReaderTest, NamesTheFieldWithTheWrongType) {
  ExpectError(
      ParseEdited([](auto& d) { d["environment"]["python"]["packages"][1]["version"] = 126; }),
      "environment.python.packages[1].version: expected a string, found an integer");
  ExpectError(ParseEdited([](auto& d) { d["environment"]["gpus"] = "A100"; }),
              "environment.gpus: expected an array, found a string");
  ExpectError(ParseEdited([](auto& d) { d["environment"]["host"].erase("glibc"); }),
              "environment.host: missing field \"glibc\"");
  ExpectError(ParseEdited([](auto& d) { d["lock_version"] = "1"; }),
              "lock_version: expected an integer");
}

TEST(LockReaderTest, RefusesHugeNumbers) {
  ExpectError(
      ParseEdited([](auto& d) { d["environment"]["gpus"][0]["count"] = 18446744073709551615ull; }),
      "out of range");
  ExpectError(ParseEdited([](auto& d) { d["lock_version"] = -5; }), "out of range");
  ReadResult r = ParseLock(R"({"lock_version": 1e999})", "team.lock");
  ExpectError(r, "not valid JSON");
}

TEST(LockReaderTest, RefusesTruncatedAndEmptyFiles) {
  std::string text = ToJson(GpuMachineLock()).dump(2);
  ExpectError(ParseLock(text.substr(0, text.size() / 2), "team.lock"),
              "not valid JSON (truncated or corrupt?)");
  ExpectError(ParseLock("", "team.lock"), "empty");
  ExpectError(ParseLock("[1,2]", "team.lock"), "expected a JSON object");
  ExpectError(ParseLock("{}", "team.lock"), "not a dlenv lock file");
}

TEST(LockReaderTest, RefusesDeepNestingWithoutRecursingIntoIt) {
  std::string deep =
      R"({"lock_version":1,"x":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
  ExpectError(ParseLock(deep, "team.lock"), "nested more than");
}

TEST(LockReaderTest, RefusesAnEditedLock) {
  ExpectError(
      ParseEdited([](auto& d) { d["environment"]["python"]["packages"][0]["version"] = "2.0.0"; },
                  /*rehash=*/false),
      "does not match");
  // Outside the hashed part, edits are fine.
  EXPECT_TRUE(ParseEdited([](auto& d) { d["generated_at"] = "yesterday"; }, false).lock);
}

// The schema in the tree describes what ToJson writes: checked with python3-jsonschema.
TEST(LockSchemaTest, LockValidatesAgainstThePublishedSchema) {
  dlenv::testing::TempTree tmp;
  Lock gpu = GpuMachineLock();
  gpu.generated_at = "2026-11-27T10:00:00Z";
  // The optional fields of the distribution's and conda's packages.
  LockedPackage debian{"pyyaml", "6.0", "debian", std::nullopt};
  debian.distro_package = "python3-yaml";
  debian.distro_version = "6.0-3+b2";
  LockedPackage conda{"torch", "2.1.0", "conda", std::nullopt};
  conda.channel = "pytorch";
  conda.build = "py3.11_cuda12.1_cudnn8.9.2_0";
  conda.conda_name = "pytorch";
  gpu.python->packages.push_back(debian);
  gpu.python->packages.push_back(conda);
  gpu = Rehash(gpu);
  Lock bare = BuildLock(model::Snapshot{}, nullptr);
  auto good1 = tmp.Write("gpu.json", ToJson(gpu).dump());
  auto good2 = tmp.Write("bare.json", ToJson(bare).dump());
  nlohmann::json bad = ToJson(gpu);
  bad["environment"]["python"]["packages"][5].erase(
      "distro_version");  // a package without its version
  auto bad1 = tmp.Write("bad.json", bad.dump());
  std::string script = R"(
import hashlib, json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for path, expect_ok in ((sys.argv[2], True), (sys.argv[3], True), (sys.argv[4], False)):
    doc = json.load(open(path))
    errors = list(v.iter_errors(doc))
    if bool(errors) == expect_ok:
        print(path, "expected", "valid" if expect_ok else "invalid", [e.message for e in errors])
        sys.exit(1)
    # docs/lock.md's hash rule, computed independently with hashlib.
    canonical = json.dumps({"environment": doc["environment"], "lock_version": doc["lock_version"]},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if expect_ok and doc["content_hash"] != "sha256:" + hashlib.sha256(canonical.encode()).hexdigest():
        print(path, "content_hash does not follow the documented rule")
        sys.exit(1)
print("ok")
)";
  auto r = util::RunCommand(
      {"python3", "-c", script, std::string(DLENV_SOURCE_DIR) + "/schema/lock.schema.json",
       good1.string(), good2.string(), bad1.string()},
      {});
  EXPECT_TRUE(r.ok()) << r.Describe() << "\n" << r.out << r.err;
  EXPECT_EQ(r.out, "ok\n");
}

}  // namespace
}  // namespace dlenv::lock
