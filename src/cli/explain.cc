#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "cli/python_arg.h"
#include "explain/command.h"

namespace dlenv::cli {

Command AddExplain(CLI::App& app) {
  auto opts = std::make_shared<explain::ExplainOptions>();
  auto timeout = std::make_shared<double>(0);
  auto json = std::make_shared<bool>(false);
  auto markdown = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand(
      "explain", "Explain an error (a log, a traceback, or a command's output): its cause on this machine and the fix");
  sub->add_option("file", opts->input, "The log to read; - (the default) reads stdin");
  auto* json_flag = sub->add_flag("--json", *json, "Print the versioned JSON document (schema/explain.schema.json)");
  sub->add_flag("--markdown", *markdown, "Print a Markdown block to paste into a bug report")->excludes(json_flag);
  sub->add_flag("--redact", opts->output.redact, "Replace user and host names, home folders, GPU UUIDs, serials and IP addresses");
  sub->add_option("--from", opts->from, "Judge against this `dlenv doctor --json` or `dlenv fleet snapshot` document (the machine that wrote the log)")
      ->check(CLI::ExistingFile);
  sub->add_option("--root", opts->machine.root, "Read this folder as if it were / (an unpacked image, a fixture)")->check(CLI::ExistingDirectory);
  sub->add_flag("!--no-host-driver", opts->machine.ask_host_driver, "With --root, do not ask the live host's driver");
  sub->add_option("--timeout", *timeout,
                  "With -- COMMAND: stop it after this many seconds; also the deadline of each driver call (at most 10 s)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--python", opts->machine.pythons, "Also inspect the environment of this interpreter (the job's)");
  sub->add_flag("--catalogue", opts->catalogue, "Print the catalogue of recognised errors (docs/explain.md) and exit");
  sub->footer("dlenv explain [OPTIONS] -- COMMAND [ARGS...] runs COMMAND, passes its output through as it runs, and "
              "explains it when it fails.\nExit codes: 0 nothing to fix in the setup, 1 a configuration problem, 2 usage "
              "error, 3 dlenv's own failure, 5 no known error in the text (docs/explain.md).");
  Command command{sub, nullptr};
  command.take_after_separator = [opts](std::vector<std::string> argv) { opts->command = std::move(argv); };
  command.run = [opts, timeout, json, markdown] {
            ResolvePythons(opts->machine.pythons, opts->machine.root);
            if (*timeout > 0) {
              opts->command_timeout_seconds = *timeout;
              opts->machine.timeout_seconds = std::min(*timeout, opts->machine.timeout_seconds);
            }
            opts->output.format = *json ? model::Format::kJson : *markdown ? model::Format::kMarkdown : model::Format::kText;
            opts->output.color = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
            if (!opts->catalogue && opts->command.empty() && opts->input == "-" && isatty(STDIN_FILENO))
              std::fprintf(stderr, "dlenv explain: paste the error text, then press Ctrl-D\n");
            auto result = explain::RunExplain(*opts);
            // With a command, its stdout stays its own: dlenv's report goes to stderr after it.
            std::fwrite(result.out.data(), 1, result.out.size(), opts->command.empty() ? stdout : stderr);
            if (!result.error.empty()) std::fprintf(stderr, "dlenv: %s\n", result.error.c_str());
            return model::ToInt(result.exit);
          };
  return command;
}

}  // namespace dlenv::cli
