// The fleet's HTML page as a person sees it: rendered by headless Chromium (Debian's
// `chromium`), its DOM read back, and a screenshot checked for the chart's colours.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <png.h>

#include <filesystem>

#include "fleet/render.h"
#include "fleet/test_reports.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::fleet {
namespace {

FleetAnalysis SampleFleet() {
  EnvironmentCache locks;
  std::vector<NodeReport> nodes;
  auto add = [&](const nlohmann::json& doc) {
    auto r = ParseFleetReport(doc.dump(), doc["hostname"].get<std::string>() + ".json", locks);
    nodes.push_back(*r.node);
  };
  for (int i = 1; i <= 6; ++i) add(testing::Report(fmt::format("gpu{:02}", i)));
  add(testing::ReportOf(testing::TorchUpgraded("gpu07"), "gpu07"));
  add(testing::ReportOf(testing::TorchUpgraded("gpu08"), "gpu08"));
  auto sick = testing::NodeSnapshot("gpu09");
  sick.gpus[0].ecc_uncorrected_volatile = 5;
  add(testing::ReportOf(sick, "gpu09"));
  std::vector<Rejection> rejected = {{"<script>.json", "not valid JSON"}};
  return AnalyzeFleet(nodes, rejected, locks, {});
}

std::optional<std::string> Chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return std::nullopt;
}

util::ChildResult RunChromium(const std::string& chromium, std::vector<std::string> args) {
  std::vector<std::string> argv = {chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--hide-scrollbars",
                                   "--no-first-run",
                                   "--user-data-dir=/tmp/dlenv-fleet-chromium"};
  argv.insert(argv.end(), args.begin(), args.end());
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(120);
  return util::RunCommand(argv, o);
}

// Counts pixels of one colour (within a small tolerance) in a PNG.
std::size_t CountColour(const std::filesystem::path& png_path, int r, int g, int b) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, png_path.c_str())) return 0;
  image.format = PNG_FORMAT_RGBA;
  std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i + 3 < pixels.size(); i += 4) {
    if (std::abs(pixels[i] - r) < 8 && std::abs(pixels[i + 1] - g) < 8 &&
        std::abs(pixels[i + 2] - b) < 8)
      ++n;
  }
  return n;
}

TEST(FleetHtml, SelfContainedAndEscaped) {
  std::string html = RenderFleetHtml(SampleFleet(), {"/shared/fleet"});
  EXPECT_EQ(html.find("<script"), std::string::npos);  // the hostile file name is escaped
  EXPECT_NE(html.find("&lt;script&gt;.json"), std::string::npos);
  for (const char* external : {"http://", "https://", "src=", "<link"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
  EXPECT_NE(html.find("<svg"), std::string::npos);
}

TEST(FleetHtml, ChromiumShowsTheTablesAndTheChart) {
  auto chromium = Chromium();
  if (!chromium) DLENV_SKIP_OR_FAIL("no chromium (apt-get install chromium)");
  dlenv::testing::TempTree tmp;
  auto page = tmp.Write("fleet.html", RenderFleetHtml(SampleFleet(), {"/shared/fleet"}));
  std::string url = "file://" + page.string();
  auto dom = RunChromium(*chromium, {"--dump-dom", url});
  ASSERT_TRUE(dom.ok()) << dom.Describe() << dom.err;
  EXPECT_NE(dom.out.find("gpu[07-08]"), std::string::npos);
  EXPECT_NE(dom.out.find("gpu09"), std::string::npos);
  EXPECT_NE(dom.out.find("5 uncorrectable ECC"), std::string::npos);
  EXPECT_NE(dom.out.find("id=\"rejected\""), std::string::npos);

  auto shot = tmp / "shot.png";
  auto r = RunChromium(*chromium, {"--window-size=1000,700", "--screenshot=" + shot.string(), url});
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
  // The environment bar: green baseline, red breaking; the health bar: red unhealthy.
  EXPECT_GT(CountColour(shot, 0x2e, 0x7d, 0x32), 1000u);
  EXPECT_GT(CountColour(shot, 0xc6, 0x28, 0x28), 1000u);
}

}  // namespace
}  // namespace dlenv::fleet
