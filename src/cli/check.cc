#include <memory>

#include "cli/commands.h"
#include "cli/lock_common.h"

namespace dlenv::cli {

Command AddCheck(CLI::App& app) {
  auto opts = std::make_shared<lock::CheckCommandOptions>();
  auto* sub = app.add_subcommand("check", "Check this machine against a team's lock file (for CI or a job launch)");
  sub->add_option("--lock", opts->lock, "The team's lock file")->required();
  sub->add_flag("--json", opts->json, "Print the findings as JSON");
  AddMachineOptions(sub, opts->machine);
  sub->footer("Findings: lock.breaking_drift (error), lock.notable_drift (warning), lock.cosmetic_drift (info).\n"
              "Exit codes: 0 no breaking drift, 1 breaking drift, 2 bad input (unreadable or invalid lock).");
  return {sub, [opts] {
            ResolveMachinePython(opts->machine);
            return Emit(lock::RunCheck(*opts));
          }};
}

}  // namespace dlenv::cli
