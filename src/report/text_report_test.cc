#include <gtest/gtest.h>

#include "model/snapshot.h"
#include "report/report.h"

namespace dlenv::report {
namespace {

// A finding whose evidence and fix span lines (pip check prints one line per conflict): the
// continuation lines start where the first line's text does.
TEST(TextReport, MultiLineEvidenceAndFixAreIndentedUnderTheirFirstLine) {
  model::Snapshot s;
  s.findings.push_back({"env.pip_check_failed", model::Severity::kError, "pip check fails",
                        "requests 2.32.5 requires urllib3, which is not installed.\n"
                        "requests 2.32.5 has requirement idna<4,>=2.5, but you have idna 2.0.",
                        "pip install urllib3\npip install 'idna>=2.5'"});
  const std::string text = RenderText(s, {});
  const std::string pad(22, ' ');
  EXPECT_NE(text.find("evidence: requests 2.32.5 requires urllib3"), std::string::npos) << text;
  EXPECT_NE(text.find("\n" + pad + "requests 2.32.5 has requirement idna"), std::string::npos) << text;
  EXPECT_NE(text.find("fix:      pip install urllib3\n" + pad + "pip install 'idna>=2.5'\n"), std::string::npos)
      << text;
  // The evidence line and its continuation start in the same column.
  const auto first = text.find("requests 2.32.5 requires");
  const auto second = text.find("requests 2.32.5 has requirement");
  EXPECT_EQ(first - text.rfind('\n', first), second - text.rfind('\n', second));
}

}  // namespace
}  // namespace dlenv::report
