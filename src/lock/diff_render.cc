// The renderings of a lock diff: text for a terminal, Markdown for a pull request, JSON.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "lock/diff.h"
#include "model/json.h"

namespace dlenv::lock {
namespace {

std::string Arrow(const Change& c) {
  switch (c.kind) {
    case ChangeKind::kAdded:
      return *c.to;
    case ChangeKind::kRemoved:
      return *c.from;
    default:
      return fmt::format("{} -> {}", c.from.value_or("none"), c.to.value_or("none"));
  }
}

std::string Summary(const LockDiff& d) {
  return fmt::format("{} change{}: {} breaking, {} notable, {} cosmetic", d.changes.size(),
                     d.changes.size() == 1 ? "" : "s", d.Count(Impact::kBreaking),
                     d.Count(Impact::kNotable), d.Count(Impact::kCosmetic));
}

std::string MarkdownCell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string_view ChangeKindName(ChangeKind k) {
  switch (k) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kRemoved:
      return "removed";
    case ChangeKind::kUpgraded:
      return "upgraded";
    case ChangeKind::kDowngraded:
      return "downgraded";
    case ChangeKind::kRebuilt:
      return "rebuilt";
    case ChangeKind::kChanged:
      return "changed";
  }
  return "changed";
}

std::string_view ImpactName(Impact i) {
  switch (i) {
    case Impact::kCosmetic:
      return "cosmetic";
    case Impact::kNotable:
      return "notable";
    case Impact::kBreaking:
      return "breaking";
  }
  return "cosmetic";
}

std::string RenderDiffText(const LockDiff& diff, std::string_view a_name, std::string_view b_name) {
  if (diff.empty()) return fmt::format("No differences between {} and {}.\n", a_name, b_name);
  std::string out = fmt::format("{} -> {}\n{}\n", a_name, b_name, Summary(diff));
  std::optional<Impact> current;
  for (const auto& c : diff.changes) {
    if (c.impact != current) {
      current = c.impact;
      std::string heading(ImpactName(c.impact));
      std::transform(heading.begin(), heading.end(), heading.begin(), ::toupper);
      out += "\n" + heading + "\n";
    }
    out += fmt::format("  {:<15} {:<28} {:<10} {}  ({})\n", c.section, c.item,
                       ChangeKindName(c.kind), Arrow(c), c.why);
  }
  return out;
}

std::string RenderDiffMarkdown(const LockDiff& diff, std::string_view a_name,
                               std::string_view b_name) {
  std::string out = fmt::format("### Environment diff: `{}` → `{}`\n\n", a_name, b_name);
  if (diff.empty()) return out + "No differences.\n";
  out += Summary(diff) + "\n\n";
  out += "| Impact | Section | Item | Change | From | To | Why |\n|---|---|---|---|---|---|---|\n";
  for (const auto& c : diff.changes) {
    std::string impact(ImpactName(c.impact));
    if (c.impact == Impact::kBreaking) impact = "**breaking**";
    out += fmt::format("| {} | {} | `{}` | {} | {} | {} | {} |\n", impact, c.section,
                       MarkdownCell(c.item), ChangeKindName(c.kind),
                       MarkdownCell(c.from ? "`" + *c.from + "`" : ""),
                       MarkdownCell(c.to ? "`" + *c.to + "`" : ""), MarkdownCell(c.why));
  }
  return out;
}

nlohmann::json DiffToJson(const LockDiff& diff, std::string_view a_name, std::string_view b_name) {
  nlohmann::json j;
  j["a"] = std::string(a_name);
  j["b"] = std::string(b_name);
  j["identical"] = diff.empty();
  j["summary"] = {{"breaking", diff.Count(Impact::kBreaking)},
                  {"notable", diff.Count(Impact::kNotable)},
                  {"cosmetic", diff.Count(Impact::kCosmetic)}};
  j["changes"] = nlohmann::json::array();
  for (const auto& c : diff.changes) {
    j["changes"].push_back({{"section", c.section},
                            {"item", c.item},
                            {"kind", std::string(ChangeKindName(c.kind))},
                            {"from", c.from},
                            {"to", c.to},
                            {"impact", std::string(ImpactName(c.impact))},
                            {"why", c.why}});
  }
  return j;
}

}  // namespace dlenv::lock
