#pragma once
// The flags every command shares, declared once with one name, type and meaning: --python,
// --root, --no-host-driver, --timeout (probe::MachineOptions) and --json, --markdown,
// --redact (model::OutputOptions); and how a command's result is printed.

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "model/command.h"
#include "probe/context.h"

namespace dlenv::cli {

/// Which of the machine flags a command takes, and what its --python and --timeout mean there.
struct MachineFlags {
  std::string_view python = "Also inspect the environment of this interpreter (repeatable)";
  std::string_view timeout = "Deadline in seconds for each call into a driver library";
  bool repeat_python = true;  // false: one --python (the environment a lock is taken of)
  bool root = true;           // --root and --no-host-driver
  bool timeout_flag = true;
};
void AddMachineFlags(CLI::App* sub, probe::MachineOptions& m, const MachineFlags& flags = {});

/// Which output flags a command takes.
struct OutputFlags {
  bool json = true;
  bool markdown = false;
  bool redact = false;
  std::string_view json_help = "Print the JSON document";
};
void AddOutputFlags(CLI::App* sub, model::OutputOptions& o, const OutputFlags& flags = {});

/// After parsing: every --python resolved inside --root as every command resolves it (a
/// UsageError, exit 2, when it names neither an interpreter nor an environment).
void ResolveMachine(probe::MachineOptions& m);
/// After parsing: colour only for text on a terminal, never with NO_COLOR.
void ResolveOutput(model::OutputOptions& o);

/// A --framework or FRAMEWORK value: one of the core frameworks by any name the framework
/// identity knows (pytorch, PyTorch -> torch; the value becomes the id), or one of `extra`.
CLI::Validator FrameworkName(std::vector<std::string> extra = {});

/// The interpreter --python ARG names, read inside `root`; a UsageError otherwise.
std::string ResolvePython(const std::string& arg, const std::string& root = "/");

/// Prints out to stdout and error to stderr ("dlenv: ..."); returns the exit code.
int Emit(const model::CommandResult& result);

}  // namespace dlenv::cli
