#pragma once
// What the lock subcommands (lock, diff, check, recipe) share in the CLI.

#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/python_arg.h"
#include "lock/commands.h"

namespace dlenv::cli {

/// --python, --root, --timeout: how to take this machine's lock.
inline void AddMachineOptions(CLI::App* sub, lock::MachineOptions& m) {
  sub->add_option("--python", m.python,
                  "The interpreter whose environment is this machine's (default: the active VIRTUAL_ENV or "
                  "CONDA_PREFIX, else the first found)");
  sub->add_option("--root", m.root, "Read this folder as if it were /")->check(CLI::ExistingDirectory);
  sub->add_option("--timeout", m.timeout_seconds, "Deadline in seconds for each call into a driver library")
      ->check(CLI::PositiveNumber);
}

/// --python resolved as every command resolves it (a UsageError when it names nothing).
inline void ResolveMachinePython(lock::MachineOptions& m) {
  if (m.python) m.python = ResolvePython(*m.python, m.root);
}

/// Prints a subcommand's result and returns its exit code.
inline int Emit(const lock::CommandResult& r) {
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  if (!r.error.empty()) std::fprintf(stderr, "dlenv: %s\n", r.error.c_str());
  return r.exit_code;
}

}  // namespace dlenv::cli
