#pragma once
// The one classifier of error texts: lines in, the catalogue's signatures out (with what each
// match extracted), root cause first. Pure; `dlenv explain` feeds it a log line by line and
// `dlenv verify` the stderr of a framework check.

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/error_signatures.h"
#include "model/finding.h"

namespace dlenv::rules {

struct QuotedLine {
  std::size_t number = 0;
  std::string text;
};

struct SignatureMatch {
  const knowledge::ErrorSignature* signature = nullptr;
  std::string printed_by;                     // the framework of the first pattern that matched
  std::map<std::string, std::string> values;  // each extract's first value
  std::vector<QuotedLine> lines;              // the first few matching lines
  std::size_t count = 0;                      // every matching line
  std::size_t first_line = 0;
  std::optional<int> chain;  // which Python traceback chain (0, 1, ...) the first match is in
  std::set<int> ranks;       // ranks whose lines matched (rank prefixes)
};

/// Feeds normalised lines (util::NormalizeLogLine) one by one; memory is bounded by the
/// catalogue, not by the log (a signature keeps its first kMaxQuotedLines lines).
class ErrorMatcher {
 public:
  static constexpr std::size_t kMaxQuotedLines = 3;
  static constexpr std::size_t kMaxQuotedBytes = 600;

  explicit ErrorMatcher(const knowledge::ErrorSignatures& catalogue);
  ~ErrorMatcher();
  ErrorMatcher(const ErrorMatcher&) = delete;
  ErrorMatcher& operator=(const ErrorMatcher&) = delete;

  void Feed(std::string_view line, std::size_t number, std::optional<int> rank = std::nullopt);

  /// Root cause first: lower layers first (driver, container, library, build, runtime), then
  /// the order in the log (within a Python chain the first exception is the original one).
  /// A match whose lines another match of the same layer already quotes is dropped.
  std::vector<SignatureMatch> Matches() const;

  /// The framework the log is about ("torch", "tensorflow", "jax", "cupy"), from the names
  /// and paths it mentions; "" when none.
  std::string Framework() const;

 private:
  struct Compiled;
  const knowledge::ErrorSignatures& catalogue_;
  std::vector<std::unique_ptr<Compiled>> compiled_;
  std::map<std::size_t, SignatureMatch> found_;  // by signature index
  std::map<std::string, std::size_t> mentions_;
  int chains_ = -1;
  bool in_traceback_ = false;
};

/// Every match in a whole text (split into lines and normalised).
std::vector<SignatureMatch> MatchErrorText(std::string_view text,
                                           const knowledge::ErrorSignatures& catalogue);

/// The finding doctor would raise for the first configuration problem in `text`, judged with
/// nothing known about the machine (each signature's last cause): what verify reports for a
/// failed framework check. nullopt when nothing is recognised or it is not a setup problem.
std::optional<model::Finding> ClassifyErrorText(std::string_view framework, std::string_view text);

}  // namespace dlenv::rules
