#include "fleet/report_reader.h"

#include <gtest/gtest.h>

#include "fleet/test_reports.h"

namespace dlenv::fleet {
namespace {

using nlohmann::json;

std::string Rejected(std::string_view text) {
  EnvironmentCache locks;
  auto r = ParseFleetReport(text, "n.json", locks);
  EXPECT_FALSE(r.node);
  EXPECT_TRUE(r.rejection);
  if (!r.rejection) return "";
  EXPECT_EQ(r.rejection->file, "n.json");
  EXPECT_FALSE(r.rejection->reason.empty());
  return r.rejection->reason;
}

std::string RejectedEdit(void (*edit)(json&)) {
  json doc = testing::Report("gpu01");
  edit(doc);
  return Rejected(doc.dump());
}

TEST(FleetReportReader, ReadsWhatSnapshotWrites) {
  EnvironmentCache locks;
  json doc = testing::Report("gpu01");
  auto r = ParseFleetReport(doc.dump(1), "gpu01.json", locks);
  ASSERT_TRUE(r.node) << r.rejection->reason;
  EXPECT_EQ(r.node->hostname, "gpu01");
  EXPECT_EQ(r.node->env_hash, doc["lock"]["content_hash"]);
  EXPECT_EQ(r.node->generated_unix, 1796007600);  // date -d 2026-11-30T03:00:00Z +%s
  EXPECT_EQ(r.node->gpus.size(), 2u);
  EXPECT_TRUE(r.node->Healthy());
  EXPECT_EQ(locks.size(), 1u);
  // A second node with the same environment adds no lock.
  auto r2 = ParseFleetReport(testing::Report("gpu02").dump(), "gpu02.json", locks);
  ASSERT_TRUE(r2.node);
  EXPECT_EQ(r2.node->env_hash, r.node->env_hash);
  EXPECT_EQ(locks.size(), 1u);
}

TEST(FleetReportReader, JudgesGpuHealthFromTheRawValues) {
  auto s = testing::NodeSnapshot("gpu03");
  s.gpus[1].ecc_uncorrected_volatile = 2;
  json doc = testing::ReportOf(s, "gpu03");
  doc["gpus"][1]["healthy"] = true;  // an older or lying verdict does not count
  EnvironmentCache locks;
  auto r = ParseFleetReport(doc.dump(), "gpu03.json", locks);
  ASSERT_TRUE(r.node);
  EXPECT_FALSE(r.node->Healthy());
  ASSERT_EQ(r.node->gpus[1].health.reasons.size(), 1u);
  EXPECT_NE(r.node->gpus[1].health.reasons[0].find("2 uncorrectable ECC"), std::string::npos);
}

TEST(FleetReportReader, EmptyTruncatedAndNotJson) {
  EXPECT_NE(Rejected("").find("empty"), std::string::npos);
  std::string full = testing::Report("gpu01").dump();
  EXPECT_NE(Rejected(full.substr(0, full.size() / 2)).find("truncated"), std::string::npos);
  EXPECT_NE(Rejected("\x7f"
                     "ELF\x02\x01")
                .find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(Rejected("[1,2,3]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(Rejected("{}").find("fleet_snapshot_version"), std::string::npos);
}

TEST(FleetReportReader, HugeAndDeeplyNested) {
  std::string huge(kMaxReportBytes + 1, ' ');
  EXPECT_NE(Rejected(huge).find("larger than any node report"), std::string::npos);
  std::string deep = R"({"fleet_snapshot_version":1,"x":)" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  EXPECT_NE(Rejected(deep).find("nested more than"), std::string::npos);
  // Brackets inside strings are not nesting.
  EXPECT_EQ(JsonNestingDepth(R"({"a":"[[[[[[\"[[[["})", 3), 1);
}

TEST(FleetReportReader, NewerVersionIsNamed) {
  auto why = RejectedEdit([](json& d) { d["fleet_snapshot_version"] = 2; });
  EXPECT_NE(why.find("newer dlenv (fleet_snapshot_version 2"), std::string::npos) << why;
  why = RejectedEdit([](json& d) { d["lock"]["lock_version"] = 9; });
  EXPECT_NE(why.find("newer dlenv"), std::string::npos) << why;
}

TEST(FleetReportReader, WrongTypesAreNamedWithTheirPath) {
  struct Case {
    void (*edit)(json&);
    const char* says;
  };
  const Case cases[] = {
      {[](json& d) { d["fleet_snapshot_version"] = "1"; },
       "fleet_snapshot_version: expected a positive integer"},
      {[](json& d) { d["hostname"] = 7; }, "hostname: expected a string, found an integer"},
      {[](json& d) { d["hostname"] = "../etc"; }, "not a short host name"},
      {[](json& d) { d["generated_at"] = "yesterday"; }, "generated_at"},
      {[](json& d) { d["duration_seconds"] = "fast"; }, "duration_seconds"},
      {[](json& d) { d["findings"] = json::object(); }, "findings: expected an array"},
      {[](json& d) {
         d["findings"] = json::array({{{"severity", 3}}});
       },
       "findings[0].severity"},
      {[](json& d) { d["gpus"][1]["ecc_uncorrected_volatile"] = -1; },
       "gpus[1].ecc_uncorrected_volatile"},
      {[](json& d) { d["gpus"][0]["row_remap_failure"] = "no"; },
       "gpus[0].row_remap_failure: expected true or false"},
      {[](json& d) { d["gpus"][0] = 5; }, "gpus[0]: expected an object"},
      {[](json& d) { d["lock"] = "sha"; }, "lock: expected an object"},
      {[](json& d) { d.erase("lock"); }, "lock: missing"},
      {[](json& d) { d["lock"]["environment"]["python"]["packages"][0]["version"] = "9.9"; },
       "does not match"},
      {[](json& d) { d["lock"]["environment"]["gpus"] = 1; }, "gpus"},
  };
  for (const auto& c : cases) {
    auto why = RejectedEdit(c.edit);
    EXPECT_NE(why.find(c.says), std::string::npos) << c.says << " / got: " << why;
  }
}

TEST(FleetReportReader, AKnownHashDoesNotExcuseAnEditedEnvironment) {
  EnvironmentCache locks;
  json good = testing::Report("gpu01");
  ASSERT_TRUE(ParseFleetReport(good.dump(), "gpu01.json", locks).node);
  json edited = testing::Report("gpu02");
  edited["lock"]["environment"]["python"]["packages"][0]["version"] = "9.9";
  auto r = ParseFleetReport(edited.dump(), "gpu02.json", locks);
  ASSERT_TRUE(r.rejection);
  EXPECT_NE(r.rejection->reason.find("does not match"), std::string::npos) << r.rejection->reason;
}

TEST(FleetReportReader, UtcTimestamps) {
  EXPECT_EQ(ParseUtcTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseUtcTimestamp("2000-02-29T12:00:01Z"), 951825601);
  EXPECT_FALSE(ParseUtcTimestamp("2001-02-29T12:00:01Z"));
  EXPECT_FALSE(ParseUtcTimestamp("2026-11-30 03:00:00"));
  EXPECT_FALSE(ParseUtcTimestamp("2026-11-30T25:00:00Z"));
}

}  // namespace
}  // namespace dlenv::fleet
