#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "explain/command.h"

namespace dlenv::cli {

Command AddExplain(CLI::App& app) {
  auto opts = std::make_shared<explain::ExplainOptions>();
  auto* sub = app.add_subcommand("explain",
                                 "Explain an error (a log, a traceback, or a command's output): "
                                 "its cause on this machine and the fix");
  sub->add_option("file", opts->input, "The log to read; - (the default) reads stdin");
  AddOutputFlags(sub, opts->output,
                 {.markdown = true,
                  .redact = true,
                  .json_help = "Print the versioned JSON document (schema/explain.schema.json)"});
  AddMachineFlags(
      sub, opts->machine,
      {.python = "Also inspect the environment of this interpreter (the job's; repeatable)",
       .timeout = "With -- COMMAND: stop it after this many seconds; also the deadline of each "
                  "driver call (at most 10 s)"});
  sub->add_option("--from", opts->from,
                  "Judge against this `dlenv doctor --json` or `dlenv fleet snapshot` document "
                  "(the machine that "
                  "wrote the log)")
      ->check(CLI::ExistingFile);
  sub->add_flag("--catalogue", opts->catalogue,
                "Print the catalogue of recognised errors (docs/explain.md) and exit");
  sub->footer(
      "dlenv explain [OPTIONS] -- COMMAND [ARGS...] runs COMMAND, passes its output through as it "
      "runs, and explains it\n"
      "when it fails (the report goes to stderr). Exit codes: 0 nothing to fix in the setup, 1 a "
      "configuration problem,\n"
      "2 usage error, 3 dlenv's own failure, 5 no known error in the text (docs/explain.md).");
  auto* timeout = sub->get_option("--timeout");
  Command command{sub, nullptr};
  command.take_after_separator = [opts](std::vector<std::string> argv) {
    opts->command = std::move(argv);
  };
  command.run = [opts, timeout] {
    ResolveMachine(opts->machine);
    ResolveOutput(opts->output);
    if (timeout->count() > 0) {
      // One --timeout: the command's deadline, and (capped) each driver call's as elsewhere.
      opts->command_timeout_seconds = opts->machine.timeout_seconds;
      opts->machine.timeout_seconds = std::min(opts->machine.timeout_seconds, 10.0);
    }
    if (!opts->catalogue && opts->command.empty() && opts->input == "-" && isatty(STDIN_FILENO))
      std::fprintf(stderr, "dlenv explain: paste the error text, then press Ctrl-D\n");
    auto result = explain::RunExplain(*opts);
    if (opts->command.empty()) return Emit(result);
    // With a command, its stdout stays its own: dlenv's report goes to stderr, after it.
    std::fwrite(result.out.data(), 1, result.out.size(), stderr);
    result.out.clear();
    return Emit(result);
  };
  return command;
}

}  // namespace dlenv::cli
