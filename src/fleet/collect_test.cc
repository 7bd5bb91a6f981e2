#include "fleet/collect.h"

#include <gtest/gtest.h>

namespace dlenv::fleet {
namespace {

CollectPlan Plan() {
  CollectPlan p;
  p.dlenv_binary = "/shared/bin/dlenv";
  p.output_dir = "/shared/fleet";
  p.nodes = {"gpu01", "gpu02", "gpu03", "gpu07"};
  p.timeout_seconds = 90;
  return p;
}

TEST(FleetCollect, SrunRunsOneTaskPerNodeWithADeadline) {
  auto plan = Plan();
  plan.partition = "gpu";
  EXPECT_EQ(
      SrunCommand(plan),
      (std::vector<std::string>{"srun", "--nodes=4", "--ntasks=4", "--ntasks-per-node=1",
                                "--partition=gpu", "--nodelist=gpu[01-03,07]", "--time=2",
                                "--immediate=90", "--kill-on-bad-exit=0", "--job-name=dlenv-fleet",
                                "/shared/bin/dlenv", "fleet", "snapshot", "-o", "/shared/fleet"}));
  EXPECT_EQ(SrunDeadlineSeconds(plan), 210);
  plan.timeout_seconds = 5;
  EXPECT_NE(SrunCommand(plan)[6], "--time=0");
}

TEST(FleetCollect, OneLinersForClustersWithoutSlurm) {
  auto plan = Plan();
  plan.output_dir = "/shared/my fleet";
  auto lines = OneLiners(plan);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "pdsh -w 'gpu[01-03,07]' -u 90 /shared/bin/dlenv fleet snapshot -o '/shared/my fleet'");
  EXPECT_EQ(
      lines[1],
      "clush -w 'gpu[01-03,07]' -u 90 /shared/bin/dlenv fleet snapshot -o '/shared/my fleet'");
  EXPECT_EQ(lines[2],
            "for h in gpu01 gpu02 gpu03 gpu07; do timeout 90 ssh -o BatchMode=yes \"$h\" "
            "'/shared/bin/dlenv fleet snapshot -o '\\''/shared/my fleet'\\''' & done; wait");
}

TEST(FleetCollect, SinfoLinesParse) {
  auto nodes = ParseSinfoNodes(
      "gpu01|idle|none\ngpu02|down*|Not responding\ngpu01|idle|none\n\n  gpu03|drained|ECC ");
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1].name, "gpu02");
  EXPECT_EQ(nodes[1].state, "down*");
  EXPECT_EQ(nodes[1].reason, "Not responding");
  EXPECT_EQ(nodes[0].reason, "");
  EXPECT_EQ(nodes[2].reason, "ECC");
  EXPECT_EQ(SinfoCommand(std::string("gpu")).back(), "--partition=gpu");
}

TEST(FleetCollect, SrunErrorsNameTheirNodes) {
  auto e = ParseSrunErrors(
      "srun: error: gpu07: task 3: Exited with exit code 2\n"
      "srun: error: Task launch for StepId=12.0 failed on node gpu09: Invalid node name specified\n"
      "srun: warning: something else\n"
      "srun: error: Unable to allocate resources: Invalid partition name specified\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e["gpu07"], "task 3: Exited with exit code 2");
  EXPECT_NE(e["gpu09"].find("Invalid node name"), std::string::npos);
}

TEST(FleetCollect, SilentNodesGetTheBestReasonThereIs) {
  std::vector<std::string> nodes = {"gpu01", "gpu02", "gpu03", "gpu04"};
  std::map<std::string, bool> fresh = {{"gpu01", true}, {"gpu02", false}, {"gpu03", false}};
  std::vector<SinfoNode> sinfo = {{"gpu03", "drained", "ECC errors"}, {"gpu04", "idle", ""}};
  std::map<std::string, std::string> errors = {{"gpu02", "task 1: Exited with exit code 2"}};
  auto o = InterpretCollect(nodes, fresh, sinfo, errors, "timed out after 210.0 s");
  EXPECT_EQ(o.answered, std::vector<std::string>{"gpu01"});
  ASSERT_EQ(o.silent.size(), 3u);
  EXPECT_EQ(o.silent[0].why, "srun: task 1: Exited with exit code 2");
  EXPECT_EQ(o.silent[1].why, "Slurm state drained (ECC errors)");
  EXPECT_EQ(o.silent[2].why, "no fresh report before the deadline (srun timed out after 210.0 s)");
}

TEST(FleetCollect, ShellQuoting) {
  EXPECT_EQ(ShellQuote("/usr/bin/dlenv"), "/usr/bin/dlenv");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

}  // namespace
}  // namespace dlenv::fleet
