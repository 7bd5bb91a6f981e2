// The HTML page: one file a user can mail or attach to a bug report, so it carries its style
// and charts inline (SVG drawn here) and loads nothing.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "bench/text_report.h"
#include "report/html.h"

namespace dlenv::bench {
namespace {

// Chart colours; the HTML test looks for the bar colour in the screenshot.
constexpr const char* kBarColour = "#2f6db5";
constexpr const char* kBoxColour = "#f0a030";
constexpr const char* kPeakColour = "#c0392b";

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{padding:.25em .6em;text-align:left;border-bottom:1px solid #eee}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b00;font-weight:bold}.ok{color:#070}.note{color:#555}.warn{color:#a60}
svg{display:block;margin:.5em 0;font-size:12px}
)";

struct Bar {
  std::string label;
  double value = 0;
  std::string text;  // printed after the bar
  std::optional<double> peak;
};

// Horizontal bars on one scale (the largest value or peak).
std::string BarChart(const std::string& title, const std::vector<Bar>& bars) {
  if (bars.empty()) return {};
  constexpr int kLabel = 300, kArea = 440, kRow = 24, kTop = 22;
  double scale = 0;
  for (const auto& b : bars) scale = std::max({scale, b.value, b.peak.value_or(0)});
  if (scale <= 0) scale = 1;
  const int height = kTop + kRow * static_cast<int>(bars.size()) + 8;
  std::string svg = fmt::format(
      "<svg class=\"chart bars\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"{}\"><text x=\"0\" y=\"14\" font-weight=\"bold\">{}</text>\n",
      kLabel + kArea + 280, height, kLabel + kArea + 280, height, report::EscapeHtml(title),
      report::EscapeHtml(title));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const int y = kTop + kRow * static_cast<int>(i);
    const double w = std::max(1.0, kArea * b.value / scale);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLabel - 6, y + 15,
                       report::EscapeHtml(b.label));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>",
                       kLabel, y + 3, w, kRow - 6, kBarColour);
    if (b.peak && *b.peak > 0) {
      const double px = kLabel + kArea * *b.peak / scale;
      svg += fmt::format(
          "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" "
          "stroke-width=\"2\"/>",
          px, px, y + 1, y + kRow - 1, kPeakColour);
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", kLabel + w + 6, y + 15,
                       report::EscapeHtml(b.text));
  }
  return svg + "</svg>\n";
}

struct Box {
  std::string label;
  Summary s;
};

// Box plots (whiskers min..max, box q1..q3, median line) on one shared axis.
std::string BoxChart(const std::string& title, const std::vector<Box>& boxes, double lo, double hi,
                     const std::function<std::string(double)>& axis_label) {
  if (boxes.empty()) return {};
  constexpr int kLabel = 300, kArea = 440, kRow = 24, kTop = 22;
  if (!(hi > lo)) hi = lo + 1;
  const auto x = [&](double v) {
    return kLabel + kArea * (std::clamp(v, lo, hi) - lo) / (hi - lo);
  };
  const int height = kTop + kRow * static_cast<int>(boxes.size()) + 22;
  std::string svg = fmt::format(
      "<svg class=\"chart boxes\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"{}\"><text x=\"0\" y=\"14\" font-weight=\"bold\">{}</text>\n",
      kLabel + kArea + 280, height, kLabel + kArea + 280, height, report::EscapeHtml(title),
      report::EscapeHtml(title));
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const auto& b = boxes[i];
    const int y = kTop + kRow * static_cast<int>(i);
    const int mid = y + kRow / 2;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", kLabel - 6, y + 15,
                       report::EscapeHtml(b.label));
    svg += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#555\"/>",
                       x(b.s.min), x(b.s.max), mid, mid);
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" stroke=\"#555\"/>",
        x(b.s.q1), y + 4, std::max(1.5, x(b.s.q3) - x(b.s.q1)), kRow - 8, kBoxColour);
    svg += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#000\" "
        "stroke-width=\"2\"/>\n",
        x(b.s.median), x(b.s.median), y + 3, y + kRow - 3);
  }
  const int axis_y = kTop + kRow * static_cast<int>(boxes.size()) + 14;
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
      kLabel, axis_y, report::EscapeHtml(axis_label(lo)), kLabel + kArea, axis_y,
      report::EscapeHtml(axis_label(hi)));
  return svg + "</svg>\n";
}

std::string Page(const std::string& title, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>"
      "<style>{}</style></head><body>\n{}</body></html>\n",
      report::EscapeHtml(title), kStyle, body);
}

std::string Lists(const std::vector<std::string>& warnings, const std::vector<std::string>& notes) {
  std::string out;
  for (const auto& w : warnings)
    out += fmt::format("<p class=\"warn\">warning: {}</p>\n", report::EscapeHtml(w));
  for (const auto& n : notes)
    out += fmt::format("<p class=\"note\">{}</p>\n", report::EscapeHtml(n));
  return out;
}

}  // namespace

std::string RenderBenchHtml(const BenchReport& r) {
  std::string body = fmt::format("<h1>dlenv bench</h1>\n<p>{} &middot; {} &middot; dlenv {}</p>\n",
                                 report::EscapeHtml(r.date), report::EscapeHtml(r.host),
                                 report::EscapeHtml(r.dlenv_version));
  if (r.gpu) body += fmt::format("<p>GPU: {}</p>\n", report::EscapeHtml(*r.gpu));
  if (r.blas) body += fmt::format("<p>BLAS: {}</p>\n", report::EscapeHtml(*r.blas));
  body += Lists(r.warnings, {});

  // One bar chart per unit: GFLOP/s with GFLOP/s, GB/s with GB/s.
  std::map<std::string, std::vector<Bar>> by_unit;
  std::vector<Box> boxes;
  double spread = 0.01;
  for (const auto& m : r.measurements) {
    if (m.error || (m.check.done && !m.check.passed) || m.time.n == 0) continue;
    std::string text = FormatValue(m.value, m.unit);
    if (m.peak && *m.peak > 0) text += fmt::format(" ({:.0f}% of peak)", 100 * m.value / *m.peak);
    by_unit[m.unit].push_back({m.name, m.value, text, m.peak});
    // Times relative to their own median, so that different sizes share an axis.
    Summary rel = m.time;
    for (double* v : {&rel.min, &rel.q1, &rel.median, &rel.q3, &rel.max})
      *v = *v / m.time.median - 1;
    spread = std::max({spread, -rel.min, rel.max});
    boxes.push_back({m.name, rel});
  }
  body += "<h2>Results</h2>\n";
  for (const auto& [unit, bars] : by_unit)
    body += BarChart(fmt::format("Throughput, {}", unit), bars);
  body += BoxChart("Run-to-run spread (time relative to the median)", boxes, -spread, spread,
                   [](double v) { return fmt::format("{:+.1f}%", 100 * v); });

  body +=
      "<table><tr><th>measurement</th><th>result</th><th>median time</th><th>spread (IQR/2)</th>"
      "<th>min</th><th>max</th><th>runs</th><th>peak</th><th>check</th></tr>\n";
  for (const auto& m : r.measurements) {
    const bool wrong = m.check.done && !m.check.passed;
    body += fmt::format(
        "<tr><td>{}</td><td class=\"num{}\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td "
        "class=\"{}\">{}</td></tr>\n",
        report::EscapeHtml(m.name), wrong ? " bad" : "",
        report::EscapeHtml(wrong ? "wrong result" : FormatValue(m.value, m.unit)),
        FormatSeconds(m.time.median), FormatSpread(m.time), FormatSeconds(m.time.min),
        FormatSeconds(m.time.max), m.time.n,
        m.peak ? report::EscapeHtml(fmt::format("{} ({})", FormatValue(*m.peak, m.unit),
                                                m.peak_source.value_or("")))
               : "-",
        !m.check.done ? "note"
        : wrong       ? "bad"
                      : "ok",
        report::EscapeHtml(m.check.done ? m.check.detail : "not checked"));
  }
  body += "</table>\n" + Lists({}, r.notes);
  return Page("dlenv bench", body);
}

namespace {

// The verdict of run i against the fastest of its workload, as the table cell says it.
std::string CompareVerdict(const CompareReport& r, std::size_t i) {
  for (const auto& v : r.verdicts) {
    if (v.fastest == i) return "fastest";
    if (v.run != i) continue;
    const auto& c = v.comparison;
    if (c.verdict == Verdict::kFirstFaster)
      return fmt::format("slower &times;{:.2f} [{:.2f}&ndash;{:.2f}]", c.ratio, c.interval.low,
                         c.interval.high);
    if (c.verdict == Verdict::kSame && std::fabs(c.ratio - 1) <= c.noise) {
      return fmt::format("within noise (&times;{:.2f}, noise {:.0f}%)", c.ratio, 100 * c.noise);
    }
    if (c.verdict == Verdict::kSame)
      return fmt::format("not significant (&times;{:.2f}, p {:.2g})", c.ratio, c.p_value);
    return std::string(VerdictName(c.verdict));
  }
  return "";
}

// One workload's section: the throughput bars, the time boxes and the table of its runs.
std::string CompareGroupHtml(const CompareReport& r, const std::string& key,
                             const std::vector<std::size_t>& group) {
  std::string body;
  body += fmt::format("<h2>{}</h2>\n", report::EscapeHtml(key));
  std::vector<Bar> bars;
  std::vector<Box> boxes;
  double lo = 0, hi = 0;
  for (std::size_t i : group) {
    const auto& run = r.runs[i];
    if (run.skipped || run.error || run.time.n == 0 || (run.check.done && !run.check.passed))
      continue;
    // Version in the label: the same framework may come from two environments.
    const std::string label =
        fmt::format("{} {} {}", run.framework,
                    run.framework_version.substr(0, run.framework_version.find('+')), run.mode);
    std::string text = FormatValue(run.value, run.unit);
    if (run.share_of_native) text += fmt::format(" ({:.2f} of native)", *run.share_of_native);
    if (run.share_of_peak) text += fmt::format(" ({:.0f}% of peak)", 100 * *run.share_of_peak);
    bars.push_back({label, run.value, text, std::nullopt});
    boxes.push_back({label, run.time});
    lo = boxes.size() == 1 ? run.time.min : std::min(lo, run.time.min);
    hi = std::max(hi, run.time.max);
  }
  const bool empty_workload = r.runs[group.front()].workload == "empty";
  if (!empty_workload) body += BarChart("Throughput", bars);
  body += BoxChart("Time per run", boxes, lo, hi, [](double v) { return FormatSeconds(v); });
  body +=
      "<table><tr><th>framework</th><th>mode</th><th>median</th><th>spread</th><th>throughput</th>"
      "<th>of native</th><th>of peak</th><th>verdict</th><th>check</th></tr>\n";
  for (std::size_t i : group) {
    const auto& run = r.runs[i];
    if (run.skipped || run.error) {
      body += fmt::format(
          "<tr><td>{} {}</td><td>{}</td><td colspan=\"7\" class=\"note\">{}</td></tr>\n",
          report::EscapeHtml(run.framework), report::EscapeHtml(run.framework_version),
          report::EscapeHtml(run.mode),
          report::EscapeHtml(run.skipped ? "skipped: " + *run.skipped : "error: " + *run.error));
      continue;
    }
    const bool wrong = run.check.done && !run.check.passed;
    body += fmt::format(
        "<tr><td>{} {}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td "
        "class=\"{}\">{}</td></tr>\n",
        report::EscapeHtml(run.framework), report::EscapeHtml(run.framework_version),
        report::EscapeHtml(run.mode), FormatSeconds(run.time.median), FormatSpread(run.time),
        report::EscapeHtml(FormatValue(run.value, run.unit)),
        run.share_of_native ? fmt::format("{:.2f}", *run.share_of_native) : "-",
        run.share_of_peak ? fmt::format("{:.0f}%", 100 * *run.share_of_peak) : "-",
        CompareVerdict(r, i),
        !run.check.done ? "note"
        : wrong         ? "bad"
                        : "ok",
        report::EscapeHtml(run.check.done ? run.check.detail : "not checked"));
  }
  body += "</table>\n";
  return body;
}

}  // namespace

std::string RenderCompareHtml(const CompareReport& r) {
  std::string body =
      fmt::format("<h1>dlenv compare</h1>\n<p>{} &middot; device {} &middot; dlenv {}</p>\n",
                  report::EscapeHtml(r.date), report::EscapeHtml(r.device),
                  report::EscapeHtml(r.dlenv_version));
  body += Lists(r.warnings, {});
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const std::string key = r.runs[i].workload + " " + r.runs[i].variant;
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(i);
  }
  for (const auto& key : order) body += CompareGroupHtml(r, key, groups[key]);
  body +=
      "<h2>Processes</h2>\n<table><tr><th>framework</th><th>interpreter</th><th>wall "
      "time</th><th>import</th>"
      "<th>outcome</th></tr>\n";
  for (const auto& p : r.processes) {
    body += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td>{}</td></tr>\n",
        report::EscapeHtml(p.framework), report::EscapeHtml(p.python),
        FormatSeconds(p.wall_seconds), FormatSeconds(p.import_seconds),
        report::EscapeHtml(p.error     ? "error: " + *p.error
                           : p.skipped ? "skipped: " + *p.skipped
                                       : ""));
  }
  body += "</table>\n";
  if (r.peak_source)
    body += fmt::format("<p class=\"note\">Peaks: {}</p>\n", report::EscapeHtml(*r.peak_source));
  body += Lists({}, r.notes);
  return Page("dlenv compare", body);
}

}  // namespace dlenv::bench
