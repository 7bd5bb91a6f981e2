// `dlenv health --drain` as a real Slurm's HealthCheckProgram: scripts/slurm-test-cluster.sh
// starts munged, slurmctld and slurmd (Debian's slurm-wlm) in a scratch folder; slurmd runs
// the check every 2 s through the fake driver; `scontrol show node` must show the drain and
// the resume. Skips where Slurm is not installed or the test does not run as root.

#include "testing/slurm_cluster.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "health/drain.h"
#include "testing/fake_driver_env.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "util/strings.h"

namespace dlenv::health {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

std::string Scenario(int ecc_volatile) {
  return fmt::format(R"({{"driver_version": "550.54.15", "cuda_driver_version": 12040, "gpus": [{{
      "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-0f0e0d0c-0b0a-0908-0706-050403020100", "pci_bus_id": "00000000:3B:00.0",
      "ecc_uncorrected_volatile": {}, "ecc_uncorrected_aggregate": {},
      "pcie": {{"gen": 5, "gen_max": 5, "width": 16, "width_max": 16}}, "throttle_reasons": 1}}]}})",
                     ecc_volatile, ecc_volatile);
}

// Replaces a file whole, so the health check never reads half of it.
void WriteAtomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, path);
}

TEST(HealthSlurmCluster, DrainsOnEccErrorsAndResumesButLeavesAHandDrainAlone) {
  if (!testing::SlurmCluster::Installed())
    DLENV_SKIP_OR_FAIL("Slurm is not installed (apt-get install slurm-wlm munge)");
  if (geteuid() != 0)
    DLENV_SKIP_OR_FAIL("the test Slurm cluster runs as root (slurmd starts jobs as their user)");
  // A short path: munge's socket path must fit in sockaddr_un.
  char tmpl[] = "/tmp/dlenv-slurm-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  testing::RemovedAtEnd cleanup{dir};
  const fs::path scenario = dir / "scenario.json";
  WriteAtomically(scenario, Scenario(0));
  {
    testing::SlurmCluster cluster(dir);
    ASSERT_TRUE(cluster.start().ok()) << cluster.start().Describe() << "\n" << cluster.start().err;
    const std::string node = ShortHostName(util::Trim(cluster.Run({"hostname", "-s"}).out));

    auto srun = cluster.Run({"srun", "-N1", "hostname", "-s"});
    ASSERT_TRUE(srun.ok()) << srun.Describe() << srun.err;
    EXPECT_EQ(util::Trim(srun.out), node);

    // The wrapper slurmd runs (DIR/healthcheck.sh) reads this: dlenv, the fake driver.
    // As docs/fleet.md's wrapper: slurm.conf named with --slurm-conf.
    std::string env = fmt::format("DLENV={}\nHEALTH_ARGS='--timeout 5 --slurm-conf {}'\n",
                                  DLENV_BINARY, (dir / "slurm.conf").string());
    for (const auto& [k, v] : testing::FakeDriverEnv(scenario))
      if (k.starts_with("DLENV_")) env += fmt::format("export {}='{}'\n", k, v);
    WriteAtomically(dir / "healthcheck.env", env);

    // Uncorrectable ECC errors: slurmd's next health check drains the node with dlenv's reason.
    WriteAtomically(scenario, Scenario(2));
    std::string seen = cluster.WaitFor(
        node, [](const std::string& s) { return s.find("|dlenv:") != std::string::npos; });
    EXPECT_THAT(seen, HasSubstr("drain"));
    EXPECT_THAT(seen,
                HasSubstr("|dlenv: GPU 0: 2 uncorrectable ECC error(s) since the driver loaded"));
    auto shown = cluster.Run({"scontrol", "show", "node", node});
    EXPECT_THAT(shown.out, HasSubstr("+DRAIN"));
    EXPECT_THAT(shown.out, HasSubstr("Reason=dlenv: GPU 0: 2 uncorrectable ECC error(s)"));

    // Healthy again: the next check resumes it.
    WriteAtomically(scenario, Scenario(0));
    seen = cluster.WaitFor(node, [](const std::string& s) { return s.starts_with("idle|"); });
    EXPECT_EQ(seen, "idle|none");
    EXPECT_THAT(cluster.Run({"scontrol", "show", "node", node}).out, Not(HasSubstr("DRAIN")));
    auto again = cluster.Run({"srun", "-N1", "hostname", "-s"});
    EXPECT_TRUE(again.ok()) << "jobs run on the resumed node: " << again.Describe() << again.err;

    // Drained by hand: dlenv neither resumes it nor replaces the reason, healthy or not.
    auto hand = cluster.Run(
        {"scontrol", "update", "nodename=" + node, "state=drain", "reason=fan replaced, burn-in"});
    ASSERT_TRUE(hand.ok()) << hand.err;
    // Two more checks: the second began after the hand drain. Healthy GPU: it exits 0.
    ASSERT_TRUE(cluster.WaitForChecks(2)) << "no health check ran after the hand drain";
    EXPECT_EQ(cluster.HealthCheckExits().back(), 0);
    EXPECT_EQ(cluster.StateAndReason(node), "drained|fan replaced, burn-in");
    // Unhealthy now: this phase's own checks see the ECC errors (a non-zero exit, which is
    // what would drain an idle node) and still leave the hand-drained node and its reason.
    WriteAtomically(scenario, Scenario(3));
    ASSERT_TRUE(cluster.WaitForChecks(2)) << "no health check ran on the unhealthy scenario";
    EXPECT_NE(cluster.HealthCheckExits().back(), 0) << "the last check did not see the ECC errors";
    EXPECT_EQ(cluster.StateAndReason(node), "drained|fan replaced, burn-in");
    EXPECT_GE(cluster.HealthChecksRun(), 4);
  }
  EXPECT_FALSE(fs::exists(dir / "run/slurmd.pid"));
  EXPECT_FALSE(fs::exists(dir / "run/slurmctld.pid"));
  EXPECT_FALSE(fs::exists(dir / "run/munged.pid"));
}

// `stop` after a failure: slurmctld died (its pid file left behind); stop still ends slurmd
// and munged and removes every pid file.
TEST(HealthSlurmCluster, StopCleansUpAfterADaemonDied) {
  if (!testing::SlurmCluster::Installed())
    DLENV_SKIP_OR_FAIL("Slurm is not installed (apt-get install slurm-wlm munge)");
  if (geteuid() != 0) DLENV_SKIP_OR_FAIL("the test Slurm cluster runs as root");
  char tmpl[] = "/tmp/dlenv-slurm-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  testing::RemovedAtEnd cleanup{dir};
  std::vector<pid_t> pids;
  {
    testing::SlurmCluster cluster(dir);
    ASSERT_TRUE(cluster.start().ok()) << cluster.start().err;
    for (const char* name : {"slurmd", "slurmctld", "munged"})
      pids.push_back(std::stoi(testing::ReadAll(dir / "run" / (std::string(name) + ".pid"))));
    ASSERT_EQ(kill(pids[1], SIGKILL), 0);
  }
  for (pid_t pid : pids) EXPECT_FALSE(testing::ProcessAlive(pid)) << "pid " << pid << " still runs";
  for (const char* name : {"slurmd", "slurmctld", "munged"})
    EXPECT_FALSE(fs::exists(dir / "run" / (std::string(name) + ".pid"))) << name;
}

// docs/fleet.md's job Prolog, `dlenv check --lock ... --python ...`: jobs start on a
// node that matches the team's lock; on one that drifted the Prolog fails, the job does not
// start and Slurm drains the node.
TEST(HealthSlurmCluster, PrologCheckLockKeepsJobsOffADriftedNode) {
  if (!testing::SlurmCluster::Installed())
    DLENV_SKIP_OR_FAIL("Slurm is not installed (apt-get install slurm-wlm munge)");
  if (geteuid() != 0) DLENV_SKIP_OR_FAIL("the test Slurm cluster runs as root");
  const char* envs = std::getenv("DLENV_TEST_ENVS");
  const fs::path tf = fs::path(envs && *envs ? envs : "/var/tmp/dlenv-test-envs") / "tf/bin/python";
  if (!fs::exists(tf) || !fs::exists("/usr/bin/python3"))
    DLENV_SKIP_OR_FAIL("test environment 'tf' missing");
  char tmpl[] = "/tmp/dlenv-slurm-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  testing::RemovedAtEnd cleanup{dir};
  {
    testing::SlurmCluster cluster(dir);
    ASSERT_TRUE(cluster.start().ok()) << cluster.start().err;
    const std::string node = ShortHostName(util::Trim(cluster.Run({"hostname", "-s"}).out));
    const std::string lock = (dir / "team.lock").string();
    auto locked = cluster.Run({DLENV_BINARY, "lock", "--python", tf.string(), "-o", lock});
    ASSERT_TRUE(locked.ok()) << locked.err;
    auto prolog = [&](const std::string& python) {
      WriteAtomically(dir / "prolog.hook",
                      fmt::format("#!/bin/sh\nexec {} check --lock {} --python {} >/dev/null\n",
                                  DLENV_BINARY, lock, python));
      fs::permissions(dir / "prolog.hook", fs::perms::owner_all, fs::perm_options::add);
    };
    prolog(tf.string());
    auto ok = cluster.Run({"srun", "-N1", "hostname", "-s"});
    EXPECT_TRUE(ok.ok()) << ok.Describe() << ok.err;

    prolog("/usr/bin/python3");  // torch, no tensorflow: breaking drift
    auto refused = cluster.Run({"srun", "-N1", "hostname", "-s"});
    EXPECT_FALSE(refused.ok());
    EXPECT_THAT(refused.err, HasSubstr("prolog failed"));
    EXPECT_EQ(refused.out, "");
    // slurmctld drains the node once slurmd reports the failed Prolog; "draining" is the state
    // on the way while the refused job step is still completing (seen once in CI, under load).
    EXPECT_EQ(cluster.WaitFor(node,
                              [](const std::string& s) {
                                return s != "idle|none" && !s.starts_with("draining|");
                              }),
              "drained|Prolog error");
  }
}

}  // namespace
}  // namespace dlenv::health
