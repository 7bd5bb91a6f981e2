#include "install/install.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "doctor/doctor.h"
#include "probe/probes.h"
#include "util/embedded.h"
#include "util/fatbin.h"
#include "util/strings.h"

namespace dlenv::install {
namespace {

using util::DottedVersion;
using nlohmann::json;

DottedVersion V(const json& j) {
  auto v = DottedVersion::Parse(j.get<std::string>());
  if (!v) throw std::runtime_error("bad version in frameworks.json: " + j.get<std::string>());
  return *v;
}

std::vector<std::string> Strings(const json& j) { return j.get<std::vector<std::string>>(); }

CudaPackage Package(const json& row, const char* name_key) {
  return {row.at(name_key).get<std::string>(), V(row.at("cuda")), V(row.at("min_driver")),
          V(row.at("min_compute_capability")), row.value("pin", "")};
}

/// cu121 -> 12.1, cu102 -> 10.2, cu130 -> 13.0.
std::optional<DottedVersion> VariantCuda(const std::string& variant) {
  if (!variant.starts_with("cu") || variant.size() < 5) return std::nullopt;
  std::string digits = variant.substr(2);
  return DottedVersion::Parse(digits.substr(0, digits.size() - 1) + "." + digits.substr(digits.size() - 1));
}

bool SameMinor(const DottedVersion& a, const DottedVersion& b) {
  return a.major() == b.major() && a.minor() == b.minor();
}

struct Machine {
  std::vector<model::GpuInfo> gpus;  // with a known compute capability
  std::optional<DottedVersion> driver_cuda;
  std::optional<DottedVersion> driver;
  std::optional<DottedVersion> python;  // major.minor
  std::string python_exe;
};

Machine Describe(const InstallRequest& req, const model::Snapshot& s) {
  Machine m;
  for (const auto& g : s.gpus) {
    if (g.cc_major && g.cc_minor) m.gpus.push_back(g);
  }
  if (s.driver.cuda_driver_version) m.driver_cuda = DottedVersion::FromCudaInt(*s.driver.cuda_driver_version);
  else if (s.driver.nvml_cuda_driver_version) m.driver_cuda = DottedVersion::FromCudaInt(*s.driver.nvml_cuda_driver_version);
  if (s.driver.nvml_driver_version) m.driver = DottedVersion::Parse(*s.driver.nvml_driver_version);
  else if (s.driver.kernel_module_version) m.driver = DottedVersion::Parse(*s.driver.kernel_module_version);
  // The environment named with --python, else the first one the probe found.
  const model::PythonEnv* env = nullptr;
  for (const auto& e : s.python_envs) {
    if (req.python && (e.executable == *req.python || e.prefix == *req.python)) env = &e;
  }
  if (!env && !req.python && !s.python_envs.empty()) env = &s.python_envs.front();
  m.python_exe = req.python.value_or(env && env->executable ? *env->executable : "python3");
  if (env && env->python_version) {
    if (auto v = DottedVersion::Parse(*env->python_version)) m.python = DottedVersion::Parse(fmt::format("{}.{}", v->major(), v->minor()));
  }
  return m;
}

std::string Cc(const model::GpuInfo& g) { return fmt::format("{}.{}", *g.cc_major, *g.cc_minor); }

std::string GpuList(const Machine& m) {
  std::vector<std::string> names;
  for (const auto& g : m.gpus) names.push_back(fmt::format("{} (compute capability {})", g.name, Cc(g)));
  return util::Join(names, ", ");
}

bool PythonFits(const Machine& m, const std::optional<DottedVersion>& lo, const std::optional<DottedVersion>& hi) {
  if (!m.python) return true;  // unknown: do not rule anything out
  return (!lo || *m.python >= *lo) && (!hi || *m.python <= *hi);
}

bool AllGpusRun(const Machine& m, const std::vector<std::string>& archs) {
  return std::all_of(m.gpus.begin(), m.gpus.end(),
                     [&](const auto& g) { return util::ArchesRunOn(archs, *g.cc_major, *g.cc_minor); });
}

bool AllGpusAtLeast(const Machine& m, const DottedVersion& cc) {
  return std::all_of(m.gpus.begin(), m.gpus.end(), [&](const auto& g) {
    return *DottedVersion::Parse(Cc(g)) >= cc;
  });
}

std::string PipInstall(const InstallRequest& req, const Machine& m, const std::string& specs, const std::string& index = "") {
  std::string tail = index.empty() ? "" : " --index-url " + index;
  if (req.manager == Manager::kUv) return fmt::format("uv pip install --python {} {}{}", m.python_exe, specs, tail);
  return fmt::format("{} -m pip install {}{}", m.python_exe, specs, tail);
}

std::string PythonNote(const Machine& m) {
  return m.python ? "Python " + m.python->ToString() : "Python version unknown (no environment found; not filtered)";
}

// ---- PyTorch ----

InstallPlan PlanTorch(const InstallRequest& req, const Machine& m, const FrameworkFacts& f) {
  InstallPlan plan;
  auto url = [&](const std::string& variant) {
    std::string u = f.torch_index_url;
    u.replace(u.find("{variant}"), 9, variant);
    return u;
  };
  const TorchRelease* newest_for_python = nullptr;
  for (const auto& r : f.torch) {
    if (PythonFits(m, r.python_min, r.python_max)) {
      newest_for_python = &r;
      break;
    }
  }
  if (!newest_for_python) {
    plan.error = fmt::format("no PyTorch release in dlenv's table ({}) supports {}; use a Python that one does",
                             f.date, PythonNote(m));
    return plan;
  }
  auto cpu = [&](std::string why) {
    InstallPlan p;
    p.ok = true;
    p.reasons.push_back(std::move(why));
    p.reasons.push_back(fmt::format("PyTorch {} is the newest release for {}", newest_for_python->version, PythonNote(m)));
    if (req.manager == Manager::kConda) {
      p.command = fmt::format("conda install -c conda-forge 'pytorch={}.*=cpu*'", newest_for_python->version);
    } else {
      p.command = PipInstall(req, m, fmt::format("'torch=={}.*'", newest_for_python->version), url("cpu"));
    }
    return p;
  };
  if (m.gpus.empty()) return cpu("no NVIDIA GPU found: the CPU build");
  if (!m.driver_cuda) return cpu("an NVIDIA GPU is present but no working driver answered; fix the driver first (dlenv doctor), meanwhile the CPU build");

  // Every (release, variant) this machine can run; then the newest CUDA, and within it the
  // newest release: a newer CUDA brings kernels tuned for newer GPUs, and the table is
  // newest release first, so a stable sort keeps that order within one CUDA version.
  struct Candidate {
    const TorchRelease* release;
    std::string variant;
    DottedVersion cuda;
    std::vector<std::string> archs;
  };
  std::vector<Candidate> candidates;
  std::vector<std::string> rejected;
  for (const auto& r : f.torch) {
    if (!PythonFits(m, r.python_min, r.python_max)) continue;
    for (const auto& variant : r.variants) {
      auto cuda = VariantCuda(variant);
      if (!cuda) continue;
      if (req.cuda) {
        auto want = DottedVersion::Parse(*req.cuda);
        if (!want || !SameMinor(*want, *cuda)) continue;
      }
      // Strictly the driver's own CUDA: minor-version compatibility would admit newer
      // variants, but with a reduced feature set and no JIT of their PTX.
      if (*cuda > *m.driver_cuda) continue;
      auto archs = f.TorchArchesFor(r.version, variant);
      if (!archs.empty() && !AllGpusRun(m, archs)) {
        if (rejected.size() < 3) {
          rejected.push_back(fmt::format("torch {} {} has code for {} only", r.version, variant, util::Join(archs, " ")));
        }
        continue;
      }
      candidates.push_back({&r, variant, *cuda, archs});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.cuda > b.cuda; });
  if (!candidates.empty()) {
    const Candidate& c = candidates.front();
    const TorchRelease& r = *c.release;
    plan.ok = true;
    plan.reasons.push_back(fmt::format("the driver supports CUDA {}; {} is the newest PyTorch CUDA variant it can run",
                                       m.driver_cuda->ToString(), c.variant));
    plan.reasons.push_back(c.archs.empty()
                               ? fmt::format("torch {} {}: compiled architectures not in dlenv's table", r.version, c.variant)
                               : fmt::format("torch {} {} is compiled for {}, which runs on {}", r.version, c.variant,
                                             util::Join(c.archs, " "), GpuList(m)));
    plan.reasons.push_back(fmt::format("torch {} is the newest release with {} for {}", r.version, c.variant, PythonNote(m)));
    plan.reasons.push_back("source: " + r.source);
    if (req.manager == Manager::kConda) {
      plan.command = fmt::format("conda install -c conda-forge 'pytorch={}.*=cuda*' 'cuda-version<={}'", r.version,
                                 m.driver_cuda->ToString());
    } else {
      plan.command = PipInstall(req, m, fmt::format("'torch=={}.*'", r.version), url(c.variant));
    }
    return plan;
  }
  if (req.cuda) {
    plan.error = fmt::format("no PyTorch build for CUDA {} fits this machine (driver's CUDA {}, {}, {})", *req.cuda,
                             m.driver_cuda->ToString(), GpuList(m), PythonNote(m));
    return plan;
  }
  auto p = cpu(fmt::format("no PyTorch CUDA build fits: driver's CUDA {}, {}, {}{}", m.driver_cuda->ToString(), GpuList(m),
                           PythonNote(m), rejected.empty() ? "" : " (" + util::Join(rejected, "; ") + ")"));
  p.reasons.push_back("the CPU build runs everywhere; for this GPU use an older Python or a newer driver");
  return p;
}

// ---- TensorFlow ----

InstallPlan PlanTensorFlow(const InstallRequest& req, const Machine& m, const FrameworkFacts& f) {
  InstallPlan plan;
  for (const auto& r : f.tensorflow) {
    if (!PythonFits(m, r.python_min, r.python_max)) continue;
    if (m.gpus.empty() || !m.driver_cuda) {
      plan.ok = true;
      plan.reasons.push_back(m.gpus.empty() ? "no NVIDIA GPU found: the CPU build"
                                            : "an NVIDIA GPU is present but no working driver answered: the CPU build for now");
      plan.reasons.push_back(fmt::format("TensorFlow {} is the newest release for {}", r.version, PythonNote(m)));
      plan.command = req.manager == Manager::kConda
                         ? fmt::format("conda install -c conda-forge 'tensorflow={}.*=cpu*'", r.version)
                         : PipInstall(req, m, fmt::format("'tensorflow-cpu=={}.*'", r.version));
      return plan;
    }
    if (req.cuda) {
      auto want = DottedVersion::Parse(*req.cuda);
      if (!want || !SameMinor(*want, r.cuda)) continue;
    }
    if (r.cuda > *m.driver_cuda || !AllGpusAtLeast(m, f.tensorflow_min_cc)) continue;
    plan.ok = true;
    plan.reasons.push_back(fmt::format("TensorFlow {} was tested with CUDA {} and cuDNN {}; the driver supports CUDA {}",
                                       r.version, r.cuda.ToString(), r.cudnn.ToString(), m.driver_cuda->ToString()));
    plan.reasons.push_back(fmt::format("{} meets TensorFlow's minimum compute capability {}", GpuList(m),
                                       f.tensorflow_min_cc.ToString()));
    plan.reasons.push_back(fmt::format("TensorFlow {} supports {}", r.version, PythonNote(m)));
    plan.reasons.push_back("source: " + f.tensorflow_source);
    if (req.manager == Manager::kConda) {
      plan.command = fmt::format("conda install -c conda-forge 'tensorflow={}.*=cuda*' 'cuda-version<={}'", r.version,
                                 m.driver_cuda->ToString());
    } else if (r.and_cuda) {
      plan.command = PipInstall(req, m, fmt::format("'tensorflow[and-cuda]=={}.*'", r.version));
    } else {
      plan.command = PipInstall(req, m, fmt::format("'tensorflow=={}.*'", r.version));
      plan.reasons.push_back(fmt::format("before 2.14 the wheel brings no CUDA: install CUDA {} and cuDNN {} yourself",
                                         r.cuda.ToString(), r.cudnn.ToString()));
    }
    return plan;
  }
  plan.error = fmt::format("no TensorFlow release in dlenv's table fits {}{}", PythonNote(m),
                           m.driver_cuda ? fmt::format(" and driver CUDA {}", m.driver_cuda->ToString()) : "");
  return plan;
}

// ---- JAX and CuPy: one package per CUDA major, chosen by driver floor and architecture ----

bool DriverMeets(const Machine& m, const CudaPackage& p) {
  if (m.driver) return *m.driver >= p.min_driver;
  return m.driver_cuda && m.driver_cuda->major() >= p.cuda.major();
}

InstallPlan PlanJax(const InstallRequest& req, const Machine& m, const FrameworkFacts& f) {
  InstallPlan plan;
  if (!PythonFits(m, f.jax_python_min, f.jax_python_max)) {
    plan.error = fmt::format("current JAX releases need Python {} to {}; this environment has {}",
                             f.jax_python_min ? f.jax_python_min->ToString() : "?",
                             f.jax_python_max ? f.jax_python_max->ToString() : "?", PythonNote(m));
    return plan;
  }
  if (!m.gpus.empty() && (m.driver || m.driver_cuda)) {
    for (const auto& p : f.jax) {
      if (req.cuda) {
        auto want = DottedVersion::Parse(*req.cuda);
        if (!want || want->major() != p.cuda.major()) continue;
      }
      if (!DriverMeets(m, p) || !AllGpusAtLeast(m, p.min_cc)) continue;
      plan.ok = true;
      plan.reasons.push_back(fmt::format("jax[{}] needs driver >= {} and compute capability >= {}; this machine has driver {} and {}",
                                         p.name, p.min_driver.ToString(), p.min_cc.ToString(),
                                         m.driver ? m.driver->ToString() : "CUDA " + m.driver_cuda->ToString(), GpuList(m)));
      plan.reasons.push_back("source: " + f.jax_source);
      plan.command = req.manager == Manager::kConda ? "conda install -c conda-forge 'jaxlib=*=*cuda*' jax"
                                                    : PipInstall(req, m, fmt::format("-U 'jax[{}]'", p.name));
      return plan;
    }
  }
  plan.ok = true;
  plan.reasons.push_back(m.gpus.empty() ? "no NVIDIA GPU found: the CPU build"
                                        : fmt::format("no JAX CUDA build fits this driver and {}: the CPU build", GpuList(m)));
  plan.command = req.manager == Manager::kConda ? "conda install -c conda-forge jax" : PipInstall(req, m, "-U jax");
  return plan;
}

InstallPlan PlanCupy(const InstallRequest& req, const Machine& m, const FrameworkFacts& f) {
  InstallPlan plan;
  if (m.gpus.empty()) {
    plan.error = "CuPy runs only on a GPU and no NVIDIA GPU was found; for CPU arrays use NumPy";
    return plan;
  }
  for (const auto& p : f.cupy) {
    if (req.cuda) {
      auto want = DottedVersion::Parse(*req.cuda);
      if (!want || want->major() != p.cuda.major()) continue;
    }
    if (!DriverMeets(m, p) || !AllGpusAtLeast(m, p.min_cc)) continue;
    plan.ok = true;
    plan.reasons.push_back(fmt::format("{} needs driver >= {} and compute capability >= {}; this machine has driver {} and {}",
                                       p.name, p.min_driver.ToString(), p.min_cc.ToString(),
                                       m.driver ? m.driver->ToString() : "(unknown)", GpuList(m)));
    plan.reasons.push_back("source: " + f.cupy_source);
    plan.command = req.manager == Manager::kConda
                       ? fmt::format("conda install -c conda-forge cupy 'cuda-version={}.*'", p.cuda.major())
                       : PipInstall(req, m, "'" + p.name + p.pin + "'");
    return plan;
  }
  plan.error = fmt::format("no CuPy package fits driver {} and {}; update the NVIDIA driver",
                           m.driver ? m.driver->ToString() : "(unknown)", GpuList(m));
  return plan;
}

}  // namespace

std::vector<std::string> FrameworkFacts::TorchArchesFor(const std::string& release, const std::string& variant) const {
  for (const auto& row : torch_arches) {
    bool r = std::find(row.releases.begin(), row.releases.end(), release) != row.releases.end();
    bool v = std::find(row.variants.begin(), row.variants.end(), variant) != row.variants.end();
    if (r && v) return row.archs;
  }
  return {};
}

FrameworkFacts ParseFrameworkFacts(const std::string& text) {
  FrameworkFacts f;
  json doc = json::parse(text);
  f.date = doc.at("date").get<std::string>();
  const json& torch = doc.at("pytorch");
  f.torch_index_url = torch.at("index_url").get<std::string>();
  if (f.torch_index_url.find("{variant}") == std::string::npos) throw std::runtime_error("pytorch.index_url lacks {variant}");
  for (const auto& row : torch.at("releases")) {
    TorchRelease r{row.at("version").get<std::string>(), Strings(row.at("variants")), V(row.at("python").at(0)),
                   V(row.at("python").at(1)), row.at("source").get<std::string>()};
    for (const auto& v : r.variants) {
      if (!VariantCuda(v)) throw std::runtime_error("bad PyTorch variant in frameworks.json: " + v);
    }
    f.torch.push_back(std::move(r));
  }
  for (const auto& row : torch.at("arches")) {
    f.torch_arches.push_back({Strings(row.at("releases")), Strings(row.at("variants")), Strings(row.at("archs")),
                              row.at("source").get<std::string>()});
  }
  const json& tf = doc.at("tensorflow");
  f.tensorflow_source = tf.at("source").get<std::string>();
  f.tensorflow_min_cc = V(tf.at("min_compute_capability"));
  for (const auto& row : tf.at("releases")) {
    f.tensorflow.push_back({row.at("version").get<std::string>(), V(row.at("python").at(0)), V(row.at("python").at(1)),
                            V(row.at("cuda")), V(row.at("cudnn")), row.at("and_cuda").get<bool>()});
  }
  const json& jax = doc.at("jax");
  f.jax_source = jax.at("source").get<std::string>();
  f.jax_python_min = V(jax.at("python").at(0));
  f.jax_python_max = V(jax.at("python").at(1));
  for (const auto& row : jax.at("variants")) f.jax.push_back(Package(row, "extra"));
  const json& cupy = doc.at("cupy");
  f.cupy_source = cupy.at("source").get<std::string>();
  for (const auto& row : cupy.at("packages")) f.cupy.push_back(Package(row, "package"));
  return f;
}

const FrameworkFacts& BuiltinFrameworkFacts() {
  static const FrameworkFacts facts = [] {
    auto text = util::FindEmbeddedFile("frameworks.json");
    if (!text) throw std::runtime_error("knowledge data frameworks.json missing from the build");
    return ParseFrameworkFacts(std::string(*text));
  }();
  return facts;
}

InstallPlan PlanInstall(const InstallRequest& req, const model::Snapshot& snapshot, const knowledge::Knowledge&,
                        const FrameworkFacts& facts) {
  Machine m = Describe(req, snapshot);
  if (req.framework == "torch" || req.framework == "pytorch") return PlanTorch(req, m, facts);
  if (req.framework == "tensorflow") return PlanTensorFlow(req, m, facts);
  if (req.framework == "jax") return PlanJax(req, m, facts);
  if (req.framework == "cupy") return PlanCupy(req, m, facts);
  InstallPlan plan;
  plan.error = fmt::format("unknown framework '{}': choose torch, tensorflow, jax or cupy", req.framework);
  return plan;
}

InstallOutput RunInstall(const InstallRequest& request) {
  doctor::DoctorOptions options;
  if (request.python) options.pythons = {*request.python};
  model::Snapshot snapshot = probe::TakeSnapshot(doctor::MakeProbeContext(options));
  InstallPlan plan = PlanInstall(request, snapshot, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  InstallOutput out;
  if (!plan.ok) {
    out.text = "dlenv install: " + plan.error + "\n";
    out.exit_code = 1;
    return out;
  }
  out.text = plan.command + "\n\nWhy:\n";
  for (const auto& r : plan.reasons) out.text += "  - " + r + "\n";
  return out;
}

}  // namespace dlenv::install
