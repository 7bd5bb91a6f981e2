// Text and Markdown renderings of the fleet report.

#include <fmt/format.h>

#include "fleet/render.h"

namespace dlenv::fleet {
namespace {

constexpr std::size_t kChangesShown = 12;
constexpr std::size_t kNotesShown = 20;  // per list; --json has them all

std::string Plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string Verdict(const FleetAnalysis& a) {
  std::vector<std::string> parts;
  std::size_t breaking = 0, drifted = 0;
  for (const auto& g : a.groups) {
    if (g.baseline) continue;
    ++drifted;
    if (g.worst == lock::Impact::kBreaking) ++breaking;
  }
  if (drifted)
    parts.push_back(fmt::format("{} drifted ({} breaking)",
                                Plural(drifted, "environment", "environments"), breaking));
  if (!a.unhealthy.empty())
    parts.push_back(Plural(a.unhealthy.size(), "unhealthy node", "unhealthy nodes"));
  if (!a.missing.empty())
    parts.push_back(Plural(a.missing.size(), "missing node", "missing nodes"));
  if (!a.rejected.empty())
    parts.push_back(Plural(a.rejected.size(), "rejected report", "rejected reports"));
  if (!a.stale.empty()) parts.push_back(Plural(a.stale.size(), "stale report", "stale reports"));
  if (parts.empty()) return "consistent and healthy";
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

std::string ChangeLine(const lock::Change& c) {
  return fmt::format("{:<9} {:<14} {:<24} {:<10} {} -> {}  ({})", lock::ImpactName(c.impact),
                     c.section, c.item, lock::ChangeKindName(c.kind), c.from.value_or("-"),
                     c.to.value_or("-"), c.why);
}

}  // namespace

std::string ShortHash(const std::string& hash) {
  std::string h = hash.starts_with("sha256:") ? hash.substr(7) : hash;
  return h.substr(0, 12);
}

std::string GroupGrade(const EnvironmentGroup& g) {
  if (g.baseline) return "same";
  if (!g.diffed) return "unknown";
  if (!g.worst) return "same";
  return std::string(lock::ImpactName(*g.worst));
}

std::string RenderFleetText(const FleetAnalysis& a, const RenderContext& ctx) {
  std::string out =
      fmt::format("Fleet: {} in {}", Plural(a.reports, "node report", "node reports"), ctx.dir);
  if (!a.rejected.empty()) out += fmt::format(" ({} rejected)", a.rejected.size());
  out += "\n";
  if (a.baseline_hash) {
    out += fmt::format("Baseline: {} {}{}\n", a.baseline_source, ShortHash(*a.baseline_hash),
                       a.baseline_seen ? "" : " (no node has this environment)");
  }
  out += "\nEnvironments\n";
  for (const auto& g : a.groups) {
    out += fmt::format("  {}  {:>6}  {:<9} {}\n", ShortHash(g.hash),
                       Plural(g.hosts.size(), "node", "nodes"),
                       g.baseline ? "baseline" : GroupGrade(g), g.hostlist);
    std::size_t shown = 0;
    for (const auto& c : g.diff.changes) {
      if (shown++ == kChangesShown) {
        out +=
            fmt::format("      ... and {} more changes\n", g.diff.changes.size() - kChangesShown);
        break;
      }
      out += "      " + ChangeLine(c) + "\n";
    }
  }
  if (!a.unhealthy.empty()) {
    out += fmt::format("\nUnhealthy nodes ({})\n", a.unhealthy.size());
    for (const auto& u : a.unhealthy) {
      for (const auto& r : u.reasons) out += fmt::format("  {}  {}\n", u.host, r);
    }
  }
  if (!a.missing.empty())
    out += fmt::format("\nMissing ({} expected, no report): {}\n", a.missing.size(),
                       a.missing_hostlist);
  auto notes = [&](const char* title, const std::vector<NodeNote>& v) {
    if (v.empty()) return;
    out += fmt::format("\n{} ({})\n", title, v.size());
    for (std::size_t i = 0; i < v.size() && i < kNotesShown; ++i)
      out += fmt::format("  {}  {}\n", v[i].host, v[i].detail);
    if (v.size() > kNotesShown)
      out += fmt::format("  ... and {} more (--json lists them all)\n", v.size() - kNotesShown);
  };
  notes("Stale reports", a.stale);
  notes("Clock skew", a.skewed);
  notes("Duplicate host names", a.duplicates);
  if (!a.file_server_skew.empty()) out += "\nClock: " + a.file_server_skew + "\n";
  if (!a.rejected.empty()) {
    out += fmt::format("\nRejected files ({})\n", a.rejected.size());
    for (const auto& r : a.rejected) out += fmt::format("  {}: {}\n", r.file, r.reason);
  }
  out += fmt::format("\nVerdict: {}\n", Verdict(a));
  return out;
}

std::string RenderFleetMarkdown(const FleetAnalysis& a, const RenderContext& ctx) {
  auto esc = [](std::string s) {
    std::string o;
    for (char c : s) {
      if (c == '|')
        o += "\\|";
      else if (c == '\n')
        o += ' ';
      else
        o += c;
    }
    return o;
  };
  std::string out = fmt::format("### dlenv fleet report: {}\n\n", esc(Verdict(a)));
  out += fmt::format("{} in `{}`", Plural(a.reports, "node report", "node reports"), esc(ctx.dir));
  if (a.baseline_hash)
    out += fmt::format("; baseline: {} `{}`", esc(a.baseline_source), ShortHash(*a.baseline_hash));
  out += "\n\n| environment | nodes | grade | node list | changes |\n|---|---:|---|---|---|\n";
  for (const auto& g : a.groups) {
    out += fmt::format("| `{}` | {} | {} | `{}` | {} |\n", ShortHash(g.hash), g.hosts.size(),
                       g.baseline ? "baseline" : GroupGrade(g), esc(g.hostlist), esc(g.summary));
  }
  if (!a.unhealthy.empty()) {
    out += "\n**Unhealthy nodes**\n\n| node | reason |\n|---|---|\n";
    for (const auto& u : a.unhealthy) {
      for (const auto& r : u.reasons) out += fmt::format("| `{}` | {} |\n", esc(u.host), esc(r));
    }
  }
  if (!a.missing.empty())
    out += fmt::format("\n**Missing** ({}): `{}`\n", a.missing.size(), esc(a.missing_hostlist));
  auto notes = [&](const char* title, const std::vector<NodeNote>& v) {
    if (v.empty()) return;
    out += fmt::format("\n**{}**\n\n", title);
    for (const auto& n : v) out += fmt::format("- `{}`: {}\n", esc(n.host), esc(n.detail));
  };
  notes("Stale reports", a.stale);
  notes("Clock skew", a.skewed);
  notes("Duplicate host names", a.duplicates);
  if (!a.rejected.empty()) {
    out += "\n**Rejected files**\n\n";
    for (const auto& r : a.rejected) out += fmt::format("- `{}`: {}\n", esc(r.file), esc(r.reason));
  }
  return out;
}

}  // namespace dlenv::fleet
