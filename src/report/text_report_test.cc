#include <gtest/gtest.h>

#include <memory>

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
  EXPECT_NE(text.find("\n" + pad + "requests 2.32.5 has requirement idna"), std::string::npos)
      << text;
  EXPECT_NE(text.find("fix:      pip install urllib3\n" + pad + "pip install 'idna>=2.5'\n"),
            std::string::npos)
      << text;
  // The evidence line and its continuation start in the same column.
  const auto first = text.find("requests 2.32.5 requires");
  const auto second = text.find("requests 2.32.5 has requirement");
  EXPECT_EQ(first - text.rfind('\n', first), second - text.rfind('\n', second));
}

// Every "label  value" row keeps its label apart from its value, the longest labels included.
TEST(TextReport, LabelsFitTheirColumn) {
  auto s = std::make_unique<model::Snapshot>();
  s->driver.cuda_visible_devices = "0,1";
  s->driver.nvidia_visible_devices = "all";
  const std::string text = RenderText(*s, {});
  EXPECT_NE(text.find("CUDA_VISIBLE_DEVICES    \"0,1\""), std::string::npos) << text;
  EXPECT_NE(text.find("NVIDIA_VISIBLE_DEVICES  \"all\""), std::string::npos) << text;
  // Rows of one section start their values in one column.
  const auto kernel = text.find("Kernel module");
  const auto visible = text.find("CUDA_VISIBLE_DEVICES");
  ASSERT_NE(kernel, std::string::npos);
  const auto value_column = [&](std::size_t at) {
    const auto line_start = text.rfind('\n', at) + 1;
    return text.find_first_not_of(' ', text.find("  ", at)) - line_start;
  };
  EXPECT_EQ(value_column(kernel), value_column(visible)) << text;
}

}  // namespace
}  // namespace dlenv::report
