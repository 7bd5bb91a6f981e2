#include "explain/render.h"

#include <fmt/format.h>

#include <cctype>

#include "util/strings.h"

namespace dlenv::explain {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Where(const json& doc) {
  const auto& input = doc["input"];
  const std::string kind = Str(input, "kind");
  std::string what =
      kind == "command"
          ? "the output of `" +
                util::Join(doc["command"]["argv"].get<std::vector<std::string>>(), " ") + "`"
      : kind == "stdin" ? "stdin"
                        : Str(input, "path");
  return fmt::format("{} ({} lines)", what, input.value("lines", 0));
}

struct Style {
  bool color;
  std::string Bold(const std::string& s) const { return color ? "\033[1m" + s + "\033[0m" : s; }
  std::string Red(const std::string& s) const { return color ? "\033[31m" + s + "\033[0m" : s; }
  std::string Dim(const std::string& s) const { return color ? "\033[2m" + s + "\033[0m" : s; }
};

void TextMatch(std::string& out, int n, const json& m, const Style& st) {
  const auto& cause = m["cause"];
  const bool config = m.value("configuration", true);
  out += fmt::format("\n{}. {}  [{}{}]\n", n, st.Bold(Str(m, "title")), Str(m, "layer"),
                     config ? "" : ", not a configuration problem");
  for (const auto& l : m["lines"])
    out += st.Dim(fmt::format("   line {}: ", l.value("line", 0))) + Str(l, "text") + "\n";
  if (m.value("count", 0) > static_cast<int>(m["lines"].size()))
    out += st.Dim(fmt::format("   ({} matching lines in all)", m.value("count", 0))) + "\n";
  if (!m["ranks"].empty()) out += st.Dim("   ranks: " + m["ranks"].dump()) + "\n";
  if (!config) {
    out += "   not a configuration problem: " + Str(cause, "says") + "\n";
    if (!Str(m, "hint").empty()) out += "   try: " + Str(m, "hint") + "\n";
    return;
  }
  out += "   cause: " + Str(cause, "says") + "\n";
  for (const auto& e : cause["decided_by"]) out += "   evidence: " + e.get<std::string>() + "\n";
  if (cause.contains("finding_evidence"))
    out += "   evidence (" + Str(cause, "finding") + "): " + Str(cause, "finding_evidence") + "\n";
  for (const auto& e : cause["assumed"]) out += "   assumed: " + e.get<std::string>() + "\n";
  out += "   fix: " + st.Bold(Str(cause, "fix")) + "\n";
  if (!Str(cause, "confirm").empty()) out += "   confirm: " + Str(cause, "confirm") + "\n";
}

// GitHub's heading anchor: lower case, punctuation other than '-' and '_' dropped.
std::string Anchor(const std::string& heading) {
  std::string out;
  for (char c : util::ToLower(heading)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
      out.push_back(c);
    else if (c == ' ')
      out.push_back('-');
  }
  return out;
}

}  // namespace

std::string RenderText(const json& doc, bool color) {
  const Style st{color};
  std::string out;
  const auto& matches = doc["matches"];
  if (const auto& c = doc["command"]; c.is_object())
    out +=
        fmt::format("dlenv explain: `{}` {}\n",
                    util::Join(c["argv"].get<std::vector<std::string>>(), " "), Str(c, "describe"));
  if (matches.empty()) {
    out += fmt::format("dlenv explain: no error that dlenv knows in {}; judged against {}\n",
                       Where(doc), Str(doc["machine"], "source"));
    const auto& findings = doc["machine_findings"];
    if (!findings.empty()) {
      out += "\nErrors dlenv doctor finds on " + Str(doc["machine"], "source") + ":\n";
      for (const auto& f : findings) {
        out += fmt::format("  {}  {}  {}\n", st.Red("error"), Str(f, "id"), Str(f, "title"));
        out += "        fix: " + Str(f, "fix") + "\n";
      }
    }
    out += "\n`dlenv explain --catalogue` lists the errors dlenv recognises.\n";
    return out;
  }
  out += fmt::format(
      "dlenv explain: {} error{} recognised in {}, root cause first; judged against {}\n",
      matches.size(), matches.size() == 1 ? "" : "s", Where(doc), Str(doc["machine"], "source"));
  int n = 0;
  for (const auto& m : matches) TextMatch(out, ++n, m, st);
  return out;
}

std::string RenderMarkdown(const json& doc) {
  std::string out = "### dlenv explain\n\n";
  out += fmt::format("Input: {}; judged against {}.\n", Where(doc), Str(doc["machine"], "source"));
  if (const auto& c = doc["command"]; c.is_object())
    out +=
        fmt::format("Command: `{}`, {}.\n",
                    util::Join(c["argv"].get<std::vector<std::string>>(), " "), Str(c, "describe"));
  const auto& matches = doc["matches"];
  if (matches.empty()) {
    out += "\nNo error that dlenv knows.\n";
    for (const auto& f : doc["machine_findings"])
      out += fmt::format("\n- **error** `{}`: {}. Fix: {}\n", Str(f, "id"), Str(f, "title"),
                         Str(f, "fix"));
    return out;
  }
  int n = 0;
  for (const auto& m : matches) {
    const auto& cause = m["cause"];
    out += fmt::format("\n#### {}. {} ({})\n\n```\n", ++n, Str(m, "title"), Str(m, "layer"));
    for (const auto& l : m["lines"])
      out += fmt::format("{}: {}\n", l.value("line", 0), Str(l, "text"));
    out += "```\n\n";
    if (!m.value("configuration", true)) {
      out += "- **Not a configuration problem:** " + Str(cause, "says") + "\n";
      if (!Str(m, "hint").empty()) out += "- **Try:** " + Str(m, "hint") + "\n";
      continue;
    }
    out += "- **Cause:** " + Str(cause, "says") + "\n";
    for (const auto& e : cause["decided_by"])
      out += "- **Evidence:** " + e.get<std::string>() + "\n";
    for (const auto& e : cause["assumed"]) out += "- **Assumed:** " + e.get<std::string>() + "\n";
    out += "- **Fix:** " + Str(cause, "fix") + "\n";
    if (!Str(cause, "confirm").empty()) out += "- **Confirm:** `" + Str(cause, "confirm") + "`\n";
  }
  return out;
}

std::string RenderCatalogue(const knowledge::ErrorSignatures& catalogue) {
  auto cell = [](std::string s) {
    std::string out;
    for (char c : s) {
      if (c == '|')
        out += "\\|";
      else if (c == '\n')
        out += ' ';
      else
        out.push_back(c);
    }
    return out;
  };
  std::string out =
      fmt::format("{} signatures, catalogue of {} (src/knowledge/data/error_signatures.json). {}\n",
                  catalogue.signatures.size(), catalogue.date, catalogue.source);
  out += "\n| signature | layer | configuration | causes |\n|---|---|---|---|\n";
  for (const auto& s : catalogue.signatures) {
    std::vector<std::string> causes;
    for (const auto& c : s.causes) causes.push_back(c.id);
    out += fmt::format("| [`{}`](#{}) | {} | {} | {} |\n", s.id, Anchor(s.id),
                       knowledge::ErrorLayerName(s.layer), s.configuration ? "yes" : "no",
                       util::Join(causes, ", "));
  }
  for (const auto& s : catalogue.signatures) {
    out += fmt::format(
        "\n### {}\n\n{}. Layer: {}; {}.\n\n", s.id, cell(s.title),
        knowledge::ErrorLayerName(s.layer),
        s.configuration ? "a configuration problem" : "**not** a configuration problem");
    out += "| wording (regex) | printed by | releases | source |\n|---|---|---|---|\n";
    for (const auto& p : s.patterns) {
      std::string extracts =
          p.extracts.empty() ? "" : " (extracts: " + util::Join(p.extracts, ", ") + ")";
      out += fmt::format("| `{}`{} | {} | {} | {} |\n", cell(p.regex), cell(extracts),
                         cell(p.framework), cell(p.versions), cell(p.source));
    }
    out += "\nDecided by: " + s.decided_by + ".\n\n";
    if (s.configuration) {
      out += "| cause | when | finding | says |\n|---|---|---|---|\n";
      for (const auto& c : s.causes) {
        out +=
            fmt::format("| `{}` | {} | {} | {} |\n", c.id,
                        c.when.empty() ? "otherwise" : "`" + cell(util::Join(c.when, "`, `")) + "`",
                        c.finding.empty() ? "-" : "`" + c.finding + "`", cell(c.says));
      }
    } else {
      out += "Says: " + s.causes.front().says + ". Try: " + s.hint + "\n";
    }
  }
  return out;
}

}  // namespace dlenv::explain
