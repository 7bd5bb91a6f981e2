#include <memory>

#include "cli/commands.h"
#include "cli/lock_common.h"

namespace dlenv::cli {

Command AddLock(CLI::App& app) {
  auto opts = std::make_shared<lock::LockCommandOptions>();
  auto* sub = app.add_subcommand(
      "lock", "Write this machine's environment (OS, driver, GPUs, CUDA, one Python environment) as a lock file");
  AddMachineOptions(sub, opts->machine);
  sub->add_flag("--redact", opts->machine.redact,
                "Replace user and host names, home folders, GPU UUIDs, serials and IP addresses");
  sub->add_option("-o,--output", opts->output, "Write the lock here (atomically) instead of to stdout");
  sub->footer("The format is docs/lock.md, its JSON Schema schema/lock.schema.json.\n"
              "Exit codes: 0 written, 2 bad input (no environment at --python, unwritable file).");
  return {sub, [opts] {
            ResolveMachinePython(opts->machine);
            return Emit(lock::RunLock(*opts));
          }};
}

}  // namespace dlenv::cli
