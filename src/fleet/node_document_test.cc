#include "fleet/node_document.h"

#include <gtest/gtest.h>

#include "fleet/test_reports.h"

namespace dlenv::fleet {
namespace {

TEST(FleetSnapshot, ShortHostnameIsSafeAsAFileName) {
  EXPECT_EQ(ShortHostname("gpu01.cluster.example.org"), "gpu01");
  EXPECT_EQ(ShortHostname("node_7-a"), "node_7-a");
  EXPECT_EQ(ShortHostname(""), "");
  EXPECT_EQ(ShortHostname(".hidden"), "");
  EXPECT_EQ(ShortHostname("../etc/passwd"), "");
  EXPECT_EQ(ShortHostname("a/b"), "");
  EXPECT_EQ(ShortHostname("tab\there"), "");
}

TEST(FleetSnapshot, DocumentCarriesLockFindingsAndGpuHealth) {
  auto s = testing::NodeSnapshot("gpu01");
  s.gpus[1].row_remap_failure = true;
  s.gpus[1].throttle_reasons = 0x1 | 0x40;
  s.findings.push_back({"x.warn", model::Severity::kWarning, "a warning", "e", "f"});
  auto doc = testing::ReportOf(s, "gpu01");
  EXPECT_EQ(doc["fleet_snapshot_version"], kFleetSnapshotVersion);
  EXPECT_EQ(doc["hostname"], "gpu01");
  EXPECT_EQ(doc["generated_at"], "2026-11-30T03:00:00Z");
  EXPECT_EQ(doc["duration_seconds"], 1.5);
  EXPECT_EQ(doc["lock"]["content_hash"],
            lock::ToJson(lock::BuildLock(s, &s.python_envs.front()))["content_hash"]);
  EXPECT_EQ(doc["findings"][0]["id"], "x.warn");
  EXPECT_EQ(doc["gpus"][0]["healthy"], true);
  EXPECT_EQ(doc["gpus"][1]["healthy"], false);
  EXPECT_EQ(doc["gpus"][1]["throttle_reasons"],
            nlohmann::json::array({"gpu_idle", "hw_thermal_slowdown"}));
  EXPECT_EQ(doc["gpus"][1]["throttle_reasons_mask"], 0x41);
  EXPECT_EQ(doc["gpus"][1]["reasons"].size(), 2u);
  EXPECT_EQ(doc["healthy"], false);
}

TEST(FleetSnapshot, AnErrorFindingMakesTheNodeUnhealthy) {
  auto s = testing::NodeSnapshot("gpu01");
  EXPECT_EQ(testing::ReportOf(s, "gpu01")["healthy"], true);
  s.findings.push_back({"driver.mismatch", model::Severity::kError, "t", "e", "f"});
  EXPECT_EQ(testing::ReportOf(s, "gpu01")["healthy"], false);
}

}  // namespace
}  // namespace dlenv::fleet
