// TensorFlow, JAX and CuPy: from the live index's rows (exact versions) or the table's.
#include <fmt/format.h>

#include "install/plan.h"
#include "util/strings.h"

namespace dlenv::install {

using util::DottedVersion;

// ---- TensorFlow ----

/// ==2.21.0 for a release the index listed, ==2.21.* for a table row (the newest patch).
namespace {

std::string Pin(const TensorFlowRelease& r) {
  return r.exact ? "==" + r.version : "==" + r.version + ".*";
}

/// A package of one CUDA major (a jax extra, a cupy-cudaNNx): the CUDA asked for (--cuda),
/// the driver's floor and every GPU's compute capability.
bool PackageRunsHere(const InstallRequest& req, const Machine& m, const CudaPackage& p) {
  if (req.cuda) {
    auto want = DottedVersion::Parse(*req.cuda);
    if (!want || want->major() != p.cuda.major()) return false;
  }
  return DriverMeets(m, p) && AllGpusAtLeast(m, p.min_cc);
}

}  // namespace

InstallPlan PlanTensorFlow(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                           const UserIndex& user) {
  InstallPlan plan;
  std::vector<std::string> passed;  // newer releases that do not run here, and why
  for (const auto& r : f.tensorflow) {
    if (!PythonFits(m, r.python_min, r.python_max)) continue;
    if (m.gpus.empty() || !m.driver_cuda) {
      plan.ok = true;
      plan.reasons.push_back(
          m.gpus.empty()
              ? "no NVIDIA GPU found: the CPU build"
              : "an NVIDIA GPU is present but no working driver answered: the CPU build for now");
      plan.reasons.push_back(fmt::format("TensorFlow {} is the newest release for {}{}", r.version,
                                         PythonNote(m), r.exact ? " on the index" : ""));
      if (r.cpu_project != "tensorflow-cpu") {
        plan.reasons.push_back(fmt::format(
            "the index has no tensorflow-cpu {} wheel for this host; tensorflow's runs on the CPU",
            r.version));
      }
      plan.reasons.push_back("source: " + f.tensorflow_source);
      plan.command =
          req.manager == Manager::kConda
              ? fmt::format("conda install -c conda-forge 'tensorflow={}.*=cpu*'",
                            ReleaseOf(r.version))
              : PipInstall(req, m, fmt::format("'{}{}'", r.cpu_project, Pin(r)), "", user);
      return plan;
    }
    if (req.cuda) {
      auto want = DottedVersion::Parse(*req.cuda);
      if (!want || !SameMinor(*want, r.cuda)) continue;
    }
    if (r.cuda > *m.driver_cuda) {
      // TensorFlow's compiled architectures are not in dlenv's table, so running it by
      // minor-version compatibility (SASS only, no PTX JIT) cannot be checked: not assumed.
      if (passed.size() < 3)
        passed.push_back(fmt::format("tensorflow {} needs CUDA {}, the driver supports {}",
                                     r.version, r.cuda.ToString(), m.driver_cuda->ToString()));
      continue;
    }
    if (!AllGpusAtLeast(m, f.tensorflow_min_cc)) continue;
    plan.ok = true;
    plan.reasons.push_back(
        fmt::format("TensorFlow {} {} CUDA {} and cuDNN {}; the driver supports CUDA {}", r.version,
                    r.exact && r.and_cuda ? "asks (its and-cuda extra) for" : "was tested with",
                    r.cuda.ToString(), r.cudnn.ToString(), m.driver_cuda->ToString()));
    plan.reasons.push_back(fmt::format("{} meets TensorFlow's minimum compute capability {}",
                                       GpuList(m), f.tensorflow_min_cc.ToString()));
    plan.reasons.push_back(fmt::format("TensorFlow {} {} {}", r.version,
                                       r.exact ? "has a wheel for" : "supports", PythonNote(m)));
    for (const auto& p : passed) plan.reasons.push_back("passed over: " + p);
    plan.reasons.push_back("source: " + (r.source.empty() ? f.tensorflow_source : r.source));
    if (req.manager == Manager::kConda) {
      plan.command =
          fmt::format("conda install -c conda-forge 'tensorflow={}.*=cuda*' 'cuda-version<={}'",
                      ReleaseOf(r.version), m.driver_cuda->ToString());
    } else if (r.and_cuda) {
      plan.command = PipInstall(req, m, fmt::format("'tensorflow[and-cuda]{}'", Pin(r)), "", user);
    } else {
      plan.command = PipInstall(req, m, fmt::format("'tensorflow{}'", Pin(r)), "", user);
      plan.reasons.push_back(
          fmt::format("before 2.14 the wheel brings no CUDA: install CUDA {} and cuDNN {} yourself",
                      r.cuda.ToString(), r.cudnn.ToString()));
    }
    return plan;
  }
  bool live = !f.tensorflow.empty() && f.tensorflow.front().exact;
  plan.error = fmt::format(
      "no TensorFlow release {} fits {}{}{}", live ? "on the index" : "in dlenv's table",
      PythonNote(m),
      m.driver_cuda ? fmt::format(" and driver CUDA {}", m.driver_cuda->ToString()) : "",
      passed.empty() ? "" : ": " + util::Join(passed, "; "));
  return plan;
}

// ---- JAX and CuPy: one package per CUDA major, chosen by driver floor and architecture ----

InstallPlan PlanJax(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                    const UserIndex& user) {
  InstallPlan plan;
  if (!PythonFits(m, f.jax_python_min, f.jax_python_max)) {
    plan.error = fmt::format("current JAX releases need Python {} to {}; this environment has {}",
                             f.jax_python_min ? f.jax_python_min->ToString() : "?",
                             f.jax_python_max ? f.jax_python_max->ToString() : "?", PythonNote(m));
    return plan;
  }
  if (!m.gpus.empty() && (m.driver || m.driver_cuda)) {
    for (const auto& p : f.jax) {
      if (!PackageRunsHere(req, m, p)) continue;
      plan.ok = true;
      plan.reasons.push_back(fmt::format(
          "jax[{}] needs driver >= {} and compute capability >= {}; this machine has driver {} and "
          "{}",
          p.name, p.min_driver.ToString(), p.min_cc.ToString(),
          m.driver ? m.driver->ToString() : "CUDA " + m.driver_cuda->ToString(), GpuList(m)));
      if (!f.jax_version.empty()) {
        plan.reasons.push_back(
            fmt::format("jax {} is the newest release with jaxlib and {} wheels for {}",
                        f.jax_version, "jax-" + p.name + "-plugin", PythonNote(m)));
      }
      plan.reasons.push_back("source: " + f.jax_source);
      plan.command = req.manager == Manager::kConda
                         ? "conda install -c conda-forge 'jaxlib=*=*cuda*' jax"
                         : PipInstall(req, m,
                                      p.pin.empty() ? fmt::format("-U 'jax[{}]'", p.name)
                                                    : fmt::format("'jax[{}]{}'", p.name, p.pin),
                                      "", user);
      return plan;
    }
  }
  plan.ok = true;
  plan.reasons.push_back(
      m.gpus.empty()
          ? "no NVIDIA GPU found: the CPU build"
          : fmt::format("no JAX CUDA build fits this driver and {}: the CPU build", GpuList(m)));
  if (!f.jax_version.empty()) {
    plan.reasons.push_back(fmt::format("jax {} is the newest release with a jaxlib wheel for {}",
                                       f.jax_version, PythonNote(m)));
    plan.reasons.push_back("source: " + f.jax_source.substr(0, f.jax_source.find("; ")));
  }
  plan.command =
      req.manager == Manager::kConda
          ? "conda install -c conda-forge jax"
          : PipInstall(req, m, f.jax_version.empty() ? "-U jax" : "'jax==" + f.jax_version + "'",
                       "", user);
  return plan;
}

InstallPlan PlanCupy(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                     const UserIndex& user) {
  InstallPlan plan;
  if (m.gpus.empty()) {
    plan.error = "CuPy runs only on a GPU and no NVIDIA GPU was found; for CPU arrays use NumPy";
    return plan;
  }
  for (const auto& p : f.cupy) {
    if (!PackageRunsHere(req, m, p)) continue;
    plan.ok = true;
    plan.reasons.push_back(fmt::format(
        "{} needs driver >= {} and compute capability >= {}; this machine has driver {} and {}",
        p.name, p.min_driver.ToString(), p.min_cc.ToString(),
        m.driver ? m.driver->ToString() : "(unknown)", GpuList(m)));
    if (p.pin.starts_with("[ctk]")) {
      plan.reasons.push_back(fmt::format(
          "the [ctk] extra installs the CUDA {}.x libraries CuPy loads from the index, so no "
          "CUDA toolkit is needed on the machine",
          p.cuda.major()));
    }
    plan.reasons.push_back("source: " + f.cupy_source);
    plan.command =
        req.manager == Manager::kConda
            ? fmt::format("conda install -c conda-forge cupy 'cuda-version={}.*'", p.cuda.major())
            : PipInstall(req, m, "'" + p.name + p.pin + "'", "", user);
    return plan;
  }
  plan.error = fmt::format("no CuPy package fits driver {} and {}; update the NVIDIA driver",
                           m.driver ? m.driver->ToString() : "(unknown)", GpuList(m));
  return plan;
}

}  // namespace dlenv::install
