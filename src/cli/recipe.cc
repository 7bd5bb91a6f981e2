#include <memory>

#include "cli/commands.h"
#include "cli/lock_common.h"

namespace dlenv::cli {

Command AddRecipe(CLI::App& app) {
  auto opts = std::make_shared<lock::RecipeCommandOptions>();
  auto* sub = app.add_subcommand(
      "recipe", "Turn a lock into a Dockerfile (nvidia/cuda base matching its CUDA and cuDNN) and pinned requirements");
  sub->add_option("--lock", opts->lock, "The lock file")->required();
  sub->add_flag("--jupyter", opts->recipe.jupyter, "Serve JupyterLab on port 8888");
  sub->add_flag("--ssh", opts->recipe.ssh, "Run a key-only SSH server on port 22");
  sub->add_flag("--conda", opts->recipe.conda, "Write environment.yml (conda) instead of requirements.txt");
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
