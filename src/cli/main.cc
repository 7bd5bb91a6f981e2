// The thin front end: wires CLI11 options to one library call per subcommand, and is the
// one place that turns errors into exit codes.

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"dlenv: diagnose and fix the GPU software stack for deep learning"};
  app.set_version_flag("--version", std::string("dlenv ") + DLENV_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 no error findings, 1 error findings (or failed checks), 2 usage error,\n"
      "3 dlenv's own failure.");
  std::vector<dlenv::cli::Command> commands;
  for (const auto& reg : dlenv::cli::AllCommands()) commands.push_back(reg.add(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : dlenv::cli::kExitUsage;
  }
  try {
    for (auto& c : commands) {
      if (c.sub->parsed()) return c.run();
    }
    return dlenv::cli::kExitUsage;
  } catch (const dlenv::cli::UsageError& e) {
    std::fprintf(stderr, "dlenv: %s\n", e.what());
    return dlenv::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dlenv: internal error: %s\n", e.what());
    return dlenv::cli::kExitInternal;
  }
}
