// The thin front end: wires CLI11 options to one library call per subcommand, and is the
// one place that turns errors into exit codes.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "model/command.h"

int main(int argc, char** argv) {
  constexpr int kUsage = dlenv::model::ToInt(dlenv::model::ExitCode::kUsage);
  CLI::App app{"dlenv: diagnose and fix the GPU software stack for deep learning"};
  app.set_version_flag("--version", std::string("dlenv ") + DLENV_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes, the same in every command: 0 nothing wrong, 1 something wrong (error\n"
      "findings, a failed check, breaking drift), 2 usage error, 3 dlenv's own failure,\n"
      "4 nothing failed but there was no GPU to check (verify).");
  std::vector<dlenv::cli::Command> commands;
  for (const auto add : dlenv::cli::AllCommands()) commands.push_back(add(app));
  // Everything after the first "--" belongs to the command a subcommand runs (explain's
  // `-- COMMAND ARGS...`), so CLI11 never sees those flags.
  int parsed_argc = argc;
  std::vector<std::string> after_separator;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      parsed_argc = i;
      after_separator.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    app.parse(parsed_argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kUsage;
  }
  try {
    for (auto& c : commands) {
      if (!c.sub->parsed()) continue;
      if (parsed_argc < argc) {
        if (!c.take_after_separator) {
          std::fprintf(stderr, "dlenv: %s takes no arguments after --\n",
                       c.sub->get_name().c_str());
          return kUsage;
        }
        c.take_after_separator(std::move(after_separator));
      }
      return c.run();
    }
    return kUsage;
  } catch (const dlenv::cli::UsageError& e) {
    std::fprintf(stderr, "dlenv: %s\n", e.what());
    return kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dlenv: internal error: %s\n", e.what());
    return dlenv::model::ToInt(dlenv::model::ExitCode::kInternal);
  }
}
