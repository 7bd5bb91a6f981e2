#include "rules/conda_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "knowledge/runtime_libraries.h"
#include "util/build_label.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::PackageRecord;
using model::PythonEnv;
using model::Severity;

bool IsCondaRecord(const PackageRecord& r) { return r.record_kind == "conda-meta"; }

/// pip (or uv) installed this framework build: a dist-info that conda does not own.
bool PipInstalled(const PythonEnv& env, const model::FrameworkBuild& b) {
  const std::string name = util::NormalizeProjectName(b.package);
  return std::any_of(env.packages.begin(), env.packages.end(), [&](const PackageRecord& p) {
    return !IsCondaRecord(p) && !p.shadowed && p.installer.value_or("") != "conda" &&
           p.normalized_name == name;
  });
}

/// The sonames a pip-installed nvidia-* wheel ships, by runtime_libraries.json. One wheel
/// name carried several majors over time (nvidia-cudnn-cu12: libcudnn.so.8, then .so.9); the
/// wheel's version starts with its library's soname major (9.1.0.70 ships libcudnn.so.9,
/// nvidia-cufft-cu12 11.2.1.3 libcufft.so.11), which picks the one installed.
std::vector<std::string> WheelSonames(const PackageRecord& wheel) {
  std::vector<std::string> out;
  const std::string major = wheel.version.substr(0, wheel.version.find('.'));
  for (const auto& row : knowledge::BuiltinRuntimeLibraries().providers) {
    if (std::find(row.dists.begin(), row.dists.end(), wheel.normalized_name) == row.dists.end())
      continue;
    const auto so = row.soname.find(".so.");
    if (so == std::string::npos) continue;
    const std::string soname_major =
        row.soname.substr(so + 4, row.soname.find('.', so + 4) - so - 4);
    if (soname_major == major) out.push_back(row.soname);
  }
  return out;
}

/// "torch 2.5.1 loads /opt/conda/envs/dl/lib/libcudnn.so.9 (LD_LIBRARY_PATH)" for each
/// framework of the environment that needs one of `sonames`, from doctor's own resolution.
std::vector<std::string> WhoLoadsWhat(const PythonEnv& env, const std::set<std::string>& sonames,
                                      bool& a_pip_framework_loads_conda_copy) {
  std::vector<std::string> out;
  const std::string conda_lib = env.prefix + "/lib/";
  for (const auto& b : env.frameworks) {
    for (const auto& need : b.libraries) {
      if (!sonames.count(need.soname) || !need.resolved) continue;
      out.push_back(fmt::format("{} {} loads {} ({})", b.package, b.version, *need.resolved,
                                need.found_via.value_or("?")));
      if (need.resolved->starts_with(conda_lib) && PipInstalled(env, b))
        a_pip_framework_loads_conda_copy = true;
    }
  }
  return out;
}

/// One library from both conda (a file in $PREFIX/lib) and pip (an nvidia-* wheel): two
/// copies, often of different versions, and which one a framework gets depends on the search
/// order (LD_LIBRARY_PATH, RUNPATH, the preloads), not on what it was built with.
void CheckCudaFromBoth(const PythonEnv& env, std::vector<Finding>& out) {
  std::map<std::string, const PackageRecord*> conda_by_soname;
  for (const auto& r : env.packages) {
    if (!IsCondaRecord(r)) continue;
    for (const auto& lib : r.conda_cuda_libraries) conda_by_soname.emplace(lib, &r);
  }
  if (conda_by_soname.empty()) return;
  std::set<std::string> both;
  std::vector<std::string> conda_side, pip_side, conda_names, pip_names;
  for (const auto& w : env.packages) {
    if (IsCondaRecord(w) || w.shadowed || !w.normalized_name.starts_with("nvidia-")) continue;
    std::vector<std::string> shared;
    for (const auto& soname : WheelSonames(w)) {
      auto it = conda_by_soname.find(soname);
      if (it == conda_by_soname.end()) continue;
      shared.push_back(soname);
      if (both.insert(soname).second) {
        conda_side.push_back(fmt::format(
            "{} from conda's {} {} ({})", soname, it->second->conda_name.value_or(it->second->name),
            it->second->version, it->second->conda_channel.value_or("?")));
        const std::string n = it->second->conda_name.value_or(it->second->name);
        if (std::find(conda_names.begin(), conda_names.end(), n) == conda_names.end())
          conda_names.push_back(n);
      }
    }
    if (shared.empty()) continue;
    pip_side.push_back(fmt::format("{} {} ({})", w.name, w.version, util::Join(shared, ", ")));
    pip_names.push_back(w.name);
  }
  if (both.empty()) return;
  bool pip_framework_gets_conda_copy = false;
  auto loads = WhoLoadsWhat(env, both, pip_framework_gets_conda_copy);
  std::string evidence = fmt::format("in {}/lib: {}; pip's wheels: {}", env.prefix,
                                     util::Join(conda_side, "; "), util::Join(pip_side, "; "));
  if (!loads.empty()) evidence += "; " + util::Join(loads, "; ");
  // A framework pip installed was built against its nvidia-* wheels: conda's copies go. One
  // that conda installed came with conda's libraries: the wheels are the leftovers.
  const bool pip_framework = std::any_of(
      env.frameworks.begin(), env.frameworks.end(),
      [&](const model::FrameworkBuild& b) { return b.cuda_build && PipInstalled(env, b); });
  out.push_back({"conda.cuda_libs_from_conda_and_pip",
                 pip_framework_gets_conda_copy ? Severity::kError : Severity::kWarning,
                 fmt::format("{} holds {} from both conda and pip: two copies of {}", env.prefix,
                             both.size() == 1 ? "a CUDA library"
                                              : fmt::format("{} CUDA libraries", both.size()),
                             util::Join(std::vector<std::string>(both.begin(), both.end()), ", ")),
                 evidence,
                 pip_framework ? fmt::format("conda remove -p {} -y {}", env.prefix,
                                             util::Join(conda_names, " "))
                               : fmt::format("{} -m pip uninstall -y {}", env.Interpreter(),
                                             util::Join(pip_names, " "))});
}

/// The pytorch channel's pytorch-mutex: its "cpu" build makes conda pick only CPU builds of
/// pytorch; conda-forge marks its CPU builds in the build string (cpu_mkl_py311_...).
void CheckCpuPytorch(const model::Snapshot& s, const PythonEnv& env, std::vector<Finding>& out) {
  if (s.gpus.empty() && s.host.nvidia_pci_devices.empty()) return;  // CPU builds fit here
  const PackageRecord* mutex = nullptr;
  const PackageRecord* pytorch = nullptr;
  for (const auto& r : env.packages) {
    if (!IsCondaRecord(r)) continue;
    const std::string name = r.conda_name.value_or(r.name);
    if (name == "pytorch-mutex") mutex = &r;
    if (name == "pytorch") pytorch = &r;
  }
  const std::string gpus =
      s.gpus.empty()
          ? fmt::format("{} NVIDIA device(s) on the PCI bus", s.host.nvidia_pci_devices.size())
          : fmt::format("{} NVIDIA GPU(s): {}", s.gpus.size(), s.gpus.front().name);
  if (mutex && mutex->conda_build == "cpu") {
    out.push_back(
        {"conda.pytorch_cpu_mutex", Severity::kWarning,
         fmt::format("pytorch-mutex's cpu build in {} keeps conda on CPU-only pytorch builds, on a "
                     "machine with {}",
                     env.prefix, gpus),
         fmt::format("{} (pytorch-mutex {}, build cpu){}; the pytorch channel's builds each depend "
                     "on pytorch-mutex of their kind, so conda never picks a CUDA one here",
                     mutex->record_path, mutex->version,
                     pytorch ? fmt::format("; pytorch {} build {}", pytorch->version,
                                           pytorch->conda_build.value_or("?"))
                             : ""),
         // The pytorch channel publishes no release after 2.5: pip's wheels, picked for this
         // machine's driver by dlenv install.
         fmt::format("conda remove -p {} -y pytorch-mutex{} && dlenv install torch --python {}",
                     env.prefix, pytorch ? " pytorch" : "", env.Interpreter())});
    return;
  }
  auto variant = util::ParseCondaBuildVariant(pytorch ? pytorch->conda_build.value_or("") : "");
  if (pytorch && pytorch->conda_channel.value_or("").find("conda-forge") != std::string::npos &&
      variant && !variant->cuda) {
    out.push_back(
        {"conda.pytorch_cpu_build", Severity::kWarning,
         fmt::format("conda-forge's pytorch {} in {} is a CPU-only build, on a machine with {}",
                     pytorch->version, env.prefix, gpus),
         fmt::format("{} (build {}; conda-forge names its CUDA builds cuda*)", pytorch->record_path,
                     pytorch->conda_build.value_or("?")),
         fmt::format("conda install -p {} -y -c conda-forge pytorch-gpu", env.prefix)});
  }
}

}  // namespace

void CheckCondaPackages(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                        std::vector<Finding>& out) {
  for (const auto& env : snapshot.python_envs) {
    CheckCudaFromBoth(env, out);
    CheckCpuPytorch(snapshot, env, out);
  }
}

}  // namespace dlenv::rules
