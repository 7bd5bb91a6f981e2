#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "install/live_index.h"
#include "install/plan.h"
#include "knowledge/frameworks.h"
#include "util/fatbin.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::install {
namespace {

// The builds to choose from: the index's, and where PyTorch's own index did not answer
// (or offline) the table's rows for its non-default variants, pinned to the exact release the
// user's index knows where it knows one.
std::vector<TorchBuild> CandidateBuilds(const InstallRequest& req, const FrameworkFacts& f,
                                        const LiveIndex* live, const UserIndex& user) {
  std::vector<TorchBuild> builds;
  if (live) builds = live->torch;
  if (live && live->torch_index_reached) return builds;
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
  return builds;
}

// --with torchvision/torchaudio: the companion release paired with a torch release, the
// newest one the index lists where it was asked (a new torch often comes before its
// torchvision), else by the pairing rule.
class CompanionPins {
 public:
  explicit CompanionPins(const LiveIndex* live) : live_(live) {}

  std::optional<std::string> For(const std::string& project, const std::string& release) const {
    std::string want = CompanionRelease(project, release);
    if (want.empty()) return std::nullopt;
    if (!live_ || !live_->companions.count(project)) return want + ".*";
    std::optional<util::Pep440Version> best;
    for (const auto& v : live_->companions.at(project)) {
      auto p = util::Pep440Version::Parse(v);
      if (p && ReleaseOf(v) == want && (!best || *p > *best)) best = p;
    }
    if (!best) return std::nullopt;
    return best->WithoutLocal().ToString();
  }

 private:
  const LiveIndex* live_;
};

using Dropped = std::vector<std::pair<util::Pep440Version, std::string>>;  // release, why

// Removes the torch releases some --with companion has no release for; says why, once a release.
Dropped DropBuildsWithoutCompanions(const InstallRequest& req, const CompanionPins& pins,
                                    std::vector<TorchBuild>& builds) {
  Dropped dropped;
  std::erase_if(builds, [&](const TorchBuild& b) {
    std::string release = ReleaseOf(b.version);
    for (const auto& project : req.with) {
      if (pins.For(project, release)) continue;
      auto v = util::Pep440Version::Parse(release);
      bool seen = std::any_of(dropped.begin(), dropped.end(),
                              [&](const auto& d) { return v && d.first == *v; });
      if (v && !seen) {
        std::string want = CompanionRelease(project, release);
        dropped.emplace_back(
            *v,
            want.empty()
                ? fmt::format("torch {} passed over: no {} pairing known for it", release, project)
                : fmt::format("torch {} passed over: the index has no {} {} for it yet", release,
                              project, want));
      }
      return true;
    }
    return false;
  });
  return dropped;
}

// "the newest PyTorch build with code for <GPUs> is torch X cuNNN (...)", or nothing.
std::optional<std::string> NewestBuildForGpus(const Machine& m, const FrameworkFacts& f) {
  for (const auto& r : f.torch) {
    std::string found;
    for (const auto& v : r.variants) {
      auto archs = f.TorchArchesFor(r.version, v);
      bool runs = !archs.empty() && std::all_of(m.gpus.begin(), m.gpus.end(), [&](const auto& g) {
        return util::ArchesRunOn(archs, *g.cc_major, *g.cc_minor);
      });
      if (runs && found.empty()) found = v;
    }
    if (found.empty()) continue;
    auto floor = f.DriverFloorFor(VariantCuda(found)->major());
    return fmt::format(
        "the newest PyTorch build with code for {} is torch {} {} (Python {} to {}, driver >= {})",
        GpuList(m), r.version, found, r.python_min ? r.python_min->ToString() : "?",
        r.python_max ? r.python_max->ToString() : "?", floor ? floor->ToString() : "?");
  }
  return std::nullopt;
}

// The pick; where a GPU is present but no CUDA build fits (and none was asked for), the CPU
// build, with the reasons added to `plan`.
TorchPick PickWithCpuFallback(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                              const std::vector<TorchBuild>& builds, InstallPlan& plan) {
  const bool gpu = !m.gpus.empty() && (m.driver_cuda || m.driver);
  auto pick = PickTorch(builds, m, f, req.cuda);
  if (pick.build || !gpu || req.cuda) return pick;
  Machine cpu_host = m;
  cpu_host.gpus.clear();
  auto cpu = PickTorch(builds, cpu_host, f, std::nullopt);
  if (!cpu.build) return pick;
  plan.reasons.push_back(fmt::format(
      "no PyTorch CUDA build fits: driver {}{}, {}, {}{}",
      m.driver ? m.driver->ToString() : "(unknown)",
      m.driver_cuda ? " (CUDA " + m.driver_cuda->ToString() + ")" : "", GpuList(m), PythonNote(m),
      pick.rejected.empty() ? "" : " (" + util::Join(pick.rejected, "; ") + ")"));
  if (auto newest = NewestBuildForGpus(m, f)) plan.reasons.push_back(*newest);
  plan.reasons.push_back(
      "the CPU build runs everywhere; for this GPU use an older Python or a newer driver");
  return cpu;
}

std::string NoBuildError(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                         const LiveIndex* live, const TorchPick& pick) {
  std::string rejected = pick.rejected.empty() ? "" : util::Join(pick.rejected, "; ");
  if (req.cuda) {
    return fmt::format("no PyTorch build for CUDA {} fits this machine (driver {}, {}, {}){}",
                       *req.cuda, m.driver ? m.driver->ToString() : "(unknown)", GpuList(m),
                       PythonNote(m), rejected.empty() ? "" : ": " + rejected);
  }
  return fmt::format(
      "no PyTorch release {} supports {} on {}{}",
      live ? "on the index or in dlenv's table" : "in dlenv's table (" + f.date + ")",
      PythonNote(m), m.wheel.arch, rejected.empty() ? "" : ": " + rejected);
}

// Why this build: the driver and architecture reasoning, then what was passed over.
void ExplainPick(const Machine& m, const FrameworkFacts& f, const TorchPick& pick,
                 InstallPlan& plan) {
  const TorchBuild& b = *pick.build;
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
}

// The command line: pip with the exact (or release.*) pin and the companions' pins, or conda.
std::string InstallCommand(const InstallRequest& req, const Machine& m, const TorchPick& pick,
                           const CompanionPins& pins, const UserIndex& user, InstallPlan& plan) {
  const TorchBuild& b = *pick.build;
  const std::string release = ReleaseOf(b.version);
  std::string spec =
      b.exact ? fmt::format("'torch=={}'", b.version) : fmt::format("'torch=={}.*'", b.version);
  for (const auto& project : req.with) {
    auto v = pins.For(project, release);
    if (!v) continue;
    spec += fmt::format(" '{}=={}'", project, *v);
    plan.reasons.push_back(
        fmt::format("{} {} is the release built against torch {}", project, *v, release));
  }
  if (req.manager == Manager::kConda) {
    if (b.variant == "cpu")
      return fmt::format("conda install -c conda-forge 'pytorch={}.*=cpu*'", release);
    return fmt::format("conda install -c conda-forge 'pytorch={}.*=cuda*' 'cuda-version<={}'",
                       release, pick.minor_compat ? b.cuda->ToString() : m.driver_cuda->ToString());
  }
  return PipInstall(req, m, spec, b.user_index ? "" : b.index_url, user);
}

}  // namespace

// ---- PyTorch ----

InstallPlan PlanTorch(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                      const LiveIndex* live, const UserIndex& user) {
  InstallPlan plan;
  std::vector<TorchBuild> builds = CandidateBuilds(req, f, live, user);
  CompanionPins pins(live);
  Dropped dropped;
  if (!req.with.empty()) dropped = DropBuildsWithoutCompanions(req, pins, builds);
  TorchPick pick = PickWithCpuFallback(req, m, f, builds, plan);
  if (!pick.build) {
    plan.error = NoBuildError(req, m, f, live, pick);
    return plan;
  }
  plan.ok = true;
  // A newer torch left out for a companion comes first among the reasons.
  auto picked = util::Pep440Version::Parse(ReleaseOf(pick.build->version));
  for (auto it = dropped.rbegin(); it != dropped.rend(); ++it) {
    if (picked && it->first > *picked) plan.reasons.insert(plan.reasons.begin(), it->second);
  }
  ExplainPick(m, f, pick, plan);
  plan.version = pick.build->version;
  if (plan.version.find('+') == std::string::npos && !pick.build->variant.empty())
    plan.version += "+" + pick.build->variant;
  plan.command = InstallCommand(req, m, pick, pins, user, plan);
  return plan;
}

}  // namespace dlenv::install
