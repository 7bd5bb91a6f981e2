#include "install/install.h"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "doctor/doctor.h"
#include "install/live_index.h"
#include "install/pip_config.h"
#include "probe/http.h"
#include "probe/probes.h"
#include "util/embedded.h"
#include "util/environment.h"
#include "util/fatbin.h"
#include "util/pep440.h"
#include "util/read_file.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

using nlohmann::json;
using util::DottedVersion;

bool SameMinor(const DottedVersion& a, const DottedVersion& b) {
  return a.major() == b.major() && a.minor() == b.minor();
}

using Machine = Host;

Machine Describe(const InstallRequest& req, const model::Snapshot& s) {
  Machine m;
  for (const auto& g : s.gpus) {
    if (g.cc_major && g.cc_minor) m.gpus.push_back(g);
  }
  if (s.driver.cuda_driver_version)
    m.driver_cuda = DottedVersion::FromCudaInt(*s.driver.cuda_driver_version);
  else if (s.driver.nvml_cuda_driver_version)
    m.driver_cuda = DottedVersion::FromCudaInt(*s.driver.nvml_cuda_driver_version);
  if (s.driver.nvml_driver_version)
    m.driver = DottedVersion::Parse(*s.driver.nvml_driver_version);
  else if (s.driver.kernel_module_version)
    m.driver = DottedVersion::Parse(*s.driver.kernel_module_version);
  // The environment named with --python, else the first one the probe found.
  const model::PythonEnv* env = nullptr;
  for (const auto& e : s.python_envs) {
    if (req.python && (e.executable == *req.python || e.prefix == *req.python)) env = &e;
  }
  if (!env && !req.python && !s.python_envs.empty()) env = &s.python_envs.front();
  m.python_exe = req.python.value_or(env && env->executable ? *env->executable : "python3");
  if (env && env->python_version) {
    if (auto v = DottedVersion::Parse(*env->python_version)) {
      m.python = DottedVersion::Parse(fmt::format("{}.{}", v->major(), v->minor()));
      m.wheel.python_known = true;
      m.wheel.python_major = v->major();
      m.wheel.python_minor = v->minor();
    }
  }
  m.wheel.arch = req.arch.empty() ? "x86_64" : req.arch;
  if (auto g = DottedVersion::Parse(s.host.glibc)) {
    m.wheel.glibc_major = g->major();
    m.wheel.glibc_minor = g->minor();
  }
  return m;
}

std::string Cc(const model::GpuInfo& g) { return fmt::format("{}.{}", *g.cc_major, *g.cc_minor); }

std::string GpuList(const Machine& m) {
  std::vector<std::string> names;
  for (const auto& g : m.gpus)
    names.push_back(fmt::format("{} (compute capability {})", g.name, Cc(g)));
  return util::Join(names, ", ");
}

bool PythonFits(const Machine& m, const std::optional<DottedVersion>& lo,
                const std::optional<DottedVersion>& hi) {
  if (!m.python) return true;  // unknown: do not rule anything out
  return (!lo || *m.python >= *lo) && (!hi || *m.python <= *hi);
}

bool AllGpusAtLeast(const Machine& m, const DottedVersion& cc) {
  return std::all_of(m.gpus.begin(), m.gpus.end(),
                     [&](const auto& g) { return *DottedVersion::Parse(Cc(g)) >= cc; });
}

/// The command; `index` is PyTorch's index when the build comes from there, else the user's
/// own index (and its extra indexes) stay as configured.
std::string PipInstall(const InstallRequest& req, const Machine& m, const std::string& specs,
                       const std::string& index = "", const UserIndex& user = {}) {
  std::string tail;
  if (!index.empty()) {
    tail = " --index-url " + index;
    if (!user.index_url.empty()) tail += " --extra-index-url " + user.index_url;
  } else if (!user.index_url.empty()) {
    tail = " --index-url " + user.index_url;
  }
  for (const auto& extra : user.extra_index_urls) tail += " --extra-index-url " + extra;
  if (req.manager == Manager::kUv)
    return fmt::format("uv pip install --python {} {}{}", m.python_exe, specs, tail);
  return fmt::format("{} -m pip install {}{}", m.python_exe, specs, tail);
}

std::string PythonNote(const Machine& m) {
  return m.python ? "Python " + m.python->ToString()
                  : "Python version unknown (no environment found; not filtered)";
}

// ---- PyTorch ----

InstallPlan PlanTorch(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                      const LiveIndex* live, const UserIndex& user) {
  InstallPlan plan;
  std::vector<TorchBuild> builds;
  if (live) builds = live->torch;
  // PyTorch's own index is the only source of its non-default variants; when it did not
  // answer (or offline), the table's rows stand in for them.
  if (!live || !live->torch_index_reached) {
    auto table = TableTorchBuilds(f, req.torch_index);
    if (live) {
      // The user's index knows the exact releases (2.15.0); PyTorch's index labels them
      // +variant. Pin what both say: 'torch==2.15.0+cpu' rather than 'torch==2.15.*'.
      for (auto& t : table) {
        std::optional<util::Pep440Version> newest;
        for (const auto& b : live->torch) {
          auto v = util::Pep440Version::Parse(b.version);
          if (v && b.user_index && ReleaseOf(b.version) == t.version && (!newest || *v > *newest))
            newest = v;
        }
        if (!newest) continue;
        t.version = newest->WithoutLocal().ToString() + "+" + t.variant;
        t.exact = true;
        t.source =
            fmt::format("{} on {}; its variant from {}", t.version.substr(0, t.version.find('+')),
                        ProjectUrl(user.index_url, "torch"), t.source);
      }
    }
    builds.insert(builds.end(), table.begin(), table.end());
  }
  // --with torchvision/torchaudio: only torch releases those have a release for, where the
  // index said which exist (a new torch often comes before its torchvision).
  std::map<std::string, std::string> companion_pins;  // project -> newest matching version
  auto companion_for = [&](const std::string& project,
                           const std::string& release) -> std::optional<std::string> {
    std::string want = CompanionRelease(project, release);
    if (want.empty()) return std::nullopt;
    if (!live || !live->companions.count(project))
      return want + ".*";  // not asked: by the pairing rule
    std::optional<util::Pep440Version> best;
    for (const auto& v : live->companions.at(project)) {
      auto p = util::Pep440Version::Parse(v);
      if (p && ReleaseOf(v) == want && (!best || *p > *best)) best = p;
    }
    if (!best) return std::nullopt;
    return best->WithoutLocal().ToString();
  };
  std::vector<std::pair<util::Pep440Version, std::string>> dropped;  // release, why
  if (!req.with.empty()) {
    std::erase_if(builds, [&](const TorchBuild& b) {
      std::string release = ReleaseOf(b.version);
      for (const auto& project : req.with) {
        if (companion_for(project, release)) continue;
        auto v = util::Pep440Version::Parse(release);
        bool seen = std::any_of(dropped.begin(), dropped.end(),
                                [&](const auto& d) { return v && d.first == *v; });
        if (v && !seen) {
          std::string want = CompanionRelease(project, release);
          dropped.emplace_back(
              *v, want.empty()
                      ? fmt::format("torch {} passed over: no {} pairing known for it", release,
                                    project)
                      : fmt::format("torch {} passed over: the index has no {} {} for it yet",
                                    release, project, want));
        }
        return true;
      }
      return false;
    });
  }
  const bool gpu = !m.gpus.empty() && (m.driver_cuda || m.driver);
  auto pick = PickTorch(builds, m, f, req.cuda);
  if (!pick.build && gpu && !req.cuda) {
    // No CUDA build fits: the CPU build, with the reason.
    Machine cpu_host = m;
    cpu_host.gpus.clear();
    auto cpu = PickTorch(builds, cpu_host, f, std::nullopt);
    if (cpu.build) {
      plan.reasons.push_back(
          fmt::format("no PyTorch CUDA build fits: driver {}{}, {}, {}{}",
                      m.driver ? m.driver->ToString() : "(unknown)",
                      m.driver_cuda ? " (CUDA " + m.driver_cuda->ToString() + ")" : "", GpuList(m),
                      PythonNote(m),
                      pick.rejected.empty() ? "" : " (" + util::Join(pick.rejected, "; ") + ")"));
      // The newest build with code for these GPUs at all, whatever the Python and driver.
      for (const auto& r : f.torch) {
        std::string found;
        for (const auto& v : r.variants) {
          auto archs = f.TorchArchesFor(r.version, v);
          bool runs =
              !archs.empty() && std::all_of(m.gpus.begin(), m.gpus.end(), [&](const auto& g) {
                return util::ArchesRunOn(archs, *g.cc_major, *g.cc_minor);
              });
          if (runs && found.empty()) found = v;
        }
        if (found.empty()) continue;
        plan.reasons.push_back(
            fmt::format("the newest PyTorch build with code for {} is torch {} {} (Python {} to "
                        "{}, driver >= {})",
                        GpuList(m), r.version, found, r.python_min ? r.python_min->ToString() : "?",
                        r.python_max ? r.python_max->ToString() : "?",
                        f.DriverFloorFor(VariantCuda(found)->major())
                            ? f.DriverFloorFor(VariantCuda(found)->major())->ToString()
                            : "?"));
        break;
      }
      plan.reasons.push_back(
          "the CPU build runs everywhere; for this GPU use an older Python or a newer driver");
      pick = cpu;
    }
  }
  if (!pick.build) {
    if (req.cuda) {
      plan.error = fmt::format(
          "no PyTorch build for CUDA {} fits this machine (driver {}, {}, {}){}", *req.cuda,
          m.driver ? m.driver->ToString() : "(unknown)", GpuList(m), PythonNote(m),
          pick.rejected.empty() ? "" : ": " + util::Join(pick.rejected, "; "));
    } else {
      plan.error = fmt::format(
          "no PyTorch release {} supports {} on {}{}",
          live ? "on the index or in dlenv's table" : "in dlenv's table (" + f.date + ")",
          PythonNote(m), m.wheel.arch,
          pick.rejected.empty() ? "" : ": " + util::Join(pick.rejected, "; "));
    }
    return plan;
  }
  const TorchBuild& b = *pick.build;
  plan.ok = true;
  for (auto it = dropped.rbegin(); it != dropped.rend(); ++it) {
    auto picked = util::Pep440Version::Parse(ReleaseOf(b.version));
    if (picked && it->first > *picked) plan.reasons.insert(plan.reasons.begin(), it->second);
  }
  if (b.variant == "cpu") {
    if (plan.reasons.empty()) {
      plan.reasons.push_back(m.gpus.empty()
                                 ? "no NVIDIA GPU found: the CPU build"
                                 : "an NVIDIA GPU is present but no working driver answered; fix "
                                   "the driver first (dlenv doctor), meanwhile the CPU build");
    }
  } else if (pick.minor_compat) {
    plan.reasons.push_back(fmt::format(
        "driver {} (CUDA {}) runs CUDA {}.x builds by NVIDIA's minor-version compatibility (floor "
        "{}); {} is the newest such build",
        m.driver ? m.driver->ToString() : "?", m.driver_cuda ? m.driver_cuda->ToString() : "?",
        b.cuda->major(), f.DriverFloorFor(b.cuda->major())->ToString(), b.variant));
    plan.reasons.push_back(
        fmt::format("{} is newer than the driver's CUDA, so its PTX cannot JIT here: it runs "
                    "because it carries SASS ({}) for {}",
                    b.variant, util::Join(pick.archs, " "), GpuList(m)));
  } else {
    plan.reasons.push_back(fmt::format("the driver supports CUDA {}; {} is within it",
                                       m.driver_cuda ? m.driver_cuda->ToString() : "?", b.variant));
    plan.reasons.push_back(fmt::format("torch {} {} is compiled for {}, which runs on {}",
                                       ReleaseOf(b.version), b.variant, util::Join(pick.archs, " "),
                                       GpuList(m)));
  }
  if (pick.archs_assumed) {
    plan.reasons.push_back(fmt::format(
        "torch {} is newer than dlenv's architecture table: assumed as the newest {} it has",
        ReleaseOf(b.version), b.variant));
  }
  plan.reasons.push_back(
      fmt::format("torch {} is the newest release with a build that runs here ({}, {})", b.version,
                  PythonNote(m), m.wheel.arch));
  for (const auto& r : pick.rejected) {
    if (b.variant != "cpu") plan.reasons.push_back("passed over: " + r);
  }
  plan.reasons.push_back("source: " + b.source);
  std::string spec =
      b.exact ? fmt::format("'torch=={}'", b.version) : fmt::format("'torch=={}.*'", b.version);
  for (const auto& project : req.with) {
    auto v = companion_for(project, ReleaseOf(b.version));
    if (!v) continue;
    spec += fmt::format(" '{}=={}'", project, *v);
    plan.reasons.push_back(fmt::format("{} {} is the release built against torch {}", project, *v,
                                       ReleaseOf(b.version)));
  }
  if (req.manager == Manager::kConda) {
    plan.command =
        b.variant == "cpu"
            ? fmt::format("conda install -c conda-forge 'pytorch={}.*=cpu*'", ReleaseOf(b.version))
            : fmt::format("conda install -c conda-forge 'pytorch={}.*=cuda*' 'cuda-version<={}'",
                          ReleaseOf(b.version),
                          pick.minor_compat ? fmt::format("{}", b.cuda->ToString())
                                            : m.driver_cuda->ToString());
  } else {
    plan.command = PipInstall(req, m, spec, b.user_index ? "" : b.index_url, user);
  }
  return plan;
}

// ---- TensorFlow ----

InstallPlan PlanTensorFlow(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                           const UserIndex& user) {
  InstallPlan plan;
  for (const auto& r : f.tensorflow) {
    if (!PythonFits(m, r.python_min, r.python_max)) continue;
    if (m.gpus.empty() || !m.driver_cuda) {
      plan.ok = true;
      plan.reasons.push_back(
          m.gpus.empty()
              ? "no NVIDIA GPU found: the CPU build"
              : "an NVIDIA GPU is present but no working driver answered: the CPU build for now");
      plan.reasons.push_back(
          fmt::format("TensorFlow {} is the newest release for {}", r.version, PythonNote(m)));
      plan.command =
          req.manager == Manager::kConda
              ? fmt::format("conda install -c conda-forge 'tensorflow={}.*=cpu*'", r.version)
              : PipInstall(req, m, fmt::format("'tensorflow-cpu=={}.*'", r.version), "", user);
      return plan;
    }
    if (req.cuda) {
      auto want = DottedVersion::Parse(*req.cuda);
      if (!want || !SameMinor(*want, r.cuda)) continue;
    }
    if (r.cuda > *m.driver_cuda || !AllGpusAtLeast(m, f.tensorflow_min_cc)) continue;
    plan.ok = true;
    plan.reasons.push_back(fmt::format(
        "TensorFlow {} was tested with CUDA {} and cuDNN {}; the driver supports CUDA {}",
        r.version, r.cuda.ToString(), r.cudnn.ToString(), m.driver_cuda->ToString()));
    plan.reasons.push_back(fmt::format("{} meets TensorFlow's minimum compute capability {}",
                                       GpuList(m), f.tensorflow_min_cc.ToString()));
    plan.reasons.push_back(fmt::format("TensorFlow {} supports {}", r.version, PythonNote(m)));
    plan.reasons.push_back("source: " + f.tensorflow_source);
    if (req.manager == Manager::kConda) {
      plan.command =
          fmt::format("conda install -c conda-forge 'tensorflow={}.*=cuda*' 'cuda-version<={}'",
                      r.version, m.driver_cuda->ToString());
    } else if (r.and_cuda) {
      plan.command =
          PipInstall(req, m, fmt::format("'tensorflow[and-cuda]=={}.*'", r.version), "", user);
    } else {
      plan.command = PipInstall(req, m, fmt::format("'tensorflow=={}.*'", r.version), "", user);
      plan.reasons.push_back(
          fmt::format("before 2.14 the wheel brings no CUDA: install CUDA {} and cuDNN {} yourself",
                      r.cuda.ToString(), r.cudnn.ToString()));
    }
    return plan;
  }
  plan.error = fmt::format(
      "no TensorFlow release in dlenv's table fits {}{}", PythonNote(m),
      m.driver_cuda ? fmt::format(" and driver CUDA {}", m.driver_cuda->ToString()) : "");
  return plan;
}

// ---- JAX and CuPy: one package per CUDA major, chosen by driver floor and architecture ----

bool DriverMeets(const Machine& m, const CudaPackage& p) {
  if (m.driver) return *m.driver >= p.min_driver;
  return m.driver_cuda && m.driver_cuda->major() >= p.cuda.major();
}

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
      if (req.cuda) {
        auto want = DottedVersion::Parse(*req.cuda);
        if (!want || want->major() != p.cuda.major()) continue;
      }
      if (!DriverMeets(m, p) || !AllGpusAtLeast(m, p.min_cc)) continue;
      plan.ok = true;
      plan.reasons.push_back(fmt::format(
          "jax[{}] needs driver >= {} and compute capability >= {}; this machine has driver {} and "
          "{}",
          p.name, p.min_driver.ToString(), p.min_cc.ToString(),
          m.driver ? m.driver->ToString() : "CUDA " + m.driver_cuda->ToString(), GpuList(m)));
      plan.reasons.push_back("source: " + f.jax_source);
      plan.command = req.manager == Manager::kConda
                         ? "conda install -c conda-forge 'jaxlib=*=*cuda*' jax"
                         : PipInstall(req, m, fmt::format("-U 'jax[{}]'", p.name), "", user);
      return plan;
    }
  }
  plan.ok = true;
  plan.reasons.push_back(
      m.gpus.empty()
          ? "no NVIDIA GPU found: the CPU build"
          : fmt::format("no JAX CUDA build fits this driver and {}: the CPU build", GpuList(m)));
  plan.command = req.manager == Manager::kConda ? "conda install -c conda-forge jax"
                                                : PipInstall(req, m, "-U jax", "", user);
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
    if (req.cuda) {
      auto want = DottedVersion::Parse(*req.cuda);
      if (!want || want->major() != p.cuda.major()) continue;
    }
    if (!DriverMeets(m, p) || !AllGpusAtLeast(m, p.min_cc)) continue;
    plan.ok = true;
    plan.reasons.push_back(fmt::format(
        "{} needs driver >= {} and compute capability >= {}; this machine has driver {} and {}",
        p.name, p.min_driver.ToString(), p.min_cc.ToString(),
        m.driver ? m.driver->ToString() : "(unknown)", GpuList(m)));
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

}  // namespace

InstallPlan PlanInstall(const InstallRequest& req, const model::Snapshot& snapshot,
                        const knowledge::Knowledge&, const FrameworkFacts& facts,
                        const LiveIndex* live, const UserIndex& user_index) {
  Machine m = Describe(req, snapshot);
  if (req.framework == "torch" || req.framework == "pytorch")
    return PlanTorch(req, m, facts, live, user_index);
  if (req.framework == "tensorflow") return PlanTensorFlow(req, m, facts, user_index);
  if (req.framework == "jax") return PlanJax(req, m, facts, user_index);
  if (req.framework == "cupy") return PlanCupy(req, m, facts, user_index);
  InstallPlan plan;
  plan.error =
      fmt::format("unknown framework '{}': choose torch, tensorflow, jax or cupy", req.framework);
  return plan;
}

namespace {

// pip.conf, uv.toml, os-release: small files; never block on a FIFO planted in their place.
std::optional<std::string> ReadText(const std::string& path) {
  return util::ReadRegularFile(path, 1u << 20).data;
}

std::string Uname() {
  struct utsname u {};
  return uname(&u) == 0 ? std::string(u.machine) : "x86_64";
}

}  // namespace

static void RunPrinted(InstallOutput& out) {
  util::ChildOptions run;
  run.deadline = std::chrono::hours(2);  // a CUDA torch is gigabytes of wheels
  out.text += "\nRunning: " + out.command + "\n";
  auto installed = util::RunCommand({"/bin/sh", "-c", out.command}, run);
  out.text += installed.out + installed.err;
  if (!installed.ok()) {
    out.text += "dlenv install: the command failed: " + installed.Describe() + "\n";
    out.exit_code = 1;
    return;
  }
  // Proof that it works: dlenv verify on that environment.
  util::ChildOptions verify;
  verify.deadline = std::chrono::minutes(10);
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  out.text += "\nRunning: " + self + " verify --python " + out.python_exe + "\n";
  auto checked = util::RunCommand({self, "verify", "--python", out.python_exe}, verify);
  out.text += checked.out + checked.err;
  if (!checked.ok())
    out.exit_code = checked.outcome == util::ChildResult::Outcome::kExited ? checked.exit_code : 1;
}

InstallOutput RunInstall(const InstallRequest& request_in) {
  InstallRequest request = request_in;
  if (request.arch.empty()) request.arch = Uname();
  doctor::DoctorOptions options;
  if (request.python) options.pythons = {*request.python};
  model::Snapshot snapshot = probe::TakeSnapshot(doctor::MakeProbeContext(options));
  const FrameworkFacts& facts = BuiltinFrameworkFacts();
  Machine host = Describe(request, snapshot);

  // The user's own index, as their package manager would read it.
  auto env = util::Environment::FromProcess();
  std::string prefix;
  for (const auto& e : snapshot.python_envs) {
    if (e.executable && *e.executable == host.python_exe) prefix = e.prefix;
  }
  std::vector<std::pair<std::string, std::string>> files;
  auto paths = request.manager == Manager::kUv ? UvConfigPaths(env) : PipConfigPaths(env, prefix);
  for (const auto& p : paths) {
    if (auto text = ReadText(p)) files.emplace_back(p, *text);
  }
  UserIndex user =
      request.manager == Manager::kUv ? ResolveUvIndex(env, files) : ResolvePipIndex(env, files);

  std::vector<std::string> notes;
  if (!user.index_url.empty())
    notes.push_back(
        fmt::format("your index {} (from {}) is kept in the command", user.index_url, user.source));
  LiveIndex live;
  bool use_live = false;
  const bool torch = request.framework == "torch" || request.framework == "pytorch";
  std::string offline_why;
  if (!torch) {
    offline_why = "dlenv asks the live index for torch only";
  } else if (request.offline) {
    offline_why = "--offline";
  } else if (!probe::HttpSupported()) {
    offline_why = "this dlenv was built without network support (the portable build)";
  } else {
    std::string cache = probe::DefaultCacheDir();
    Fetch fetch = [&](const probe::HttpRequest& r) {
      return probe::CachedHttpGet(r, cache, 3600, request.refresh);
    };
    bool reached = false;
    live = FetchTorchBuilds(request, user, facts, host, fetch, &reached);
    notes.insert(notes.end(), live.notes.begin(), live.notes.end());
    use_live = reached;
    if (!reached)
      offline_why = "the index could not be reached";
    else if (!cache.empty())
      notes.push_back(
          fmt::format("index pages are cached for an hour in {} (--refresh asks again)", cache));
  }
  if (!use_live && !torch) {
    notes.push_back(fmt::format(
        "from dlenv's embedded table dated {} (the live index is asked for torch only); newer "
        "releases may exist",
        facts.date));
  } else if (!use_live) {
    notes.push_back(fmt::format(
        "OFFLINE ANSWER ({}): from dlenv's embedded table dated {}; newer releases may exist",
        offline_why, facts.date));
  }

  InstallPlan plan = PlanInstall(request, snapshot, knowledge::BuiltinKnowledge(), facts,
                                 use_live ? &live : nullptr, user);
  InstallOutput out;
  std::string notes_text;
  for (const auto& n : notes) notes_text += "  - " + n + "\n";
  if (!plan.ok) {
    out.text = "dlenv install: " + plan.error + "\n\nIndex:\n" + notes_text;
    out.exit_code = 1;
    return out;
  }
  out.text = plan.command + "\n\nWhy:\n";
  for (const auto& r : plan.reasons) out.text += "  - " + r + "\n";
  out.text += "\nIndex:\n" + notes_text;
  out.command = plan.command;
  out.python_exe = host.python_exe;
  if (request.run) RunPrinted(out);
  return out;
}

}  // namespace dlenv::install
