#include "fleet/analysis.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fleet/test_reports.h"

namespace dlenv::fleet {
namespace {

using nlohmann::json;

struct Fleet {
  std::vector<NodeReport> nodes;
  std::vector<Rejection> rejected;
  EnvironmentCache locks;

  NodeReport& Add(const json& doc, std::string file = "") {
    if (file.empty()) file = doc["hostname"].get<std::string>() + ".json";
    auto r = ParseFleetReport(doc.dump(), file, locks);
    EXPECT_TRUE(r.node) << (r.rejection ? r.rejection->reason : "");
    if (r.node) r.node->mtime_unix = r.node->generated_unix;
    nodes.push_back(*r.node);
    return nodes.back();
  }
  FleetAnalysis Analyze(const AnalysisOptions& o = {}) const {
    return AnalyzeFleet(nodes, rejected, locks, o);
  }
};

std::string Host(int i) { return fmt::format("gpu{:02}", i); }

TEST(FleetAnalysis, OneEnvironmentIsConsistent) {
  Fleet f;
  for (int i = 1; i <= 12; ++i) f.Add(testing::Report(Host(i)));
  auto a = f.Analyze();
  ASSERT_EQ(a.groups.size(), 1u);
  EXPECT_TRUE(a.groups[0].baseline);
  EXPECT_EQ(a.groups[0].hostlist, "gpu[01-12]");
  EXPECT_EQ(a.baseline_source, "the majority (12 of 12 nodes)");
  EXPECT_TRUE(a.unhealthy.empty());
  EXPECT_EQ(model::ToInt(a.ExitCode()), 0);
}

TEST(FleetAnalysis, MajorityIsTheBaselineAndDriftIsGradedAsDiffDoes) {
  Fleet f;
  for (int i = 1; i <= 12; ++i) f.Add(testing::Report(Host(i)));
  f.Add(testing::ReportOf(testing::TorchUpgraded(Host(13)), Host(13)));
  f.Add(testing::ReportOf(testing::TorchUpgraded(Host(15)), Host(15)));
  auto s = testing::NodeSnapshot(Host(14));
  s.python_envs.front().packages.push_back({});
  s.python_envs.front().packages.back().name = "rich";
  s.python_envs.front().packages.back().normalized_name = "rich";
  s.python_envs.front().packages.back().version = "13.0";
  f.Add(testing::ReportOf(s, Host(14)));
  auto a = f.Analyze();
  ASSERT_EQ(a.groups.size(), 3u);
  EXPECT_TRUE(a.groups[0].baseline);
  EXPECT_EQ(a.groups[0].hosts.size(), 12u);
  const auto& torch = a.groups[1];
  EXPECT_EQ(torch.hostlist, "gpu[13,15]");
  // The same grading as `dlenv diff` between the two locks.
  auto expected = lock::DiffLocks(f.locks.at(a.groups[0].hash).lock, f.locks.at(torch.hash).lock);
  EXPECT_EQ(torch.worst, expected.Worst());
  EXPECT_EQ(torch.worst, lock::Impact::kBreaking);
  EXPECT_EQ(torch.diff.changes.size(), expected.changes.size());
  EXPECT_NE(torch.summary.find("2.3.1+cu121 -> 2.4.0+cu121"), std::string::npos) << torch.summary;
  EXPECT_NE(a.groups[2].worst, lock::Impact::kBreaking);
  EXPECT_TRUE(a.BreakingDrift());
  EXPECT_EQ(model::ToInt(a.ExitCode()), 1);
}

TEST(FleetAnalysis, NotableDriftAloneExitsZero) {
  Fleet f;
  for (int i = 1; i <= 3; ++i) f.Add(testing::Report(Host(i)));
  auto s = testing::NodeSnapshot(Host(4));
  for (auto& p : s.python_envs.front().packages) {
    if (p.name == "requests") p.version = "2.32.0";
  }
  f.Add(testing::ReportOf(s, Host(4)));
  auto a = f.Analyze();
  ASSERT_EQ(a.groups.size(), 2u);
  EXPECT_NE(a.groups[1].worst, lock::Impact::kBreaking);
  EXPECT_EQ(model::ToInt(a.ExitCode()), 0);
}

TEST(FleetAnalysis, TeamLockIsTheBaselineEvenWhenNoNodeHasIt) {
  Fleet f;
  for (int i = 1; i <= 4; ++i) f.Add(testing::ReportOf(testing::TorchUpgraded(Host(i)), Host(i)));
  AnalysisOptions o;
  auto team_snapshot = testing::NodeSnapshot("team");
  o.team_lock = lock::BuildLock(team_snapshot, &team_snapshot.python_envs.front());
  o.team_lock_name = "team.lock";
  auto a = f.Analyze(o);
  EXPECT_EQ(a.baseline_source, "team.lock");
  EXPECT_FALSE(a.baseline_seen);
  ASSERT_EQ(a.groups.size(), 1u);
  EXPECT_FALSE(a.groups[0].baseline);
  EXPECT_EQ(a.groups[0].worst, lock::Impact::kBreaking);
  EXPECT_EQ(a.groups[0].hostlist, "gpu[01-04]");
}

TEST(FleetAnalysis, UnhealthyNodesWithReasons) {
  Fleet f;
  f.Add(testing::Report(Host(1)));
  auto s = testing::NodeSnapshot(Host(2));
  s.gpus[1].pcie_width_current = 8;
  s.findings.push_back(
      {"driver.probe_timeout", model::Severity::kError, "The driver did not answer", "", ""});
  f.Add(testing::ReportOf(s, Host(2)));
  auto a = f.Analyze();
  ASSERT_EQ(a.unhealthy.size(), 1u);
  EXPECT_EQ(a.unhealthy[0].host, "gpu02");
  ASSERT_EQ(a.unhealthy[0].reasons.size(), 2u);
  EXPECT_EQ(a.unhealthy[0].reasons[0], "GPU 1 (NVIDIA A100-SXM4-40GB): PCIe link x8 of x16");
  EXPECT_EQ(a.unhealthy[0].reasons[1], "driver.probe_timeout: The driver did not answer");
  EXPECT_EQ(model::ToInt(a.ExitCode()), 1);
}

TEST(FleetAnalysis, MissingAndUnexpectedNodes) {
  Fleet f;
  for (int i : {1, 2, 3, 5, 99}) f.Add(testing::Report(Host(i)));
  AnalysisOptions o;
  o.expected =
      std::vector<std::string>{"gpu01", "gpu02", "gpu03", "gpu04", "gpu05", "gpu06", "gpu07"};
  auto a = f.Analyze(o);
  EXPECT_EQ(a.missing, (std::vector<std::string>{"gpu04", "gpu06", "gpu07"}));
  EXPECT_EQ(a.missing_hostlist, "gpu[04,06-07]");
  EXPECT_EQ(a.unexpected, std::vector<std::string>{"gpu99"});
  EXPECT_EQ(model::ToInt(a.ExitCode()), 1);
}

TEST(FleetAnalysis, DuplicateHostnamesCountTheNewestOnce) {
  Fleet f;
  f.Add(testing::Report("gpu01", "2026-11-30T03:00:00Z"));
  f.Add(testing::Report("gpu01", "2026-11-30T02:00:00Z"), "gpu01-copy.json");
  f.Add(testing::Report("gpu02"));
  auto a = f.Analyze();
  EXPECT_EQ(a.reports, 2u);
  ASSERT_EQ(a.duplicates.size(), 1u);
  EXPECT_NE(a.duplicates[0].detail.find("gpu01-copy.json also claims to be gpu01"),
            std::string::npos)
      << a.duplicates[0].detail;
  EXPECT_NE(a.duplicates[0].detail.find("counted gpu01.json"), std::string::npos);
  EXPECT_TRUE(a.stale.empty());  // the older duplicate is not counted, so not stale either
}

TEST(FleetAnalysis, StaleReportsAndClockSkew) {
  Fleet f;
  f.Add(testing::Report("gpu01", "2026-11-30T03:00:00Z"));
  f.Add(testing::Report("gpu02", "2026-11-29T03:00:00Z"));  // yesterday's
  auto& skewed = f.Add(testing::Report("gpu03", "2026-11-30T03:20:00Z"));
  skewed.mtime_unix = *skewed.generated_unix - 1200;  // the file server says 03:00
  auto a = f.Analyze();
  ASSERT_EQ(a.stale.size(), 1u);
  EXPECT_EQ(a.stale[0].host, "gpu02");
  EXPECT_NE(a.stale[0].detail.find("24.0 h before the newest"), std::string::npos)
      << a.stale[0].detail;
  ASSERT_EQ(a.skewed.size(), 1u);
  EXPECT_EQ(a.skewed[0].host, "gpu03");
  EXPECT_NE(a.skewed[0].detail.find("20 min ahead of the other nodes'"), std::string::npos)
      << a.skewed[0].detail;
  EXPECT_EQ(a.file_server_skew, "");
  EXPECT_EQ(model::ToInt(a.ExitCode()),
            0);  // listed, not failing: the environment and health are known
}

TEST(FleetAnalysis, AFileServerClockOffIsNamedOnceNotPerNode) {
  Fleet f;
  for (int i = 1; i <= 5; ++i) {
    auto& n = f.Add(testing::Report(Host(i)));
    *n.mtime_unix += 3600;  // the file server is an hour ahead of every node
  }
  auto a = f.Analyze();
  EXPECT_TRUE(a.skewed.empty());
  EXPECT_EQ(a.file_server_skew,
            "most nodes' clocks are 60 min behind the file server's (file modification times)");
}

TEST(FleetAnalysis, RejectedFilesAreListedAndTheRestGoesOn) {
  Fleet f;
  f.Add(testing::Report("gpu01"));
  f.rejected.push_back({"gpu02.json", "not valid JSON"});
  AnalysisOptions o;
  o.expected = std::vector<std::string>{"gpu01", "gpu02", "gpu03"};
  auto a = f.Analyze(o);
  EXPECT_EQ(a.missing, std::vector<std::string>{"gpu03"});  // gpu02 answered, badly: listed once
  EXPECT_EQ(a.reports, 1u);
  EXPECT_EQ(a.groups.size(), 1u);
  EXPECT_EQ(a.rejected.size(), 1u);
  EXPECT_EQ(model::ToInt(a.ExitCode()), 1);
}

}  // namespace
}  // namespace dlenv::fleet
