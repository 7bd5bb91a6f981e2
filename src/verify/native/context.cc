// The context check: the GPU answers and its primary context is ready.

#include <fmt/format.h>

#include "verify/native/checks.h"

namespace dlenv::verify::native {

void CheckContext(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  GpuState* g = session.Use(gpus.at(0), r);
  if (!g) return;
  const cuda::Api& api = session.api();
  int driver = 0;
  Call(api.driver_get_version, &driver);
  std::size_t free = 0, total = 0;
  Call(api.mem_get_info, &free, &total);
  r.verdict = Verdict::kPass;
  r.summary = fmt::format("{} (sm_{}{}), context ready", g->name, g->cc_major, g->cc_minor);
  r.evidence = {
      fmt::format("driver supports CUDA {}.{}", driver / 1000, driver % 1000 / 10),
      fmt::format("libcuda: {}", session.cuda_library().library.path()),
      fmt::format("PCI bus id {}", g->bus_id),
      fmt::format("memory: {} free of {}", Bytes(free), Bytes(total)),
      fmt::format("NVML {}", g->nvml_device ? "sees this GPU" : "does not match this GPU")};
}

}  // namespace dlenv::verify::native
