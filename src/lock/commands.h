#pragma once
// The four lock subcommands as library calls: each takes its options and returns what to
// print and the exit code, so the CLI files only wire flags and tests can call them.

#include <optional>
#include <string>

#include "lock/lock.h"
#include "lock/recipe.h"

namespace dlenv::lock {

/// How to take this machine's lock (for `lock`, `check`, and `diff -`).
struct MachineOptions {
  std::optional<std::string> python;  // --python: the interpreter whose environment is locked
  std::string root = "/";
  double timeout_seconds = 10;
  /// --redact (lock only): user and host names, home folders, GPU UUIDs and IP addresses
  /// replaced as in `doctor --redact`, for a lock shared outside the team.
  bool redact = false;
};

struct CommandResult {
  std::string out;    // for stdout
  std::string error;  // for stderr, when the user's input was wrong (exit code 2)
  int exit_code = 0;
};

/// Exit codes shared by the subcommands: 2 for bad input, as everywhere in dlenv.
inline constexpr int kExitBadInput = 2;
/// `dlenv recipe`: the lock holds a package no installer the recipe uses can reproduce.
inline constexpr int kExitUnreproducible = 1;

/// Probes this machine and locks it; error names --python when no environment matches it.
struct MachineLock {
  std::optional<Lock> lock;
  std::string error;
};
MachineLock LockThisMachine(const MachineOptions& options);

/// Reads and parses a lock file; "-" is this machine now.
MachineLock LoadLock(const std::string& path, const MachineOptions& machine);

struct LockCommandOptions {
  MachineOptions machine;
  std::optional<std::string> output;  // -o FILE; stdout when absent
};
CommandResult RunLock(const LockCommandOptions& options);

enum class DiffFormat { kText, kMarkdown, kJson };
struct DiffCommandOptions {
  std::string a, b;  // lock files, or "-" for this machine
  DiffFormat format = DiffFormat::kText;
  MachineOptions machine;
};
/// Exit code 0 when the locks describe the same environment, 1 when they differ.
CommandResult RunDiff(const DiffCommandOptions& options);

struct CheckCommandOptions {
  std::string lock;
  bool json = false;
  MachineOptions machine;
};
/// Exit code 1 on breaking drift (a lock.breaking_drift finding), else 0.
CommandResult RunCheck(const CheckCommandOptions& options);

struct RecipeCommandOptions {
  std::string lock;
  RecipeOptions recipe;
  std::string output_dir = ".";
};
/// Exit code 1, writing nothing, when a framework cannot be reproduced, or another package
/// cannot be without options.recipe.allow_missing.
CommandResult RunRecipe(const RecipeCommandOptions& options);

}  // namespace dlenv::lock
