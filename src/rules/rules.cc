#include "rules/rules.h"

#include <algorithm>

#include "rules/build_rules.h"
#include "rules/companion_rules.h"
#include "rules/conda_rules.h"
#include "rules/container_rules.h"
#include "rules/cuda_library_rules.h"
#include "rules/driver_lifecycle_rules.h"
#include "rules/driver_packages_rules.h"
#include "rules/driver_rules.h"
#include "rules/env_rules.h"
#include "rules/extension_rules.h"
#include "rules/framework_rules.h"
#include "rules/gpu_link_rules.h"
#include "rules/gpu_rules.h"
#include "rules/kernel_module_rules.h"
#include "rules/toolkit_rules.h"
#include "rules/triton_rules.h"
#include "rules/wsl_rules.h"

namespace dlenv::rules {
namespace {

constexpr Rule kRules[] = {
    {"driver", CheckDriver},
    {"gpu", CheckGpus},
    {"toolkit", CheckToolkits},
    {"environments", CheckEnvironments},
    {"frameworks", CheckFrameworks},
    {"companions", CheckCompanions},
    {"conda packages", CheckCondaPackages},
    {"compiled extensions", CheckCompiledExtensions},
    {"extension builds", CheckExtensionBuilds},
    {"nvidia wheels", CheckNvidiaLibraryGaps},
    {"companion libraries", CheckCudaLibraryVariants},
    {"triton", CheckTriton},
    {"container runtime", CheckContainerHost},
    {"container", CheckContainerInside},
    {"driver life cycle", CheckDriverLifecycle},
    {"kernel module", CheckKernelModule},
    {"driver packages", CheckDriverPackages},
    {"wsl", CheckWsl},
    {"gpu links", CheckGpuLinks},
};

}  // namespace

std::vector<model::Finding> Evaluate(const model::Snapshot& snapshot,
                                     const knowledge::Knowledge& knowledge) {
  std::vector<model::Finding> findings;
  for (const Rule& r : kRules) r.run(snapshot, knowledge, findings);
  std::stable_sort(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
    return static_cast<int>(a.severity) > static_cast<int>(b.severity);
  });
  return findings;
}

}  // namespace dlenv::rules
