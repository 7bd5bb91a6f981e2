#pragma once
// The subcommands' table. Each src/cli/<name>.cc adds its flags (options.h for the shared ones)
// and runs one Run<Name> from the command's room.

#include <CLI/CLI.hpp>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace dlenv::cli {

/// A mistake of the user's (a bad path, an unreadable file): exit code 2 with the message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Command {
  CLI::App* sub;
  std::function<int()> run;
  /// For a command that runs another (`dlenv explain -- COMMAND ARGS...`): receives the
  /// arguments after the first `--`, untouched by CLI11 (they are another program's flags).
  std::function<void(std::vector<std::string>)> take_after_separator = nullptr;
};

/// One entry per subcommand: adds its options to the app and returns how to run it.
using AddCommand = Command (*)(CLI::App& app);
std::span<const AddCommand> AllCommands();

Command AddDoctor(CLI::App& app);
Command AddInstall(CLI::App& app);
Command AddVerify(CLI::App& app);
Command AddLock(CLI::App& app);
Command AddDiff(CLI::App& app);
Command AddCheck(CLI::App& app);
Command AddRecipe(CLI::App& app);
Command AddBench(CLI::App& app);
Command AddCompare(CLI::App& app);
Command AddFleet(CLI::App& app);
Command AddHealth(CLI::App& app);
Command AddExplain(CLI::App& app);

}  // namespace dlenv::cli
