#include "probe/probes.h"

#include "knowledge/knowledge.h"
#include "probe/container_runtime.h"
#include "probe/distro_packages.h"
#include "probe/driver.h"
#include "probe/driver_lifecycle.h"
#include "probe/gpu_links.h"
#include "probe/host.h"
#include "probe/host_compiler.h"
#include "probe/libraries.h"
#include "probe/python_envs.h"
#include "probe/toolkits.h"
#include "probe/triton.h"

namespace dlenv::probe {
namespace {

constexpr Probe kProbes[] = {
    {"host", ProbeHost},
    {"driver", ProbeDriver},
    {"toolkits", ProbeToolkits},
    {"host compiler", ProbeHostCompiler},
    {"torch arch list", ProbeTorchArchList},
    {"libraries", ProbeLibraries},
    {"triton", ProbeTriton},
    {"python", ProbePythonEnvs},
    {"distro packages", ProbeDistroPackages},
    {"container runtime", ProbeContainerHost},
    {"container", ProbeContainerInside},
    {"driver life cycle", ProbeDriverLifecycle},
    {"gpu links", ProbeGpuLinks},
};

}  // namespace

model::Snapshot TakeSnapshot(const ProbeContext& ctx) {
  model::Snapshot snapshot;
  snapshot.dlenv_version = DLENV_VERSION;
  snapshot.knowledge_date = knowledge::BuiltinKnowledge().date;
  snapshot.root = ctx.fs.root().string();
  for (const Probe& p : kProbes) p.run(ctx, snapshot);
  return snapshot;
}

}  // namespace dlenv::probe
