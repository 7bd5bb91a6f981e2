#pragma once
// The catalogue of error texts dlenv recognises (knowledge/data/error_signatures.json): per
// signature the frameworks' own wordings with their source, what a match extracts, the
// candidate causes and the facts that decide between them. `dlenv explain` and `dlenv
// verify` both read it through rules/error_signatures.h; docs/explain.md is generated from it.

#include <string>
#include <string_view>
#include <vector>

namespace dlenv::knowledge {

/// Where in the stack a signature sits: a root cause sits lower (a missing driver explains a
/// failed library load, which explains a missing kernel image, which explains an assert).
enum class ErrorLayer { kDriver = 0, kContainer = 1, kLibrary = 2, kBuild = 3, kRuntime = 4 };

std::string_view ErrorLayerName(ErrorLayer layer);

struct ErrorPattern {
  std::string literal;  // a plain substring every matching line contains (a fast prefilter)
  std::string regex;    // ECMAScript; capture group i fills extracts[i]
  std::vector<std::string> extracts;
  std::string framework;  // who prints it
  std::string versions;   // which releases word it this way
  std::string source;     // the file or message table it comes from, or the captured text
};

/// One candidate cause. `when` lists facts (rules/error_causes.h documents the vocabulary)
/// that must all hold on the machine for this cause to be the verdict; the first cause whose
/// facts hold wins, an empty list always holds.
struct ErrorCause {
  std::string id;
  std::string says;  // the cause in one sentence; {name} takes an extracted value
  std::vector<std::string> when;
  std::string finding;  // the doctor finding that covers it, "" when none does
  std::string fix;      // used only when the machine has no such finding to take the fix from
};

struct ErrorSignature {
  std::string id;
  std::string title;
  ErrorLayer layer = ErrorLayer::kRuntime;
  bool configuration = true;  // false: OOM, illegal access, asserts: the setup is not to blame
  std::vector<ErrorPattern> patterns;
  std::vector<ErrorCause> causes;
  std::string decided_by;  // the facts that decide between the causes, for people
  std::string confirm;     // how to confirm the fix ("dlenv verify"), "" for program errors
  std::string hint;        // what to try for errors that are not configuration problems
};

struct ErrorSignatures {
  std::string date;
  std::string source;
  std::vector<ErrorSignature> signatures;

  const ErrorSignature* Find(std::string_view id) const;
};

/// Parses error_signatures.json; throws std::runtime_error naming the bad entry.
ErrorSignatures ParseErrorSignatures(const std::string& text);
/// The catalogue compiled into this binary (parsed once).
const ErrorSignatures& BuiltinErrorSignatures();

}  // namespace dlenv::knowledge
