// `dlenv health --drain` as a real Slurm's HealthCheckProgram: scripts/slurm-test-cluster.sh
// starts munged, slurmctld and slurmd (Debian's slurm-wlm) in a scratch folder; slurmd runs
// the check every 2 s through the fake driver; `scontrol show node` must show the drain and
// the resume. Skips where Slurm is not installed or the test does not run as root.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "health/drain.h"
#include "testing/fake_driver_env.h"
#include "testing/temp_tree.h"
#include "util/environment.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::health {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const fs::path kScript = fs::path(DLENV_SOURCE_DIR) / "scripts/slurm-test-cluster.sh";

bool SlurmInstalled() {
  for (const char* tool :
       {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/srun"})
    if (!fs::exists(tool)) return false;
  return true;
}

// Running, and not a zombie waiting to be reaped.
bool Alive(pid_t pid) {
  std::string stat = testing::ReadAll(fs::path("/proc") / std::to_string(pid) / "stat");
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Starts the cluster; stops it when the test ends, whatever happened.
class SlurmCluster {
 public:
  explicit SlurmCluster(const fs::path& dir) : dir_(dir) {
    util::ChildOptions o;
    o.deadline = std::chrono::seconds(60);
    auto env = util::Environment::FromProcess().vars();
    env["DLENV_HEALTH_INTERVAL"] = "2";
    o.env = env;
    start_ = util::RunCommand({kScript.string(), "start", dir.string()}, o);
  }
  ~SlurmCluster() {
    util::ChildOptions o;
    o.deadline = std::chrono::seconds(60);
    util::RunCommand({kScript.string(), "stop", dir_.string()}, o);
  }
  const util::ChildResult& start() const { return start_; }

  // Runs a Slurm client against this cluster.
  util::ChildResult Run(const std::vector<std::string>& argv) const {
    util::ChildOptions o;
    o.deadline = std::chrono::seconds(30);
    auto env = util::Environment::FromProcess().vars();
    env["SLURM_CONF"] = (dir_ / "slurm.conf").string();
    o.env = env;
    return util::RunCommand(argv, o);
  }

  // "STATE|REASON" as sinfo prints them for the node.
  std::string StateAndReason(const std::string& node) const {
    return std::string(util::Trim(Run({"sinfo", "-h", "-n", node, "-o", "%T|%E"}).out));
  }

  // How many health checks have finished (the wrapper logs "exit N" after each).
  int HealthChecksRun() const {
    std::ifstream in(dir_ / "log/healthcheck.log");
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.starts_with("exit ");
    return n;
  }

  // Waits until `pred(sinfo's "STATE|REASON")` holds, up to 40 s; returns the last value.
  template <typename Pred>
  std::string WaitFor(const std::string& node, Pred pred) const {
    std::string last;
    for (int i = 0; i < 200; ++i) {
      last = StateAndReason(node);
      if (pred(last)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return last;
  }

  void WaitForChecks(int more) const {
    const int target = HealthChecksRun() + more;
    for (int i = 0; i < 200 && HealthChecksRun() < target; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

 private:
  fs::path dir_;
  util::ChildResult start_;
};

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
  if (!SlurmInstalled()) GTEST_SKIP() << "Slurm is not installed (apt-get install slurm-wlm munge)";
  if (geteuid() != 0)
    GTEST_SKIP() << "the test Slurm cluster runs as root (slurmd starts jobs as their user)";
  // A short path: munge's socket path must fit in sockaddr_un.
  char tmpl[] = "/tmp/dlenv-slurm-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  const fs::path scenario = dir / "scenario.json";
  WriteAtomically(scenario, Scenario(0));
  {
    SlurmCluster cluster(dir);
    ASSERT_TRUE(cluster.start().ok()) << cluster.start().Describe() << "\n" << cluster.start().err;
    const std::string node = ShortHostName(util::Trim(cluster.Run({"hostname", "-s"}).out));

    auto srun = cluster.Run({"srun", "-N1", "hostname", "-s"});
    ASSERT_TRUE(srun.ok()) << srun.Describe() << srun.err;
    EXPECT_EQ(util::Trim(srun.out), node);

    // The wrapper slurmd runs (DIR/healthcheck.sh) reads this: dlenv, the fake driver.
    std::string env = fmt::format("DLENV={}\nHEALTH_ARGS='--timeout 5'\n", DLENV_BINARY);
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
    cluster.WaitForChecks(2);
    EXPECT_EQ(cluster.StateAndReason(node), "drained|fan replaced, burn-in");
    WriteAtomically(scenario, Scenario(3));
    cluster.WaitForChecks(2);
    EXPECT_EQ(cluster.StateAndReason(node), "drained|fan replaced, burn-in");
    EXPECT_GE(cluster.HealthChecksRun(), 4);
  }
  EXPECT_FALSE(fs::exists(dir / "run/slurmd.pid"));
  EXPECT_FALSE(fs::exists(dir / "run/slurmctld.pid"));
  EXPECT_FALSE(fs::exists(dir / "run/munged.pid"));
  fs::remove_all(dir);
}

// `stop` after a failure: slurmctld died (its pid file left behind); stop still ends slurmd
// and munged and removes every pid file.
TEST(HealthSlurmCluster, StopCleansUpAfterADaemonDied) {
  if (!SlurmInstalled()) GTEST_SKIP() << "Slurm is not installed (apt-get install slurm-wlm munge)";
  if (geteuid() != 0) GTEST_SKIP() << "the test Slurm cluster runs as root";
  char tmpl[] = "/tmp/dlenv-slurm-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  std::vector<pid_t> pids;
  {
    SlurmCluster cluster(dir);
    ASSERT_TRUE(cluster.start().ok()) << cluster.start().err;
    for (const char* name : {"slurmd", "slurmctld", "munged"})
      pids.push_back(std::stoi(testing::ReadAll(dir / "run" / (std::string(name) + ".pid"))));
    ASSERT_EQ(kill(pids[1], SIGKILL), 0);
  }
  for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << "pid " << pid << " still runs";
  for (const char* name : {"slurmd", "slurmctld", "munged"})
    EXPECT_FALSE(fs::exists(dir / "run" / (std::string(name) + ".pid"))) << name;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dlenv::health
