#pragma once
// What every command returns, and what its exit code means: the same in every command.
// A command is `Run<Name>(const <Name>Options&) -> CommandResult` in its own room
// (src/<room>/command.h); the CLI parses flags, calls it, prints out/error and exits.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/finding.h"

namespace dlenv::model {

/// dlenv's exit codes (README "Exit codes"). Each means one thing in every command.
enum class ExitCode : int {
  kOk = 0,        // nothing wrong: no error findings, every check passed, no breaking drift
  kFindings = 1,  // something is wrong: error findings, a failed check, breaking drift
  kUsage = 2,     // the user's input: a bad flag, an unreadable or invalid file
  kInternal = 3,  // dlenv's own failure
  kNoGpu = 4,     // nothing failed, but there was no GPU to check (verify, bench)
  kNoMatch = 5,   // explain: the text held no error that dlenv knows
};

constexpr int ToInt(ExitCode code) { return static_cast<int>(code); }

/// The worse of two outcomes, for a command that runs another step after its own (kUsage and
/// kInternal outrank kFindings, which outranks kNoGpu/kNoMatch, which outrank kOk).
ExitCode Worse(ExitCode a, ExitCode b);

enum class Format { kText, kJson, kMarkdown };

/// The output flags every command shares: --json, --markdown, --redact; colour on a terminal.
struct OutputOptions {
  Format format = Format::kText;
  bool redact = false;
  bool color = false;
};

struct CommandResult {
  std::string out;    // for stdout, rendered in the format asked for
  std::string error;  // for stderr: what went wrong and what to do (with kUsage, kInternal)
  ExitCode exit = ExitCode::kOk;
  nlohmann::json document;        // the structured result (what --json prints); null if none
  std::vector<Finding> findings;  // what the command found, where it finds things
};

/// kFindings when any finding is an error, else kOk: what doctor, check and health exit with.
ExitCode ExitFor(const std::vector<Finding>& findings);

/// A result that is only the user's mistake: exit 2 with the message.
CommandResult UsageError(std::string message);

}  // namespace dlenv::model
