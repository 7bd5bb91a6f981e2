#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "install/live_index.h"
#include "install/plan.h"
#include "knowledge/frameworks.h"
#include "util/fatbin.h"
#include "util/pep440.h"
#include "util/pep508.h"
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

// --with: the companion release that goes with a torch build. Those with a release rule
// (torchvision, torchaudio): the paired release, the newest one the index lists where it was
// asked (a new torch often comes before its torchvision), else by the rule. The others
// (xformers, vllm, ...): the newest release whose own Requires-Dist admits the build's torch,
// read from the index's metadata, newest first, only as far as the pick asks.
class CompanionPins {
 public:
  explicit CompanionPins(const LiveIndex* live) : live_(live) {}

  struct Pin {
    std::optional<std::string> version;  // nullopt: none for this torch
    std::string why;                     // why this release, or why none
    bool drop = true;                    // none: pass this torch over (else: leave it unpinned)
  };

  const Pin& For(const std::string& project, const TorchBuild& b) const {
    const std::string key = project + " " + b.version;
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    return memo_[key] = Find(project, b);
  }

 private:
  Pin Find(const std::string& project, const TorchBuild& b) const {
    const std::string release = ReleaseOf(b.version);
    const auto* torch = knowledge::Frameworks().Find(knowledge::kTorch);
    const auto* c = torch ? torch->FindCompanion(project) : nullptr;
    if (c && c->release) return ByRule(project, release);
    if (!live_ || !live_->companion_wheels.count(project)) {
      return {std::nullopt,
              fmt::format("{} not pinned: which release goes with a torch only its metadata on "
                          "the index says, and the index was not asked{}",
                          project, live_ ? " (see the notes)" : " (offline)"),
              false};
    }
    const auto& wheels = live_->companion_wheels.at(project);
    if (wheels.empty()) {
      return {std::nullopt,
              fmt::format("{} not pinned: the index has no wheel of it for this host (pip "
                          "would compile it: once torch is in, `python -m pip install "
                          "--no-build-isolation {}` builds it against that torch)",
                          project, project),
              false};
    }
    return ByMetadata(project, b, wheels);
  }

  Pin ByRule(const std::string& project, const std::string& release) const {
    std::string want = CompanionRelease(project, release);
    if (want.empty())
      return {std::nullopt,
              fmt::format("torch {} passed over: no {} pairing known for it", release, project)};
    auto built = [&](const std::string& v) {
      return Pin{v,
                 fmt::format("{} {} is the release built against torch {}", project, v, release)};
    };
    if (!live_ || !live_->companions.count(project)) return built(want + ".*");
    std::optional<util::Pep440Version> best;
    for (const auto& v : live_->companions.at(project)) {
      auto p = util::Pep440Version::Parse(v);
      if (p && ReleaseOf(v) == want && (!best || *p > *best)) best = p;
    }
    if (!best)
      return {std::nullopt, fmt::format("torch {} passed over: the index has no {} {} for it yet",
                                        release, project, want)};
    return built(best->WithoutLocal().ToString());
  }

  // The build's torch as versions to test a Requires-Dist against: the exact one, or for a
  // table row (2.8.*) its patch releases (torch has not gone past .3 in one minor).
  static std::vector<std::string> TorchVersions(const TorchBuild& b) {
    auto v = util::Pep440Version::Parse(b.version);
    if (b.exact && v) return {v->WithoutLocal().ToString()};
    std::vector<std::string> out;
    for (int patch = 0; patch < 10; ++patch) out.push_back(fmt::format("{}.{}", b.version, patch));
    return out;
  }

  Pin ByMetadata(const std::string& project, const TorchBuild& b,
                 const std::vector<CompanionWheel>& wheels) const {
    const auto torch_versions = TorchVersions(b);
    const auto lowest = util::Pep440Version::Parse(torch_versions.front());
    std::vector<std::string> unread;
    for (const auto& w : wheels) {
      std::string error;
      auto reqs =
          live_->companion_requires ? live_->companion_requires(project, w, &error) : std::nullopt;
      if (!reqs) {
        unread.push_back(error.empty() ? w.version : error);
        if (unread.size() >= 3) break;  // the index answers no metadata: do not wait on each
        continue;
      }
      for (const auto& line : *reqs) {
        auto r = util::ParseRequirement(line);
        if (!r || util::NormalizeProjectName(r->name) != knowledge::kTorch) continue;
        if (r->marker && r->marker->ToString().find("extra") != std::string::npos) continue;
        bool admits = std::any_of(torch_versions.begin(), torch_versions.end(),
                                  [&](const std::string& t) { return r->specifier.Contains(t); });
        if (admits) {
          return {w.version, fmt::format("{} {} declares {} (its metadata on the index)", project,
                                         w.version, r->ToString())};
        }
        // Releases pin ever newer torch: past one pinned below this build, none will fit.
        const auto& specs = r->specifier.specifiers();
        if (specs.size() == 1 && specs[0].op == "==") {
          auto pinned = util::Pep440Version::Parse(specs[0].version);
          if (pinned && lowest && *pinned < *lowest) return NoRelease(project, b, unread);
        }
      }
    }
    return NoRelease(project, b, unread);
  }

  static Pin NoRelease(const std::string& project, const TorchBuild& b,
                       const std::vector<std::string>& unread) {
    return {std::nullopt,
            fmt::format("torch {} passed over: no {} release on the index declares it{}", b.version,
                        project,
                        unread.empty()
                            ? ""
                            : fmt::format(" (metadata not read: {})", util::Join(unread, "; ")))};
  }

  const LiveIndex* live_;
  mutable std::map<std::string, Pin> memo_;
};

// The first --with companion that has no release for this build, with why; nullopt when each
// has one (or is left unpinned).
std::optional<std::string> MissingCompanion(const InstallRequest& req, const CompanionPins& pins,
                                            const TorchBuild& b) {
  for (const auto& project : req.with) {
    const auto& pin = pins.For(project, b);
    if (!pin.version && pin.drop) return pin.why;
  }
  return std::nullopt;
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
  // A companion that PyTorch's index does not carry (xformers, vllm: PyPI's) comes from the
  // user's index, which pip then asks beside the variant's.
  bool off_framework_index = false;
  const auto* torch = knowledge::Frameworks().Find(knowledge::kTorch);
  for (const auto& project : req.with) {
    const auto& pin = pins.For(project, b);
    if (pin.version) {
      spec += fmt::format(" '{}=={}'", project, *pin.version);
      const auto* c = torch ? torch->FindCompanion(project) : nullptr;
      if (!c || !c->on_framework_index) off_framework_index = true;
    }
    plan.reasons.push_back(pin.why);
  }
  if (req.manager == Manager::kConda) {
    if (b.variant == "cpu")
      return fmt::format("conda install -c conda-forge 'pytorch={}.*=cpu*'", release);
    return fmt::format("conda install -c conda-forge 'pytorch={}.*=cuda*' 'cuda-version<={}'",
                       release, pick.minor_compat ? b.cuda->ToString() : m.driver_cuda->ToString());
  }
  std::string command = PipInstall(req, m, spec, b.user_index ? "" : b.index_url, user);
  if (off_framework_index && !b.user_index && user.index_url.empty())
    command += std::string(" --extra-index-url ") + kPyPI;
  return command;
}

}  // namespace

// ---- PyTorch ----

InstallPlan PlanTorch(const InstallRequest& req, const Machine& m, const FrameworkFacts& f,
                      const LiveIndex* live, const UserIndex& user) {
  InstallPlan plan;
  std::vector<TorchBuild> builds = CandidateBuilds(req, f, live, user);
  CompanionPins pins(live);
  // The pick, then its companions: a build some --with companion has no release for is passed
  // over (with the other builds of its version) and the pick made again. Asked in the pick's
  // order, a companion's metadata is read only for the builds that would be chosen.
  std::vector<std::string> dropped;
  TorchPick pick;
  for (;;) {
    InstallPlan attempt;
    pick = PickWithCpuFallback(req, m, f, builds, attempt);
    std::optional<std::string> missing;
    if (pick.build) missing = MissingCompanion(req, pins, *pick.build);
    if (!missing) {
      plan.reasons = std::move(attempt.reasons);
      break;
    }
    if (std::find(dropped.begin(), dropped.end(), *missing) == dropped.end())
      dropped.push_back(*missing);
    auto version = util::Pep440Version::Parse(pick.build->version);
    const std::string passed = version ? version->WithoutLocal().ToString() : pick.build->version;
    std::erase_if(builds, [&](const TorchBuild& x) {
      auto v = util::Pep440Version::Parse(x.version);
      return (v ? v->WithoutLocal().ToString() : x.version) == passed;
    });
  }
  if (!pick.build) {
    plan.error = NoBuildError(req, m, f, live, pick);
    if (!dropped.empty()) plan.error += "; " + util::Join(dropped, "; ");
    return plan;
  }
  plan.ok = true;
  // A newer torch left out for a companion comes first among the reasons.
  plan.reasons.insert(plan.reasons.begin(), dropped.begin(), dropped.end());
  ExplainPick(m, f, pick, plan);
  plan.version = pick.build->version;
  if (plan.version.find('+') == std::string::npos && !pick.build->variant.empty())
    plan.version += "+" + pick.build->variant;
  plan.command = InstallCommand(req, m, pick, pins, user, plan);
  return plan;
}

}  // namespace dlenv::install
