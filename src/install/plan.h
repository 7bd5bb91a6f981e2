#pragma once
// Internal to the planners (plan*.cc): the machine as they see it, the shared checks and the
// command line. Pure: a snapshot and the facts in, an InstallPlan out.

#include <optional>
#include <string>

#include "install/install_plan.h"
#include "install/torch_pick.h"
#include "model/snapshot.h"
#include "util/dotted_version.h"

namespace dlenv::install {

using Machine = Host;

/// The driver, GPUs, Python environment (--python, else the first found), glibc and CPU.
Machine Describe(const InstallRequest& req, const model::Snapshot& s);

bool SameMinor(const util::DottedVersion& a, const util::DottedVersion& b);
std::string Cc(const model::GpuInfo& g);
/// "NVIDIA A100 (compute capability 8.0), ..."
std::string GpuList(const Machine& m);
/// Whether this Python is within [lo, hi]; an unknown Python rules nothing out.
bool PythonFits(const Machine& m, const std::optional<util::DottedVersion>& lo,
                const std::optional<util::DottedVersion>& hi);
bool AllGpusAtLeast(const Machine& m, const util::DottedVersion& cc);
/// Whether the driver meets a package's floor (by version; by CUDA major when unknown).
bool DriverMeets(const Machine& m, const CudaPackage& p);
std::string PythonNote(const Machine& m);

/// The command; `index` is PyTorch's index when the build comes from there, else the user's
/// own index (and its extra indexes) stay as configured.
std::string PipInstall(const InstallRequest& req, const Machine& m, const std::string& specs,
                       const std::string& index = "", const UserIndex& user = {});

InstallPlan PlanTorch(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                      const LiveIndex* live, const UserIndex& user);
InstallPlan PlanTensorFlow(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                           const UserIndex& user);
InstallPlan PlanJax(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                    const UserIndex& user);
InstallPlan PlanCupy(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                     const UserIndex& user);

}  // namespace dlenv::install
