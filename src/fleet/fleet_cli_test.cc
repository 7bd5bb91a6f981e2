// `dlenv fleet` through the real binary: snapshot on the fake driver (an ECC error makes a
// GPU unhealthy), the report's exit codes over fixture folders, the JSON Schema on real
// output, and `fleet collect` through a fake srun on PATH that runs each node's task here.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fleet/test_reports.h"
#include "testing/fake_driver_env.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::fleet {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

util::ChildResult Dlenv(std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), DLENV_BINARY);
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.deadline = std::chrono::seconds(180);
  if (!env.empty()) options.env = env;
  return util::RunCommand(args, options);
}

std::map<std::string, std::string> ProcessEnv() { return util::Environment::FromProcess().vars(); }

json FakeGpus(std::uint64_t ecc_volatile) {
  json s = json::parse(R"({
    "driver_version": "550.54.15", "cuda_driver_version": 12040,
    "gpus": [{"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-11111111", "pci_bus_id": "00000000:3B:00.0",
              "cc": [9, 0], "memory_total": 85899345920, "memory_used": 1048576,
              "ecc_uncorrected_aggregate": 0, "retired_pages_sbe": 0, "retired_pages_dbe": 0,
              "retired_pages_pending": false,
              "remapped_rows": {"correctable": 0, "uncorrectable": 0, "pending": false, "failure": false},
              "pcie": {"gen": 5, "gen_max": 5, "width": 16, "width_max": 16},
              "temperature_c": 35, "clocks": {"sm": 1980, "sm_max": 1980, "mem": 2619, "mem_max": 2619},
              "throttle_reasons": 1}]
  })");
  s["gpus"][0]["ecc_uncorrected_volatile"] = ecc_volatile;
  return s;
}

// Snapshots one "node" on the fake driver; Slurm's node name decides the file's name.
util::ChildResult SnapshotNode(const dlenv::testing::TempTree& tree, const fs::path& dir,
                               const std::string& node, std::uint64_t ecc_volatile) {
  auto scenario = tree.Write(node + "-scenario.json", FakeGpus(ecc_volatile).dump());
  auto env = dlenv::testing::FakeDriverEnv(scenario);
  env["SLURMD_NODENAME"] = node;
  return Dlenv({"fleet", "snapshot", "-o", dir.string(), "--python", "/usr/bin/python3"}, env);
}

TEST(FleetCli, SnapshotOnTheFakeDriverWithAnEccErrorIsUnhealthy) {
  dlenv::testing::TempTree tree;
  fs::path dir = tree / "fleet";
  auto good = SnapshotNode(tree, dir, "node01", 0);
  ASSERT_TRUE(good.ok()) << good.Describe() << good.out << good.err;
  auto bad = SnapshotNode(tree, dir, "node02", 3);
  ASSERT_TRUE(bad.ok()) << bad.Describe() << bad.out << bad.err;
  EXPECT_NE(bad.out.find("UNHEALTHY"), std::string::npos) << bad.out;

  // Only the two reports: the temporary files were renamed into place.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"node01.json", "node02.json"}));

  json doc = json::parse(dlenv::testing::ReadAll(dir / "node02.json"));
  EXPECT_EQ(doc["hostname"], "node02");
  ASSERT_EQ(doc["gpus"].size(), 1u);
  EXPECT_EQ(doc["gpus"][0]["ecc_uncorrected_volatile"], 3);
  EXPECT_EQ(doc["gpus"][0]["healthy"], false);
  EXPECT_EQ(doc["gpus"][0]["throttle_reasons"], json::array({"gpu_idle"}));
  EXPECT_EQ(doc["healthy"], false);
  json ok = json::parse(dlenv::testing::ReadAll(dir / "node01.json"));
  EXPECT_EQ(ok["gpus"][0]["healthy"], true);
  EXPECT_EQ(ok["lock"]["content_hash"], doc["lock"]["content_hash"]);  // same environment

  // --redact: the GPU's UUID is replaced; the node's name (the file's name) stays.
  fs::path redacted_dir = tree / "redacted";
  auto scenario = tree.Write("redact-scenario.json", FakeGpus(0).dump());
  auto env = dlenv::testing::FakeDriverEnv(scenario);
  env["SLURMD_NODENAME"] = "node09";
  auto red = Dlenv({"fleet", "snapshot", "-o", redacted_dir.string(), "--redact"}, env);
  ASSERT_TRUE(red.ok()) << red.Describe() << red.err;
  json rdoc = json::parse(dlenv::testing::ReadAll(redacted_dir / "node09.json"));
  EXPECT_EQ(rdoc["hostname"], "node09");
  EXPECT_NE(rdoc["gpus"][0]["uuid"], "GPU-11111111");
  EXPECT_EQ(rdoc.dump().find("GPU-11111111"), std::string::npos);

  auto report = Dlenv({"fleet", "report", dir.string(), "--expect", "node[01-03]"});
  EXPECT_EQ(report.exit_code, 1) << report.out << report.err;
  EXPECT_NE(report.out.find("node02  GPU 0 (NVIDIA H100 80GB HBM3): 3 uncorrectable ECC"),
            std::string::npos)
      << report.out;
  EXPECT_NE(report.out.find("Missing (1 expected, no report): node03"), std::string::npos)
      << report.out;

  // The published schema describes what the binary wrote (python3-jsonschema); the lock's
  // own schema is inlined where the fleet schema refers to it.
  std::string script = R"(
import json, sys, jsonschema
fleet = json.load(open(sys.argv[1] + "/fleet-snapshot.schema.json"))
lock = json.load(open(sys.argv[1] + "/lock.schema.json"))
for k in ("$schema", "$id"): lock.pop(k)
fleet["properties"]["lock"] = lock
jsonschema.Draft202012Validator.check_schema(fleet)
v = jsonschema.Draft202012Validator(fleet)
for path in sys.argv[2:4]:
    errors = [e.message for e in v.iter_errors(json.load(open(path)))]
    if errors: print(path, errors); sys.exit(1)
bad = json.load(open(sys.argv[2])); bad["gpus"][0]["temperature_c"] = "hot"
if not list(v.iter_errors(bad)): print("a wrong type passed"); sys.exit(1)
print("ok")
)";
  auto r = util::RunCommand({"python3", "-c", script, std::string(DLENV_SOURCE_DIR) + "/schema",
                             (dir / "node01.json").string(), (dir / "node02.json").string()},
                            {});
  EXPECT_EQ(r.out, "ok\n") << r.Describe() << r.err;
}

void WriteReport(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
}

TEST(FleetCli, SnapshotAlsoWritesThePrometheusTextfile) {
  dlenv::testing::TempTree tree;
  auto scenario = tree.Write("scenario.json", FakeGpus(2).dump());
  auto env = dlenv::testing::FakeDriverEnv(scenario);
  env["SLURMD_NODENAME"] = "node07";
  fs::path prom = tree.MakeDir("textfile") / "dlenv.prom";
  auto r = Dlenv({"fleet", "snapshot", "-o", (tree / "fleet").string(), "--python",
                  "/usr/bin/python3", "--prometheus", prom.string()},
                 env);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.out << r.err;
  const std::string text = dlenv::testing::ReadAll(prom);
  EXPECT_NE(text.find("# TYPE dlenv_info gauge"), std::string::npos) << text;
  // The textfile and the node's report judge the GPU alike (rules::AssessGpuHealth).
  EXPECT_NE(text.find("dlenv_gpu_healthy{"), std::string::npos) << text;
  EXPECT_NE(text.find("} 0\n"), std::string::npos) << text;
  json doc = json::parse(dlenv::testing::ReadAll(tree / "fleet/node07.json"));
  EXPECT_EQ(doc["gpus"][0]["healthy"], false);
  EXPECT_NE(text.find(doc["lock"]["content_hash"].get<std::string>().substr(7, 12)),
            std::string::npos)
      << "the environment hash is a label of dlenv_info";
  // Only the two files: the textfile's temporary was renamed into place.
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(prom.parent_path())) ++n;
  EXPECT_EQ(n, 1u);
}

TEST(FleetCli, ReportExitCodes) {
  dlenv::testing::TempTree tree;
  fs::path dir = tree.MakeDir("fleet");
  for (int i = 1; i <= 4; ++i) {
    std::string h = fmt::format("gpu{:02}", i);
    WriteReport(dir, h + ".json", testing::Report(h).dump());
  }
  WriteReport(dir, ".gpu05.json.tmp-abc123", "{");  // a writer's temporary file: ignored
  WriteReport(dir, "notes.txt", "not a report");    // not *.json: ignored
  auto r = Dlenv({"fleet", "report", dir.string(), "--expect", "gpu[01-04]"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Verdict: consistent and healthy"), std::string::npos) << r.out;

  // One drifted node: exit 1, its node list and the graded change.
  WriteReport(dir, "gpu05.json",
              testing::ReportOf(testing::TorchUpgraded("gpu05"), "gpu05").dump());
  r = Dlenv({"fleet", "report", dir.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("breaking  gpu05"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2.3.1+cu121 -> 2.4.0+cu121"), std::string::npos) << r.out;

  // A corrupt report is named and the rest still reported.
  WriteReport(dir, "gpu06.json", testing::Report("gpu06").dump().substr(0, 100));
  r = Dlenv({"fleet", "report", dir.string(), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = json::parse(r.out);
  EXPECT_EQ(j["reports"], 5);
  ASSERT_EQ(j["rejected"].size(), 1u);
  EXPECT_EQ(j["rejected"][0]["file"], "gpu06.json");
  EXPECT_NE(j["rejected"][0]["reason"].get<std::string>().find("truncated"), std::string::npos);

  // Bad input: exit 2 with a message.
  r = Dlenv({"fleet", "report", (tree / "nowhere").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a folder of node reports"), std::string::npos) << r.err;
  auto bad_lock = tree.Write("team.lock", "{\"lock_version\": 1");
  r = Dlenv({"fleet", "report", dir.string(), "--lock", bad_lock.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("team.lock"), std::string::npos) << r.err;
  r = Dlenv({"fleet", "report", tree.MakeDir("empty").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no node reports"), std::string::npos) << r.err;
  r = Dlenv({"fleet", "report", dir.string(), "--expect", "gpu[1-"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(FleetCli, ReportWithTheTeamLockAsBaseline) {
  dlenv::testing::TempTree tree;
  fs::path dir = tree.MakeDir("fleet");
  for (int i = 1; i <= 3; ++i) {
    std::string h = fmt::format("gpu{:02}", i);
    WriteReport(dir, h + ".json", testing::ReportOf(testing::TorchUpgraded(h), h).dump());
  }
  auto team = testing::NodeSnapshot("team");
  auto lock_file = tree.Write(
      "team.lock", lock::ToJson(lock::BuildLock(team, &team.python_envs.front())).dump(2));
  auto r = Dlenv({"fleet", "report", dir.string(), "--lock", lock_file.string(), "--markdown"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("| breaking | `gpu[01-03]` |"), std::string::npos) << r.out;
}

// A stand-in for srun: records its arguments, then runs the task once per node of
// --nodelist here, with SLURMD_NODENAME set as slurmd would; nodes named in FAKE_SRUN_FAIL
// fail the way srun reports a failed task.
constexpr const char* kFakeSrun = R"(#!/usr/bin/env python3
import os, re, subprocess, sys
args = sys.argv[1:]
with open(os.environ["FAKE_SRUN_LOG"], "w") as f: f.write("\n".join(args))
opts = {}
while args and args[0].startswith("--"):
    k, _, v = args.pop(0)[2:].partition("="); opts[k] = v
hosts = []
for item in re.findall(r'[^,\[]+(?:\[[^\]]*\])?', opts["nodelist"]):
    m = re.match(r'(.*)\[(.*)\]$', item)
    if not m: hosts.append(item); continue
    for r in m.group(2).split(','):
        a, _, b = r.partition('-'); b = b or a
        hosts += [m.group(1) + str(i).zfill(len(a)) for i in range(int(a), int(b) + 1)]
fail = os.environ.get("FAKE_SRUN_FAIL", "").split(",")
rc = 0
for i, h in enumerate(hosts):
    if h in fail:
        sys.stderr.write(f"srun: error: {h}: task {i}: Exited with exit code 1\n"); rc = 1; continue
    subprocess.run(args, env=dict(os.environ, SLURMD_NODENAME=h, SLURM_PROCID=str(i)), stdout=subprocess.DEVNULL)
sys.exit(rc)
)";

TEST(FleetCli, CollectRunsOneTaskPerNodeThroughSrun) {
  dlenv::testing::TempTree tree;
  auto srun = tree.Write("bin/srun", kFakeSrun);
  fs::permissions(srun, fs::perms::owner_all);
  auto scenario = tree.Write("scenario.json", FakeGpus(0).dump());
  auto env = dlenv::testing::FakeDriverEnv(scenario);
  env["PATH"] = (tree / "bin").string() + ":" + env["PATH"];
  env["FAKE_SRUN_LOG"] = (tree / "srun.log").string();
  env["FAKE_SRUN_FAIL"] = "gpu03";
  fs::path dir = tree / "fleet";
  auto r = Dlenv(
      {"fleet", "collect", "-o", dir.string(), "--nodelist", "gpu[01-03]", "--timeout", "90"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("2 of 3 nodes answered"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gpu03: srun: task 2: Exited with exit code 1"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "gpu01.json"));
  EXPECT_TRUE(fs::exists(dir / "gpu02.json"));
  EXPECT_NE(r.out.find("pdsh -w 'gpu[01-03]'"), std::string::npos) << r.out;

  std::string log = dlenv::testing::ReadAll(tree / "srun.log");
  for (const char* want :
       {"--nodes=3", "--ntasks=3", "--ntasks-per-node=1", "--nodelist=gpu[01-03]", "--time=2",
        "--kill-on-bad-exit=0", "fleet\nsnapshot\n-o"}) {
    EXPECT_NE(log.find(want), std::string::npos) << want << " in\n" << log;
  }
  EXPECT_NE(log.find(fs::canonical(DLENV_BINARY).string()), std::string::npos) << log;

  // The report over what was collected.
  auto rep = Dlenv({"fleet", "report", dir.string(), "--expect", "gpu[01-03]"});
  EXPECT_NE(rep.out.find("Missing (1 expected, no report): gpu03"), std::string::npos) << rep.out;
}

TEST(FleetCli, CollectWithoutSrunPrintsTheOneLinersAndTheSshLoopWorks) {
  dlenv::testing::TempTree tree;
  auto env = ProcessEnv();
  // A PATH without Slurm (this machine may have it in /usr/bin), with a stand-in ssh that
  // runs the command here as that host.
  auto ssh = tree.Write("bin/ssh",
                        "#!/bin/sh\nwhile [ \"$1\" = -o ]; do shift 2; done\nh=$1; shift\n"
                        "SLURMD_NODENAME=$h exec sh -c \"$*\"\n");
  fs::permissions(ssh, fs::perms::owner_all);
  for (const char* tool : {"sh", "bash", "timeout", "python3"})
    tree.Symlink(std::string("bin/") + tool, std::string("/usr/bin/") + tool);
  env["PATH"] = (tree / "bin").string();
  fs::path dir = tree / "fleet";
  auto r = Dlenv({"fleet", "collect", "-o", dir.string(), "--nodelist", "n[1-2]"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("srun is not on PATH"), std::string::npos) << r.err;
  std::string loop;
  for (auto line : {std::string("pdsh"), std::string("clush"), std::string("for h in")}) {
    EXPECT_NE(r.out.find("  " + line), std::string::npos) << line << " in\n" << r.out;
  }
  auto at = r.out.find("for h in");
  ASSERT_NE(at, std::string::npos);
  loop = r.out.substr(at, r.out.find('\n', at) - at);
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.env = env;
  o.deadline = std::chrono::seconds(180);
  auto run = util::RunCommand({(tree / "bin/bash").string(), "-c", loop}, o);
  EXPECT_TRUE(run.ok()) << loop << "\n" << run.Describe() << run.err;
  EXPECT_TRUE(fs::exists(dir / "n1.json")) << loop;
  EXPECT_TRUE(fs::exists(dir / "n2.json")) << loop;
}

}  // namespace
}  // namespace dlenv::fleet
