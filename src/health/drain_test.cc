#include "health/drain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dlenv::health {
namespace {

using ::testing::ElementsAre;

// `scontrol show node vm` from slurm-wlm 22.05.8, after
// `scontrol update nodename=vm state=drain reason="dlenv: GPU 0: ..."`.
constexpr const char* kDrainedByDlenv = R"(NodeName=vm Arch=x86_64 CoresPerSocket=1 
   CPUAlloc=0 CPUEfctv=2 CPUTot=2 CPULoad=12.86
   AvailableFeatures=(null)
   ActiveFeatures=(null)
   Gres=(null)
   NodeAddr=127.0.0.1 NodeHostName=vm Version=22.05.8
   OS=Linux 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0 
   RealMemory=1 AllocMem=0 FreeMem=13037 Sockets=2 Boards=1
   State=IDLE+DRAIN ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A
   Partitions=debug 
   BootTime=2026-11-30T03:18:42 SlurmdStartTime=2026-11-30T03:28:53
   LastBusyTime=2026-11-30T03:28:53
   CfgTRES=cpu=2,mem=1M,billing=2
   AllocTRES=
   CapWatts=n/a
   CurrentWatts=0 AveWatts=0
   ExtSensorsJoules=n/s ExtSensorsWatts=0 ExtSensorsTemp=n/s
   Reason=dlenv: GPU 0: 2 uncorrectable ECC error(s) [root@2026-11-30T03:28:53]

)";

constexpr const char* kIdle = R"(NodeName=vm Arch=x86_64 CoresPerSocket=1 
   NodeAddr=127.0.0.1 NodeHostName=vm Version=22.05.8
   State=IDLE ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A
   Partitions=debug 
)";

Verdict Unhealthy(std::string summary) { return {false, {summary}, summary}; }
Verdict Healthy() { return {true, {}, "healthy: 1 GPU(s)"}; }

SlurmNode Node(std::vector<std::string> states, std::string reason = "") {
  return {"gpu01", std::move(states), std::move(reason)};
}

TEST(HealthDrain, ParsesDrainedNode) {
  auto node = ParseScontrolShowNode(kDrainedByDlenv);
  ASSERT_TRUE(node);
  EXPECT_EQ(node->name, "vm");
  EXPECT_THAT(node->states, ElementsAre("IDLE", "DRAIN"));
  EXPECT_EQ(node->reason, "dlenv: GPU 0: 2 uncorrectable ECC error(s)");
  EXPECT_TRUE(node->DrainedByDlenv());
}

TEST(HealthDrain, ParsesIdleNode) {
  auto node = ParseScontrolShowNode(kIdle);
  ASSERT_TRUE(node);
  EXPECT_THAT(node->states, ElementsAre("IDLE"));
  EXPECT_EQ(node->reason, "");
  EXPECT_FALSE(node->Drained());
}

TEST(HealthDrain, NotRespondingMarkIsDropped) {
  auto node = ParseScontrolShowNode(
      "NodeName=n1\n   State=DOWN*+DRAIN ThreadsPerCore=1\n   Reason=Not responding "
      "[slurm@2026-01-01T00:00:00]\n");
  ASSERT_TRUE(node);
  EXPECT_THAT(node->states, ElementsAre("DOWN", "DRAIN"));
  EXPECT_EQ(node->reason, "Not responding");
  EXPECT_FALSE(node->DrainedByDlenv());
}

TEST(HealthDrain, RejectsTextWithoutANode) {
  EXPECT_FALSE(ParseScontrolShowNode(""));
  EXPECT_FALSE(ParseScontrolShowNode("Node nosuch not found\n"));
  EXPECT_FALSE(ParseScontrolShowNode("NodeName=\n"));
}

TEST(HealthDrain, UnhealthyIdleNodeIsDrained) {
  auto d = DecideDrain(Unhealthy("GPU 0: row remapping failed"), Node({"IDLE"}));
  EXPECT_EQ(d.action, DrainAction::kDrain);
  EXPECT_EQ(d.reason, "dlenv: GPU 0: row remapping failed");
  EXPECT_THAT(ScontrolUpdateArgs(d, "gpu01"),
              ElementsAre("update", "nodename=gpu01", "state=drain",
                          "reason=dlenv: GPU 0: row remapping failed"));
}

TEST(HealthDrain, NodeDrainedByHandIsLeftAlone) {
  auto d = DecideDrain(Unhealthy("GPU 0: row remapping failed"),
                       Node({"IDLE", "DRAIN"}, "fan replaced, burn-in"));
  EXPECT_EQ(d.action, DrainAction::kNone);
  EXPECT_THAT(d.why, ::testing::HasSubstr("fan replaced, burn-in"));
  d = DecideDrain(Healthy(), Node({"IDLE", "DRAIN"}, "fan replaced, burn-in"));
  EXPECT_EQ(d.action, DrainAction::kNone);
  EXPECT_TRUE(ScontrolUpdateArgs(d, "gpu01").empty());
}

TEST(HealthDrain, SameDlenvReasonIsNotSetAgainButANewOneIs) {
  auto d = DecideDrain(Unhealthy("GPU 0: row remapping failed"),
                       Node({"MIXED", "DRAIN"}, "dlenv: GPU 0: row remapping failed"));
  EXPECT_EQ(d.action, DrainAction::kNone);
  d = DecideDrain(Unhealthy("GPU 1: PCIe link x8 of x16"),
                  Node({"MIXED", "DRAIN"}, "dlenv: GPU 0: row remapping failed"));
  EXPECT_EQ(d.action, DrainAction::kDrain);
  EXPECT_EQ(d.reason, "dlenv: GPU 1: PCIe link x8 of x16");
}

TEST(HealthDrain, HealthyNodeDrainedByDlenvIsResumed) {
  auto d = DecideDrain(Healthy(), Node({"IDLE", "DRAIN"}, "dlenv: GPU 0: row remapping failed"));
  EXPECT_EQ(d.action, DrainAction::kResume);
  EXPECT_THAT(ScontrolUpdateArgs(d, "gpu01"),
              ElementsAre("update", "nodename=gpu01", "state=resume"));
  EXPECT_EQ(DecideDrain(Healthy(), Node({"IDLE"})).action, DrainAction::kNone);
}

TEST(HealthDrain, LongReasonIsCut) {
  auto d = DecideDrain(Unhealthy(std::string(500, 'x')), Node({"IDLE"}));
  EXPECT_EQ(d.reason.size(), kMaxReasonLength);
  EXPECT_TRUE(d.reason.ends_with("..."));
}

TEST(HealthDrain, ShortHostName) {
  EXPECT_EQ(ShortHostName("gpu01.cluster.example.org"), "gpu01");
  EXPECT_EQ(ShortHostName("vm"), "vm");
}

}  // namespace
}  // namespace dlenv::health
