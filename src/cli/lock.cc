#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "lock/command.h"

namespace dlenv::cli {
namespace {

// The environment a lock is taken of: one --python, no --no-host-driver.
constexpr MachineFlags kLockMachine = {
    .python =
        "The interpreter whose environment is this machine's (default: the active "
        "VIRTUAL_ENV or CONDA_PREFIX, else the first found)",
    .repeat_python = false};

}  // namespace

Command AddLock(CLI::App& app) {
  auto opts = std::make_shared<lock::LockOptions>();
  auto* sub = app.add_subcommand("lock",
                                 "Write this machine's environment (OS, driver, GPUs, CUDA, one "
                                 "Python environment) as a lock file");
  AddMachineFlags(sub, opts->machine, kLockMachine);
  AddOutputFlags(sub, opts->output, {.json = false, .redact = true});
  sub->add_option("-o,--output", opts->output_file,
                  "Write the lock here (atomically) instead of to stdout");
  sub->footer(
      "The format is docs/lock.md, its JSON Schema schema/lock.schema.json.\n"
      "Exit codes: 0 written, 2 bad input (no environment at --python, unwritable file).");
  return {sub, [opts] {
            ResolveMachine(opts->machine);
            return Emit(lock::RunLock(*opts));
          }};
}

Command AddDiff(CLI::App& app) {
  auto opts = std::make_shared<lock::DiffOptions>();
  auto* sub =
      app.add_subcommand("diff", "Compare two environments: lock files, or - for this machine now");
  sub->add_option("a", opts->a, "The first lock file, or -")->required();
  sub->add_option("b", opts->b, "The second lock file, or -")->required();
  AddOutputFlags(sub, opts->output, {.markdown = true, .json_help = "Print JSON"});
  AddMachineFlags(sub, opts->machine, kLockMachine);
  sub->footer(
      "Each change is graded breaking, notable or cosmetic (docs/lock.md lists the rules).\n"
      "Exit codes: 0 the same environment, 1 differences, 2 bad input (unreadable or invalid "
      "lock).");
  return {sub, [opts] {
            ResolveMachine(opts->machine);
            return Emit(lock::RunDiff(*opts));
          }};
}

Command AddCheck(CLI::App& app) {
  auto opts = std::make_shared<lock::CheckOptions>();
  auto* sub = app.add_subcommand(
      "check", "Check this machine against a team's lock file (for CI or a job launch)");
  sub->add_option("--lock", opts->lock, "The team's lock file")->required();
  AddOutputFlags(sub, opts->output, {.json_help = "Print the findings as JSON"});
  AddMachineFlags(sub, opts->machine, kLockMachine);
  sub->footer(
      "Findings: lock.breaking_drift (error), lock.notable_drift (warning), lock.cosmetic_drift "
      "(info).\n"
      "Exit codes: 0 no breaking drift, 1 breaking drift, 2 bad input (unreadable or invalid "
      "lock).");
  return {sub, [opts] {
            ResolveMachine(opts->machine);
            return Emit(lock::RunCheck(*opts));
          }};
}

Command AddRecipe(CLI::App& app) {
  auto opts = std::make_shared<lock::RecipeCommandOptions>();
  auto* sub = app.add_subcommand("recipe",
                                 "Turn a lock into a Dockerfile (nvidia/cuda base matching its "
                                 "CUDA and cuDNN) and pinned requirements");
  sub->add_option("--lock", opts->lock, "The lock file")->required();
  sub->add_flag("--jupyter", opts->recipe.jupyter, "Serve JupyterLab on port 8888");
  sub->add_flag("--ssh", opts->recipe.ssh, "Run a key-only SSH server on port 22");
  sub->add_flag("--conda", opts->recipe.conda,
                "Write environment.yml (conda) instead of requirements.txt");
  sub->add_flag("--allow-missing", opts->recipe.allow_missing,
                "Write the recipe even if packages other than frameworks cannot be reproduced "
                "(listed in the files)");
  sub->add_option("-o,--output", opts->output_dir, "The folder to write into (created if missing)");
  sub->footer(
      "Files are written atomically: all of them or none.\n"
      "Exit codes: 0 written, 1 a package cannot be reproduced (a framework, or any without\n"
      "--allow-missing; nothing written), 2 bad input (unreadable or invalid lock, unwritable "
      "folder).");
  return {sub, [opts] { return Emit(lock::RunRecipe(*opts)); }};
}

}  // namespace dlenv::cli
