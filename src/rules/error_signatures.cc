#include "rules/error_signatures.h"

#include <algorithm>
#include <regex>

#include "rules/error_causes.h"
#include "util/log_lines.h"
#include "util/strings.h"

namespace dlenv::rules {

struct ErrorMatcher::Compiled {
  struct Pattern {
    const knowledge::ErrorPattern* source;
    std::regex regex;
  };
  std::vector<Pattern> patterns;
};

ErrorMatcher::ErrorMatcher(const knowledge::ErrorSignatures& catalogue) : catalogue_(catalogue) {
  for (const auto& sig : catalogue.signatures) {
    auto c = std::make_unique<Compiled>();
    for (const auto& p : sig.patterns) {
      c->patterns.push_back(
          {&p, std::regex(p.regex, std::regex::ECMAScript | std::regex::optimize)});
    }
    compiled_.push_back(std::move(c));
  }
}

ErrorMatcher::~ErrorMatcher() = default;

void ErrorMatcher::Feed(std::string_view line, std::size_t number, std::optional<int> rank) {
  // Python prints a chain oldest first: "Traceback ..." opens one, and the lines that join
  // two exceptions keep the same chain.
  if (line.starts_with("Traceback (most recent call last)")) {
    if (!in_traceback_) ++chains_;
    in_traceback_ = true;
  } else if (line.find("During handling of the above exception") != std::string_view::npos ||
             line.find("The above exception was the direct cause") != std::string_view::npos) {
    in_traceback_ = true;
  } else if (!line.empty() && line[0] != ' ' && line.find("Error") == std::string_view::npos &&
             line.find("Exception") == std::string_view::npos &&
             line.find(':') == std::string_view::npos) {
    in_traceback_ = false;
  }
  for (const char* name : {"torch", "tensorflow", "jax", "cupy"}) {
    if (line.find(name) != std::string_view::npos) ++mentions_[name];
  }
  for (std::size_t s = 0; s < compiled_.size(); ++s) {
    for (const auto& pattern : compiled_[s]->patterns) {
      if (line.find(pattern.source->literal) == std::string_view::npos) continue;
      std::match_results<std::string_view::const_iterator> m;
      if (!std::regex_search(line.begin(), line.end(), m, pattern.regex)) continue;
      auto& match = found_[s];
      if (match.count == 0) {
        match.signature = &catalogue_.signatures[s];
        match.printed_by = pattern.source->framework;
        match.first_line = number;
        if (in_traceback_ && chains_ >= 0) match.chain = chains_;
      }
      ++match.count;
      for (std::size_t g = 0; g < pattern.source->extracts.size() && g + 1 < m.size(); ++g) {
        if (m[g + 1].matched) match.values.emplace(pattern.source->extracts[g], m[g + 1].str());
      }
      if (rank) match.ranks.insert(*rank);
      const bool quoted = std::any_of(match.lines.begin(), match.lines.end(),
                                      [&](const QuotedLine& q) { return q.number == number; });
      if (!quoted && match.lines.size() < kMaxQuotedLines) {
        std::string text(line.substr(0, kMaxQuotedBytes));
        if (line.size() > kMaxQuotedBytes) text = util::ValidUtf8(text) + " ...";
        match.lines.push_back({number, std::move(text)});
      }
      break;  // one pattern per signature and line is enough
    }
  }
}

std::vector<SignatureMatch> ErrorMatcher::Matches() const {
  std::vector<SignatureMatch> all;
  for (const auto& [index, match] : found_) all.push_back(match);
  std::stable_sort(all.begin(), all.end(), [](const SignatureMatch& a, const SignatureMatch& b) {
    if (a.signature->layer != b.signature->layer) return a.signature->layer < b.signature->layer;
    return a.first_line < b.first_line;
  });
  std::vector<SignatureMatch> kept;
  for (auto& m : all) {
    // The same lines seen by two wordings of one error in one layer (TensorFlow's "Could
    // not load dynamic library 'X'; dlerror: X: cannot open ...") are one error.
    const bool repeated = std::any_of(kept.begin(), kept.end(), [&](const SignatureMatch& k) {
      if (k.signature->layer != m.signature->layer || k.lines.size() != m.lines.size())
        return false;
      for (std::size_t i = 0; i < k.lines.size(); ++i) {
        if (k.lines[i].number != m.lines[i].number) return false;
      }
      return true;
    });
    if (!repeated) kept.push_back(std::move(m));
  }
  return kept;
}

std::string ErrorMatcher::Framework() const {
  std::string best;
  std::size_t most = 0;
  for (const auto& [name, count] : mentions_) {
    if (count > most) {
      best = name;
      most = count;
    }
  }
  return best;
}

std::vector<SignatureMatch> MatchErrorText(std::string_view text,
                                           const knowledge::ErrorSignatures& catalogue) {
  ErrorMatcher matcher(catalogue);
  util::LogLineReader reader(
      [&](const util::LogLine& line) { matcher.Feed(line.text, line.number, line.rank); });
  reader.Feed(text);
  reader.Finish();
  return matcher.Matches();
}

std::optional<model::Finding> ClassifyErrorText(std::string_view framework, std::string_view text) {
  const auto& catalogue = knowledge::BuiltinErrorSignatures();
  for (const auto& match : MatchErrorText(text, catalogue)) {
    if (!match.signature->configuration) continue;
    const MachineFacts unknown = MachineFacts::Unknown();
    auto verdict = DecideCause(match, unknown, std::string(framework));
    if (verdict.finding_id.empty()) continue;
    std::vector<std::string> quoted;
    for (const auto& l : match.lines) quoted.push_back(l.text);
    return model::Finding{verdict.finding_id, model::Severity::kError,
                          std::string(framework) + ": " + verdict.says,
                          std::string(util::Trim(util::Join(quoted, "\n"))), verdict.fix};
  }
  return std::nullopt;
}

}  // namespace dlenv::rules
