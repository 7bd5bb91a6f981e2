#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "doctor/command.h"

namespace dlenv::cli {

Command AddDoctor(CLI::App& app) {
  auto opts = std::make_shared<doctor::DoctorOptions>();
  auto* sub = app.add_subcommand("doctor",
                                 "Inspect this machine's GPU software stack and say what is wrong");
  AddOutputFlags(sub, opts->output,
                 {.markdown = true,
                  .redact = true,
                  .json_help = "Print the versioned JSON document (schema/doctor.schema.json)"});
  AddMachineFlags(sub, opts->machine);
  auto* prom = sub->add_option(
      "--prometheus", opts->prometheus,
      "Also write the metrics for node_exporter's textfile collector to FILE (atomically)");
  sub->add_option("--lock", opts->lock, "With --prometheus: count drift from this team lock")
      ->needs(prom);
  return {sub, [opts] {
            ResolveMachine(opts->machine);
            ResolveOutput(opts->output);
            return Emit(doctor::RunDoctor(*opts));
          }};
}

}  // namespace dlenv::cli
