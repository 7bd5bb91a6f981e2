#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "install/live_index.h"
#include "install/plan.h"
#include "knowledge/frameworks.h"
#include "util/fatbin.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::install {

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
                        ProjectUrl(user.index_url, std::string(knowledge::kTorch)), t.source);
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

}  // namespace dlenv::install
