#include "probe/context.h"

namespace dlenv::probe {

ProbeContext MakeProbeContext(const MachineOptions& options) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(options.root);
  ctx.ask_host_driver = options.ask_host_driver || options.root == "/";
  ctx.driver_timeout =
      std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  ctx.extra_pythons = options.pythons;
  return ctx;
}

}  // namespace dlenv::probe
