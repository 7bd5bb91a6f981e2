#include "health/drain.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/strings.h"

namespace dlenv::health {
namespace {

// The value of `key=` on a line of scontrol's output, up to the end of the token (or of the
// line for Reason=, whose value has spaces).
std::optional<std::string> Field(std::string_view text, std::string_view key, bool to_line_end) {
  std::size_t pos = 0;
  while ((pos = text.find(key, pos)) != std::string_view::npos) {
    const bool at_token_start =
        pos == 0 || text[pos - 1] == ' ' || text[pos - 1] == '\n' || text[pos - 1] == '\t';
    if (at_token_start && text.substr(pos + key.size(), 1) == "=") break;
    pos += key.size();
  }
  if (pos == std::string_view::npos) return std::nullopt;
  const std::size_t start = pos + key.size() + 1;
  const std::size_t end = text.find_first_of(to_line_end ? "\n" : " \t\n", start);
  return std::string(
      text.substr(start, end == std::string_view::npos ? text.size() - start : end - start));
}

}  // namespace

bool SlurmNode::Drained() const {
  return std::any_of(states.begin(), states.end(), [](const std::string& s) {
    return s == "DRAIN" || s == "DRAINED" || s == "DRAINING";
  });
}

bool SlurmNode::DrainedByDlenv() const {
  return Drained() && reason.starts_with(kDrainReasonPrefix);
}

std::optional<SlurmNode> ParseScontrolShowNode(std::string_view text) {
  auto name = Field(text, "NodeName", false);
  if (!name || name->empty()) return std::nullopt;
  SlurmNode node;
  node.name = *name;
  if (auto state = Field(text, "State", false)) {
    for (auto part : util::Split(*state, '+')) {
      std::string s(util::Trim(part));
      if (!s.empty() && s.back() == '*') s.pop_back();  // "IDLE*": not responding
      if (!s.empty()) node.states.push_back(s);
    }
  }
  if (auto reason = Field(text, "Reason", true)) {
    std::string r = *reason;
    // scontrol appends " [user@2026-11-30T03:30:00]": who set it and when.
    if (auto bracket = r.rfind(" ["); bracket != std::string::npos && r.ends_with("]"))
      r.resize(bracket);
    node.reason = std::string(util::Trim(r));
  }
  return node;
}

DrainDecision DecideDrain(const Verdict& verdict, const SlurmNode& node) {
  DrainDecision d;
  if (!verdict.healthy) {
    std::string reason = fmt::format("{} {}", kDrainReasonPrefix, verdict.summary);
    if (reason.size() > kMaxReasonLength) reason = reason.substr(0, kMaxReasonLength - 3) + "...";
    if (node.Drained() && !node.DrainedByDlenv()) {
      d.why = fmt::format("already drained by hand (reason '{}'): left as it is", node.reason);
    } else if (node.DrainedByDlenv() && node.reason == reason) {
      d.why = "already drained by dlenv for this reason";
    } else {
      d.action = DrainAction::kDrain;
      d.reason = reason;
      d.why = node.Drained() ? "drain reason updated" : "drained";
    }
    return d;
  }
  if (node.DrainedByDlenv()) {
    d.action = DrainAction::kResume;
    d.why = fmt::format("resumed (dlenv had drained it: '{}')", node.reason);
  } else if (node.Drained()) {
    d.why = fmt::format("drained by hand (reason '{}'): not resumed", node.reason);
  }
  return d;
}

std::vector<std::string> ScontrolUpdateArgs(const DrainDecision& decision,
                                            const std::string& node) {
  switch (decision.action) {
    case DrainAction::kDrain:
      return {"update", "nodename=" + node, "state=drain", "reason=" + decision.reason};
    case DrainAction::kResume:
      return {"update", "nodename=" + node, "state=resume"};
    case DrainAction::kNone:
      break;
  }
  return {};
}

std::string ShortHostName(std::string_view hostname) {
  return std::string(hostname.substr(0, hostname.find('.')));
}

}  // namespace dlenv::health
