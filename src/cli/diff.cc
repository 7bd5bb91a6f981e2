#include <memory>

#include "cli/commands.h"
#include "cli/lock_common.h"

namespace dlenv::cli {

Command AddDiff(CLI::App& app) {
  auto opts = std::make_shared<lock::DiffCommandOptions>();
  auto* sub = app.add_subcommand("diff", "Compare two environments: lock files, or - for this machine now");
  sub->add_option("a", opts->a, "The first lock file, or -")->required();
  sub->add_option("b", opts->b, "The second lock file, or -")->required();
  auto* markdown = sub->add_flag_callback("--markdown", [opts] { opts->format = lock::DiffFormat::kMarkdown; },
                                          "Print a Markdown table for a pull request");
  sub->add_flag_callback("--json", [opts] { opts->format = lock::DiffFormat::kJson; }, "Print JSON")
      ->excludes(markdown);
  AddMachineOptions(sub, opts->machine);
  sub->footer("Each change is graded breaking, notable or cosmetic (docs/lock.md lists the rules).\n"
              "Exit codes: 0 the same environment, 1 differences, 2 bad input (unreadable or invalid lock).");
  return {sub, [opts] {
            ResolveMachinePython(opts->machine);
            return Emit(lock::RunDiff(*opts));
          }};
}

}  // namespace dlenv::cli
