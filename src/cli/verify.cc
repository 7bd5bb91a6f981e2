#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "verify/command.h"

namespace dlenv::cli {

Command AddVerify(CLI::App& app) {
  auto opts = std::make_shared<verify::VerifyOptions>();
  auto* sub = app.add_subcommand(
      "verify", "Prove that the GPU computes, natively and through each framework");
  sub->add_option("--gpu", opts->gpus, "CUDA ordinals of the GPUs to check (default: all)")
      ->delimiter(',');
  sub->add_option("--memory-fraction", opts->memory_fraction,
                  "Share of free GPU memory the pattern test covers")
      ->check(CLI::Range(0.0, 0.9));
  AddMachineFlags(
      sub, opts->machine,
      {.python = "Check the frameworks of this interpreter (default: every environment found)",
       .timeout = "Deadline in seconds for each check"});
  sub->add_option("--framework", opts->frameworks,
                  "torch, tensorflow, jax, cupy, or none (default: those installed)")
      ->delimiter(',')
      ->check(FrameworkName({"none"}));
  AddOutputFlags(sub, opts->output, {.json_help = "Print the results as JSON"});
  sub->footer(
      "Exit codes: 0 every check passed, 1 a check failed (or an error finding), 2 usage error,\n"
      "3 dlenv's own failure, 4 no GPU to verify (the frameworks' CPU paths passed).");
  return {sub, [opts] {
            ResolveMachine(opts->machine);
            ResolveOutput(opts->output);
            return Emit(verify::RunVerify(*opts));
          }};
}

}  // namespace dlenv::cli
