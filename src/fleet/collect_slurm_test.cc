// `dlenv fleet collect` over a real Slurm (scripts/slurm-test-cluster.sh: munged, slurmctld
// and slurmd from Debian's slurm-wlm, on 127.0.0.1): srun runs `fleet snapshot` on the node,
// whose GPU (the fake driver's) has uncorrectable ECC errors; `fleet report` over what was
// collected must name that node unhealthy. Skips where Slurm is not installed or the test
// does not run as root.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/fake_driver_env.h"
#include "testing/require.h"
#include "testing/slurm_cluster.h"
#include "testing/temp_tree.h"
#include "util/strings.h"

namespace dlenv::fleet {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(FleetSlurmCluster, CollectRunsTheSnapshotOnTheNodeThroughSrunAndReportFindsItsEccErrors) {
  if (!testing::SlurmCluster::Installed())
    DLENV_SKIP_OR_FAIL("Slurm is not installed (apt-get install slurm-wlm munge)");
  if (geteuid() != 0)
    DLENV_SKIP_OR_FAIL("the test Slurm cluster runs as root (slurmd starts jobs as their user)");
  char tmpl[] = "/tmp/dlenv-fleet-XXXXXX";  // short: munge's socket path must fit sockaddr_un
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  testing::RemovedAtEnd cleanup{dir};
  const fs::path scenario = dir / "scenario.json";
  std::ofstream(scenario)
      << R"({"driver_version": "550.54.15", "cuda_driver_version": 12040, "gpus": [{
      "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-0f0e0d0c-0b0a-0908-0706-050403020100",
      "pci_bus_id": "00000000:3B:00.0", "ecc_uncorrected_volatile": 2, "ecc_uncorrected_aggregate": 2,
      "pcie": {"gen": 5, "gen_max": 5, "width": 16, "width_max": 16}, "throttle_reasons": 1}]})";
  const fs::path reports = dir / "reports";
  fs::create_directories(reports);

  testing::SlurmCluster cluster(dir);
  ASSERT_TRUE(cluster.start().ok()) << cluster.start().Describe() << "\n" << cluster.start().err;
  const std::string node(util::Trim(cluster.Run({"sinfo", "-h", "-o", "%n"}).out));
  ASSERT_FALSE(node.empty());

  // srun hands the caller's environment to the task: the snapshot there sees the fake driver.
  std::vector<std::string> argv = {"env"};
  for (const auto& [k, v] : testing::FakeDriverEnv(scenario)) argv.push_back(k + "=" + v);
  for (const char* a : {DLENV_BINARY, "fleet", "collect", "-o"}) argv.push_back(a);
  argv.push_back(reports.string());
  argv.insert(argv.end(), {"--nodelist", node, "--timeout", "60"});
  auto collect = cluster.Run(argv, 120);
  ASSERT_EQ(collect.exit_code, 0) << collect.Describe() << "\n" << collect.out << collect.err;
  EXPECT_THAT(collect.out, HasSubstr("srun"));
  EXPECT_THAT(collect.out, HasSubstr("ssh"));  // the one-liner for clusters without Slurm
  ASSERT_TRUE(fs::exists(reports / (node + ".json"))) << collect.out << collect.err;

  auto report = cluster.Run({DLENV_BINARY, "fleet", "report", reports.string(), "--expect", node});
  EXPECT_EQ(report.exit_code, 1) << report.out << report.err;
  EXPECT_THAT(report.out, HasSubstr(node));
  EXPECT_THAT(report.out, HasSubstr("uncorrectable ECC"));
}

}  // namespace
}  // namespace dlenv::fleet
