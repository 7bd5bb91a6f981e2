// The catalogue's data holds together: every regex compiles with the groups it names, every
// finding a cause names is documented, and bad data is refused with a message. (That each
// pattern's literal prefilter lets its real texts through, rules/error_causes_test.cc shows.)

#include "knowledge/error_signatures.h"

#include <gtest/gtest.h>

#include <regex>

#include "testing/temp_tree.h"

namespace dlenv::knowledge {
namespace {

TEST(ErrorSignatureData, EveryPatternCompilesWithItsGroupsAndEveryFindingIsDocumented) {
  const auto& c = BuiltinErrorSignatures();
  EXPECT_GE(c.signatures.size(), 40u);
  EXPECT_FALSE(c.date.empty());
  const std::string findings =
      testing::ReadAll(std::string(DLENV_SOURCE_DIR) + "/docs/findings.md");
  for (const auto& s : c.signatures) {
    for (const auto& p : s.patterns) {
      std::regex re(p.regex);
      EXPECT_EQ(re.mark_count(), p.extracts.size()) << s.id << ": " << p.regex;
      EXPECT_FALSE(p.source.empty()) << s.id;
    }
    for (const auto& cause : s.causes) {
      if (!cause.finding.empty()) {
        EXPECT_NE(findings.find("## " + cause.finding + "\n"), std::string::npos)
            << s.id << " names " << cause.finding;
      }
      if (s.configuration) {
        EXPECT_FALSE(cause.fix.empty()) << s.id << "/" << cause.id;
      }
    }
    EXPECT_TRUE(s.causes.back().when.empty()) << s.id;
    EXPECT_EQ(s.configuration, s.hint.empty())
        << s.id << ": hints are for errors that are not the setup's";
  }
}

TEST(ErrorSignatureData, BadDataIsRefusedWithAMessage) {
  EXPECT_THROW(ParseErrorSignatures("{}"), std::exception);
  const std::string no_fallback =
      R"({"date": "d", "source": "s", "signatures": [{"id": "x", "title": "t", "layer": "driver",
    "configuration": true, "decided_by": "d", "patterns": [{"literal": "a", "regex": "a", "framework": "f", "versions": "v", "source": "s"}],
    "causes": [{"id": "c", "says": "s", "when": ["no_driver"], "fix": "f"}]}]})";
  try {
    ParseErrorSignatures(no_fallback);
    FAIL() << "a signature whose last cause does not always hold was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("last cause of x"), std::string::npos) << e.what();
  }
  std::string bad_layer = no_fallback;
  bad_layer.replace(bad_layer.find("\"driver\""), 8, "\"kernel\"");
  EXPECT_THROW(ParseErrorSignatures(bad_layer), std::runtime_error);
}

}  // namespace
}  // namespace dlenv::knowledge
