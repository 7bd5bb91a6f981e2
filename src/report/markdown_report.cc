#include <fmt/format.h>

#include "report/report.h"

namespace dlenv::report {

std::string RenderMarkdown(const model::Snapshot& s) {
  // A findings table GitHub renders, then the full text report folded away, so a bug
  // report stays short to read and complete to debug.
  std::string out =
      fmt::format("### dlenv doctor ({} , knowledge {})\n\n", s.dlenv_version, s.knowledge_date);
  if (s.findings.empty()) {
    out += "No findings.\n\n";
  } else {
    out += "| severity | id | finding | fix |\n|---|---|---|---|\n";
    auto cell = [](std::string v) {
      std::string r;
      for (char c : v) {
        if (c == '|')
          r += "\\|";
        else if (c == '\n')
          r += "<br>";
        else
          r += c;
      }
      return r;
    };
    for (const auto& f : s.findings) {
      out += fmt::format("| {} | `{}` | {} | `{}` |\n", model::SeverityName(f.severity), f.id,
                         cell(f.title + (f.evidence.empty() ? "" : " (" + f.evidence + ")")),
                         cell(f.fix));
    }
    out += "\n";
  }
  out += "<details><summary>Full report</summary>\n\n```text\n";
  out += RenderText(s, TextStyle{false});
  out += "```\n\n</details>\n";
  return out;
}

}  // namespace dlenv::report
