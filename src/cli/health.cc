#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "health/command.h"

namespace dlenv::cli {

Command AddHealth(CLI::App& app) {
  auto opts = std::make_shared<health::HealthOptions>();
  auto* sub = app.add_subcommand(
      "health", "One-line node health for Slurm's HealthCheckProgram (driver and GPUs only)");
  sub->add_option("--lock", opts->lock,
                  "Also unhealthy on breaking drift against this lock (adds the Python scan)");
  AddMachineFlags(sub, opts->machine,
                  {.python = "With --lock: the interpreter whose environment is compared",
                   .timeout = "Deadline in seconds for the whole run, a hung driver included",
                   .repeat_python = false,
                   .root = false});
  sub->add_flag(
      "--drain", opts->drain,
      "Drain this Slurm node when unhealthy (reason \"dlenv: ...\"); resume it when healthy and "
      "the drain reason is dlenv's own");
  sub->add_option("--slurm-conf", opts->slurm_conf,
                  "slurm.conf for scontrol (default: $SLURM_CONF, else Slurm's built-in path; a "
                  "HealthCheckProgram gets no environment)");
  sub->add_option("--node", opts->node_name, "The Slurm node name (default: the short host name)");
  sub->footer(
      "Exit codes: 0 healthy, 1 unhealthy, 2 bad input. docs/fleet.md shows the slurm.conf "
      "lines.");
  return {sub, [opts] {
            ResolveMachine(opts->machine);
            return Emit(health::RunHealth(*opts));
          }};
}

}  // namespace dlenv::cli
