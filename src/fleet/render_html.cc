// The fleet report as one self-contained HTML page: inline CSS, charts as inline SVG, no
// scripts and no external resources, so it can be mailed or attached to a ticket.

#include <fmt/format.h>

#include <algorithm>

#include "fleet/render.h"
#include "report/html.h"

namespace dlenv::fleet {
namespace {

// Colours a test looks for in Chromium's screenshot (src/fleet/render_html_test.cc).
constexpr const char* kBaselineColour = "#2e7d32";  // green
constexpr const char* kBreakingColour = "#c62828";  // red
constexpr const char* kNotableColour = "#ef6c00";   // orange
constexpr const char* kOtherColour = "#1565c0";     // blue: cosmetic, unknown

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px "
    "0 20px}"
    "td,th{border:1px solid #ccc;padding:3px "
    "8px;text-align:left;vertical-align:top}th{background:#f2f2f2}"
    "code{font-size:90%}.breaking{color:#c62828;font-weight:bold}.notable{color:#ef6c00}"
    ".verdict{font-size:120%;padding:8px;border-radius:4px}.ok{background:#e8f5e9}.bad{background:#"
    "ffebee}"
    "svg text{font-size:12px;font-family:sans-serif}";

std::string Colour(const EnvironmentGroup& g) {
  if (g.baseline) return kBaselineColour;
  if (g.worst == lock::Impact::kBreaking) return kBreakingColour;
  if (g.worst == lock::Impact::kNotable) return kNotableColour;
  return kOtherColour;
}

// One bar, as wide as the fleet, cut into a segment per environment (at least 2 px each, so
// a single drifted node among 100,000 still shows), then a second for health.
std::string Charts(const FleetAnalysis& a) {
  constexpr double kWidth = 900;
  std::size_t total = std::max<std::size_t>(a.reports, 1);
  std::string svg = fmt::format(
      "<svg class=\"chart\" width=\"{0}\" height=\"110\" viewBox=\"0 0 {0} 110\" role=\"img\" "
      "aria-label=\"nodes by environment and health\">\n<text x=\"0\" y=\"14\" "
      "font-weight=\"bold\">Nodes by "
      "environment</text>\n",
      kWidth + 20);
  double x = 0;
  for (const auto& g : a.groups) {
    double w =
        std::max(2.0, kWidth * static_cast<double>(g.hosts.size()) / static_cast<double>(total));
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"20\" width=\"{:.1f}\" height=\"28\" fill=\"{}\"><title>{} nodes, {}"
        "</title></rect>\n",
        x, w, Colour(g), g.hosts.size(),
        report::EscapeHtml(g.baseline ? "baseline" : GroupGrade(g)));
    x += w;
  }
  std::size_t sick = a.unhealthy.size();
  double bad_w =
      sick ? std::max(2.0, kWidth * static_cast<double>(sick) / static_cast<double>(total)) : 0;
  svg += "<text x=\"0\" y=\"70\" font-weight=\"bold\">Health</text>\n";
  svg += fmt::format(
      "<rect x=\"0\" y=\"76\" width=\"{:.1f}\" height=\"28\" fill=\"{}\"><title>{} "
      "healthy</title></rect>\n",
      kWidth - bad_w, kBaselineColour, a.reports - sick);
  if (sick) {
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"76\" width=\"{:.1f}\" height=\"28\" fill=\"{}\"><title>{} unhealthy"
        "</title></rect>\n",
        kWidth - bad_w, bad_w, kBreakingColour, sick);
  }
  return svg + "</svg>\n";
}

}  // namespace

std::string RenderFleetHtml(const FleetAnalysis& a, const RenderContext& ctx) {
  std::string body =
      fmt::format("<h1>dlenv fleet report</h1>\n<p>{} node reports in <code>{}</code>", a.reports,
                  report::EscapeHtml(ctx.dir));
  if (a.baseline_hash) {
    body += fmt::format("; baseline: {} <code>{}</code>", report::EscapeHtml(a.baseline_source),
                        ShortHash(*a.baseline_hash));
  }
  body += "</p>\n";
  int code = model::ToInt(a.ExitCode());
  body +=
      fmt::format("<p class=\"verdict {}\" id=\"verdict\">{}</p>\n", code == 0 ? "ok" : "bad",
                  code == 0 ? "Consistent and healthy"
                            : fmt::format("{} environments, {} unhealthy, {} missing, {} rejected",
                                          a.groups.size(), a.unhealthy.size(), a.missing.size(),
                                          a.rejected.size()));
  body += Charts(a);
  body +=
      "<h2>Environments</h2>\n<table "
      "id=\"groups\"><tr><th>environment</th><th>nodes</th><th>grade</th>"
      "<th>node list</th><th>changes from the baseline</th></tr>\n";
  for (const auto& g : a.groups) {
    std::string grade = g.baseline ? "baseline" : GroupGrade(g);
    std::string changes;
    for (const auto& c : g.diff.changes) {
      changes += fmt::format("<div class=\"{}\">{} {} {}: {} &rarr; {} <small>({})</small></div>",
                             lock::ImpactName(c.impact), lock::ImpactName(c.impact),
                             report::EscapeHtml(c.section), report::EscapeHtml(c.item),
                             report::EscapeHtml(c.from.value_or("-")),
                             report::EscapeHtml(c.to.value_or("-")), report::EscapeHtml(c.why));
    }
    body += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td class=\"{}\">{}</td><td><code>{}</code></td>"
        "<td>{}</td></tr>\n",
        ShortHash(g.hash), g.hosts.size(), grade, grade, report::EscapeHtml(g.hostlist), changes);
  }
  body += "</table>\n";
  if (!a.unhealthy.empty()) {
    body +=
        "<h2>Unhealthy nodes</h2>\n<table id=\"unhealthy\"><tr><th>node</th><th>reason</th></tr>\n";
    for (const auto& u : a.unhealthy) {
      for (const auto& r : u.reasons)
        body += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", report::EscapeHtml(u.host),
                            report::EscapeHtml(r));
    }
    body += "</table>\n";
  }
  if (!a.missing.empty()) {
    body += fmt::format(
        "<h2>Missing</h2>\n<p id=\"missing\">{} expected, no report: <code>{}</code></p>\n",
        a.missing.size(), report::EscapeHtml(a.missing_hostlist));
  }
  auto notes = [&](const char* title, const std::vector<NodeNote>& v) {
    if (v.empty()) return;
    body += fmt::format("<h2>{}</h2>\n<ul>\n", title);
    for (const auto& n : v)
      body += fmt::format("<li><code>{}</code>: {}</li>\n", report::EscapeHtml(n.host),
                          report::EscapeHtml(n.detail));
    body += "</ul>\n";
  };
  notes("Stale reports", a.stale);
  notes("Clock skew", a.skewed);
  notes("Duplicate host names", a.duplicates);
  if (!a.rejected.empty()) {
    body += "<h2>Rejected files</h2>\n<ul id=\"rejected\">\n";
    for (const auto& r : a.rejected) {
      body += fmt::format("<li><code>{}</code>: {}</li>\n", report::EscapeHtml(r.file),
                          report::EscapeHtml(r.reason));
    }
    body += "</ul>\n";
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>dlenv fleet "
      "report</title>"
      "<style>{}</style></head><body>\n{}</body></html>\n",
      kStyle, body);
}

}  // namespace dlenv::fleet
