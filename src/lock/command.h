#pragma once
// The lock commands: `dlenv lock`, `diff`, `check` and `recipe`.

#include <optional>
#include <string>

#include "lock/recipe.h"
#include "model/command.h"
#include "probe/context.h"

namespace dlenv::lock {

struct LockOptions {
  probe::MachineOptions machine;           // --python: the environment locked
  model::OutputOptions output;             // --redact: a lock shared outside the team
  std::optional<std::string> output_file;  // -o FILE; stdout when absent
};
/// Exit 0 written; 2 no environment at --python, or an unwritable file.
model::CommandResult RunLock(const LockOptions& options);

struct DiffOptions {
  std::string a, b;  // lock files, or "-" for this machine
  probe::MachineOptions machine;
  model::OutputOptions output;  // text, --markdown or --json
};
/// Exit 0 when the locks describe the same environment, 1 when they differ.
model::CommandResult RunDiff(const DiffOptions& options);

struct CheckOptions {
  std::string lock;
  probe::MachineOptions machine;
  model::OutputOptions output;  // text or --json
};
/// Exit 1 on breaking drift (a lock.breaking_drift finding), else 0.
model::CommandResult RunCheck(const CheckOptions& options);

struct RecipeCommandOptions {
  std::string lock;
  RecipeOptions recipe;
  std::string output_dir = ".";
  /// The machine asked whether it can start the recipe's image with GPUs (this one by default).
  probe::MachineOptions machine;
};
/// Exit 1, writing nothing, when a framework cannot be reproduced, or another package cannot
/// be without options.recipe.allow_missing.
model::CommandResult RunRecipe(const RecipeCommandOptions& options);

}  // namespace dlenv::lock
