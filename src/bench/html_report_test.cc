// The HTML report as a person sees it: rendered by headless Chromium (Debian's `chromium`),
// screenshotted, and the PNG read back to find the charts' colours where the charts are.

#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "bench/text_report.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::bench {
namespace {

Measurement Gemm(std::string name, double median, double value, std::optional<double> peak) {
  Measurement m;
  m.group = "gpu.gemm";
  m.name = std::move(name);
  m.unit = "GFLOP/s";
  m.seconds = {median * 0.98, median, median * 1.01, median * 1.03, median * 0.99};
  m.time = Summarize(m.seconds);
  m.value = value;
  m.peak = peak;
  m.peak_source = "NVIDIA H100 datasheet";
  m.check = {true, true, "64 entries within the bound"};
  return m;
}

BenchReport SampleBench() {
  BenchReport r;
  r.date = "2026-11-27T10:00:00Z";
  r.host = "Test CPU <b>bold</b>";
  r.measurements.push_back(Gemm("bf16 gemm 8192", 0.0016, 700000, 989000));
  r.measurements.push_back(Gemm("fp32 gemm 8192", 0.02, 51000, 67000));
  Measurement triad = Gemm("triad", 0.01, 3000, 3350);
  triad.unit = "GB/s";
  r.measurements.push_back(triad);
  Measurement wrong = Gemm("<script>alert(1)</script>", 0.001, 1e9, std::nullopt);
  wrong.check = {true, false, "entry 0 differs"};
  r.measurements.push_back(wrong);
  return r;
}

TEST(HtmlReport, SelfContainedAndEscaped) {
  const std::string html = RenderBenchHtml(SampleBench());
  EXPECT_EQ(html.find("<script"), std::string::npos);  // escaped, and none of our own
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing to fetch
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"chart bars\""), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"chart boxes\""), std::string::npos);
  // The wrong result is in the table but drawn in no chart.
  EXPECT_NE(html.find("wrong result"), std::string::npos);
}

struct Rgba {
  std::vector<unsigned char> pixels;
  unsigned width = 0, height = 0;
};

// libpng's simplified API: any PNG Chromium writes, as 8-bit RGBA.
std::optional<Rgba> ReadPng(const std::filesystem::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return std::nullopt;
  image.format = PNG_FORMAT_RGBA;
  Rgba out;
  out.width = image.width;
  out.height = image.height;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) return std::nullopt;
  return out;
}

struct Found {
  std::size_t count = 0;
  unsigned min_x = ~0u, min_y = ~0u, max_x = 0, max_y = 0;
};

Found FindColour(const Rgba& img, int r, int g, int b) {
  Found f;
  for (unsigned y = 0; y < img.height; ++y) {
    for (unsigned x = 0; x < img.width; ++x) {
      const unsigned char* p = &img.pixels[(static_cast<std::size_t>(y) * img.width + x) * 4];
      if (std::abs(p[0] - r) <= 3 && std::abs(p[1] - g) <= 3 && std::abs(p[2] - b) <= 3) {
        ++f.count;
        f.min_x = std::min(f.min_x, x);
        f.max_x = std::max(f.max_x, x);
        f.min_y = std::min(f.min_y, y);
        f.max_y = std::max(f.max_y, y);
      }
    }
  }
  return f;
}

std::optional<std::string> Chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return std::nullopt;
}

util::ChildResult RunChromium(const std::string& chromium, std::vector<std::string> args) {
  std::vector<std::string> argv = {
      chromium,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--no-first-run",
      "--user-data-dir=" +
          (std::filesystem::temp_directory_path() / "dlenv-html-test-profile").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.deadline = std::chrono::seconds(90);
  return util::RunCommand(argv, options);
}

TEST(HtmlReport, ChromiumShowsTheCharts) {
  auto chromium = Chromium();
  if (!chromium) DLENV_SKIP_OR_FAIL("no chromium (apt-get install chromium)");
  testing::TempTree tree;
  const auto page = tree.Write("report.html", RenderBenchHtml(SampleBench()));
  const auto png = tree / "shot.png";
  const std::string url = "file://" + page.string();

  auto dom = RunChromium(*chromium, {"--dump-dom", url});
  ASSERT_TRUE(dom.ok()) << dom.Describe() << dom.err;
  // Two throughput charts (GFLOP/s, GB/s) and one box chart, parsed into the DOM as SVG.
  std::size_t svgs = 0;
  for (auto at = dom.out.find("<svg"); at != std::string::npos; at = dom.out.find("<svg", at + 1))
    ++svgs;
  EXPECT_EQ(svgs, 3u) << dom.out.substr(0, 2000);
  EXPECT_NE(dom.out.find("<rect"), std::string::npos);

  auto shot =
      RunChromium(*chromium, {"--screenshot=" + png.string(), "--window-size=1100,900", url});
  ASSERT_TRUE(shot.ok()) << shot.Describe() << shot.err;
  auto img = ReadPng(png);
  ASSERT_TRUE(img) << "unreadable screenshot";
  ASSERT_EQ(img->width, 1100u);
  // Bars (#2f6db5): three valid measurements, each a bar at least ~100 px long and 18 px high.
  Found bars = FindColour(*img, 0x2f, 0x6d, 0xb5);
  EXPECT_GT(bars.count, 3u * 100 * 15) << "no bar chart visible";
  // They sit in the chart area right of the 240 px label column, below the header.
  EXPECT_GE(bars.min_x, 240u);
  EXPECT_GT(bars.min_y, 60u);
  // The longest bar (bf16, 700 of a 989 scale) spans most of the 440 px plot width.
  EXPECT_GT(bars.max_x - bars.min_x, 250u);
  // Boxes (#f0a030) of the spread chart, below the bars.
  Found boxes = FindColour(*img, 0xf0, 0xa0, 0x30);
  EXPECT_GT(boxes.count, 100u) << "no box chart visible";
  EXPECT_GT(boxes.min_y, bars.min_y);
  // Peak markers (#c0392b) drawn for the measurements that have a peak.
  EXPECT_GT(FindColour(*img, 0xc0, 0x39, 0x2b).count, 20u);
}

}  // namespace
}  // namespace dlenv::bench
