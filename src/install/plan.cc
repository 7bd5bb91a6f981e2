#include "install/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "knowledge/frameworks.h"
#include "rules/container_rules.h"
#include "util/strings.h"

namespace dlenv::install {

using util::DottedVersion;

bool SameMinor(const DottedVersion& a, const DottedVersion& b) {
  return a.major() == b.major() && a.minor() == b.minor();
}

namespace {

/// The environment named with --python, else the first one the probe found.
const model::PythonEnv* TargetEnv(const InstallRequest& req, const model::Snapshot& s) {
  for (const auto& e : s.python_envs) {
    if (req.python && (e.executable == *req.python || e.prefix == *req.python)) return &e;
  }
  return !req.python && !s.python_envs.empty() ? &s.python_envs.front() : nullptr;
}

std::vector<std::string> WhatTorchWouldBreak(const InstallRequest& req, const model::Snapshot& s,
                                             const std::string& version) {
  std::vector<std::string> out;
  const model::PythonEnv* env = TargetEnv(req, s);
  if (!env || version.empty()) return out;
  const auto& ids = knowledge::Frameworks();
  const auto* torch = ids.Find(knowledge::kTorch);
  for (const auto& p : env->packages) {
    if (p.shadowed || !torch) continue;
    const auto* c = torch->FindCompanion(p.name);
    if (!c || std::find(req.with.begin(), req.with.end(), c->name) != req.with.end()) continue;
    if (auto why = knowledge::CompanionMismatch(*c, knowledge::kTorch, version, p.version)) {
      const bool with = c->pin != knowledge::CompanionPin::kFromFramework;
      out.push_back(fmt::format(
          "{} {} stays: {} ({})", p.name, p.version, *why,
          with ? "add --with " + c->name : "install its release built for torch " + version));
    }
  }
  // torch's C++ ABI is not kept between releases: an extension linked against libtorch works
  // with the release it was built for.
  const auto release = [](std::string_view v) {
    auto parts = util::Split(v.substr(0, v.find('+')), '.');
    return parts.size() >= 2 ? parts[0] + "." + parts[1] : std::string(v);
  };
  std::set<std::string> named;
  for (const auto& x : env->extensions) {
    if (x.framework != knowledge::kTorch || x.framework_version.empty()) continue;
    if (release(x.framework_version) == release(version) || !named.insert(x.package).second)
      continue;
    out.push_back(fmt::format(
        "{} {} is compiled against torch's C++ libraries ({}) and runs with torch {}; after "
        "torch {} it needs its release built for {} (or a rebuild: {} -m pip install "
        "--no-build-isolation --force-reinstall --no-binary '{}' '{}')",
        x.package, x.package_version, x.path, x.framework_version, version, release(version),
        env->executable.value_or(env->prefix + "/bin/python"), x.package, x.package));
  }
  return out;
}

}  // namespace

std::vector<std::string> WithCompanions() {
  std::vector<std::string> out;
  if (const auto* torch = knowledge::Frameworks().Find(knowledge::kTorch)) {
    for (const auto& c : torch->companions)
      if (c.pin != knowledge::CompanionPin::kFromFramework) out.push_back(c.name);
  }
  return out;
}

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
  const model::PythonEnv* env = TargetEnv(req, s);
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

std::string PipInstall(const InstallRequest& req, const Machine& m, const std::string& specs,
                       const std::string& index, const UserIndex& user) {
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
bool DriverMeets(const Machine& m, const CudaPackage& p) {
  if (m.driver) return *m.driver >= p.min_driver;
  return m.driver_cuda && m.driver_cuda->major() >= p.cuda.major();
}

InstallPlan PlanInstall(const InstallRequest& req, const model::Snapshot& snapshot,
                        const knowledge::Knowledge&, const FrameworkFacts& facts,
                        const LiveIndex* live, const UserIndex& user_index) {
  Machine m = Describe(req, snapshot);
  const auto& ids = knowledge::Frameworks();
  const auto* framework = ids.Resolve(req.framework);  // "pytorch" is torch
  if (framework && framework->id == knowledge::kTorch) {
    InstallPlan plan = PlanTorch(req, m, facts, live, user_index);
    if (plan.ok) plan.breaks = WhatTorchWouldBreak(req, snapshot, plan.version);
    return plan;
  }
  InstallPlan plan;
  if (!framework || !framework->core) {
    plan.error = fmt::format("unknown framework '{}': choose {}", req.framework,
                             util::Join(ids.CoreIds(), ", "));
    return plan;
  }
  if (live && !live->unavailable.empty()) {
    plan.error = live->unavailable;
    return plan;
  }
  // The index's rows (exact releases with wheels for this host) where it answered.
  const FrameworkFacts& f = live && live->facts ? *live->facts : facts;
  if (framework->id == knowledge::kTensorFlow) return PlanTensorFlow(req, m, f, user_index);
  if (framework->id == knowledge::kJax) return PlanJax(req, m, f, user_index);
  return PlanCupy(req, m, f, user_index);
}

std::string DockerRunLine(const knowledge::FrameworkImage& image) {
  // NGC's documented flags (its containers' README); elsewhere NCCL's troubleshooting guide's
  // --shm-size=1g --ulimit memlock=-1 (docker's 64 MiB /dev/shm breaks NCCL).
  const std::string flags = image.family.starts_with("nvcr.io/")
                                ? "--ipc=host --ulimit memlock=-1 --ulimit stack=67108864"
                                : "--shm-size=1g --ulimit memlock=-1";
  const std::string check =
      image.framework == "tensorflow"
          ? "python -c \"import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))\""
          : "python -c \"import torch; print(torch.cuda.is_available(), "
            "torch.cuda.device_count())\"";
  return fmt::format("docker run --gpus all {} --rm {} {}", flags, image.image, check);
}

ImagePlan PlanImage(const std::string& framework_name, const model::Snapshot& snapshot,
                    const std::vector<model::Finding>& findings,
                    const knowledge::FrameworkImageTable& table) {
  ImagePlan plan;
  plan.table_note = fmt::format(
      "from dlenv's table of official images dated {} (the registries are not asked; newer tags "
      "may exist)",
      table.date);
  const auto* framework = knowledge::Frameworks().Resolve(framework_name);
  const std::string id = framework ? std::string(framework->id) : framework_name;
  const bool listed = std::any_of(table.images.begin(), table.images.end(),
                                  [&](const auto& i) { return i.framework == id; });
  if (!listed) {
    plan.error = fmt::format("no official image table for '{}': --image knows torch and tensorflow",
                             framework_name);
    return plan;
  }
  InstallRequest request;
  request.framework = id;
  const Machine m = Describe(request, snapshot);
  plan.blockers = rules::GpuContainerBlockers(snapshot, findings);
  if (!m.driver_cuda) {
    plan.error = "no NVIDIA driver answered on this machine, so no image can be chosen by its CUDA";
    return plan;
  }
  const bool datacenter =
      !snapshot.gpus.empty() &&
      std::all_of(snapshot.gpus.begin(), snapshot.gpus.end(),
                  [](const auto& g) { return knowledge::IsDatacenterGpu(g.name); });
  const auto picks =
      knowledge::PickFrameworkImages(table, id, *m.driver_cuda, m.driver, datacenter);
  const std::string driver_text =
      fmt::format("driver {}supports CUDA {}.{}", m.driver ? m.driver->ToString() + " " : "",
                  m.driver_cuda->major(), m.driver_cuda->minor());
  if (picks.empty()) {
    plan.error = fmt::format(
        "no image in the table has a CUDA this host's {} runs; upgrade the "
        "driver",
        driver_text);
    return plan;
  }
  for (const auto& pick : picks) {
    const auto& image = *pick.image;
    plan.images.push_back(fmt::format(
        "{}: {} {}, CUDA {}.{}; {}{} (source: {})", image.image, id, image.version,
        image.cuda.major(), image.cuda.minor(),
        pick.forward_compat ? "runs through the image's forward-compatibility package (data "
                              "center GPUs; the release notes accept this driver branch): "
                            : "this host's ",
        driver_text, image.source));
  }
  plan.run_line = DockerRunLine(*picks.front().image);
  plan.ok = true;
  return plan;
}

}  // namespace dlenv::install
