#pragma once
// `dlenv explain`: an error text (a file, stdin, or the output of a command it runs) turned
// into its causes on a machine (this one, or the one a `--from` report describes) and the
// fixes. docs/explain.md describes the command, its exit codes and the catalogue.

#include <string>
#include <vector>

#include "model/command.h"
#include "probe/context.h"

namespace dlenv::explain {

/// Version of the --json document (schema/explain.schema.json).
inline constexpr int kExplainSchemaVersion = 1;

struct ExplainOptions {
  probe::MachineOptions machine;
  model::OutputOptions output;
  std::string input = "-";           // a file, or "-" for stdin (unless command is set)
  std::vector<std::string> command;  // `-- COMMAND ARGS...`: run it and explain its output
  std::string from;                  // judge against this `doctor --json` / fleet snapshot
  /// With a command: stop it after this many seconds (SIGTERM, SIGKILL 2 s later); 0: never.
  double command_timeout_seconds = 0;
  bool catalogue = false;  // print the catalogue (docs/explain.md's generated part) instead
};

/// Exit codes: kFindings (1) when a configuration problem was recognised; kOk (0) when what
/// was recognised is no configuration problem (OOM, illegal access, ...) or the command
/// succeeded with nothing recognised; kNoMatch (5) when the text held no known error;
/// kUsage (2) for an unreadable input or --from. The command's own exit status is in the
/// document (command.exit_code / signal / outcome), not in dlenv's exit code.
model::CommandResult RunExplain(const ExplainOptions& options);

}  // namespace dlenv::explain
