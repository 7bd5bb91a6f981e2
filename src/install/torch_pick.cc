#include "install/torch_pick.h"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "knowledge/frameworks.h"
#include "util/fatbin.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::install {
namespace {

using util::DottedVersion;

util::Pep440Version Public(const std::string& v) {
  auto p = util::Pep440Version::Parse(v);
  return p ? p->WithoutLocal() : *util::Pep440Version::Parse("0");
}

bool SameMinor(const DottedVersion& a, const DottedVersion& b) {
  return a.major() == b.major() && a.minor() == b.minor();
}

std::vector<std::string> SassOnly(const std::vector<std::string>& archs) {
  std::vector<std::string> out;
  for (const auto& a : archs) {
    if (a.starts_with("sm_")) out.push_back(a);
  }
  return out;
}

bool AllGpusRun(const Host& h, const std::vector<std::string>& archs) {
  return std::all_of(h.gpus.begin(), h.gpus.end(), [&](const auto& g) {
    return util::ArchesRunOn(archs, *g.cc_major, *g.cc_minor);
  });
}

std::string Gpus(const Host& h) {
  std::vector<std::string> v;
  for (const auto& g : h.gpus) v.push_back(fmt::format("sm_{}{}", *g.cc_major, *g.cc_minor));
  return util::Join(v, " ");
}

/// The compiled architectures of (release, variant); for a release newer than the table,
/// those of the newest release the table has for that variant.
std::vector<std::string> ArchesFor(const FrameworkFacts& f, const std::string& version,
                                   const std::string& variant, bool& assumed) {
  assumed = false;
  auto archs = f.TorchArchesFor(ReleaseOf(version), variant);
  if (!archs.empty()) return archs;
  for (const auto& r : f.torch) {  // newest first
    archs = f.TorchArchesFor(r.version, variant);
    if (!archs.empty() && Public(version) > Public(r.version)) {
      assumed = true;
      return archs;
    }
  }
  return {};
}

}  // namespace

std::string ReleaseOf(const std::string& version) {
  auto p = util::Pep440Version::Parse(version);
  if (!p || p->release().empty()) return version;
  return p->release()[0] + "." + (p->release().size() > 1 ? p->release()[1] : "0");
}

std::string CompanionRelease(const std::string& project, const std::string& torch_release) {
  auto v = DottedVersion::Parse(torch_release);
  // The identity's release rules hold for torch 2.x (torch 1.13 paired with torchvision 0.14).
  if (!v || v->major() != 2) return "";
  const auto* torch = knowledge::Frameworks().Find(knowledge::kTorch);
  const auto* c = torch ? torch->FindCompanion(project) : nullptr;
  if (!c || !c->release) return "";
  return fmt::format("{}.{}", c->release->major, v->minor() + c->release->minor_offset);
}

std::vector<TorchBuild> TableTorchBuilds(const FrameworkFacts& f, const std::string& torch_index) {
  std::vector<TorchBuild> out;
  auto url = [&](const std::string& variant) {
    std::string u = torch_index;
    if (auto at = u.find("{variant}"); at != std::string::npos)
      u.replace(at, 9, variant);
    else
      u = (u.ends_with("/") ? u : u + "/") + variant;
    return u;
  };
  for (const auto& r : f.torch) {
    auto add = [&](const std::string& variant) {
      TorchBuild b;
      b.version = r.version;
      b.variant = variant;
      b.cuda = VariantCuda(variant);
      b.python_min = r.python_min;
      b.python_max = r.python_max;
      b.index_url = url(variant);
      b.source = "dlenv's table (" + f.date + "): " + r.source;
      out.push_back(std::move(b));
    };
    for (const auto& v : r.variants) add(v);
    add("cpu");
  }
  return out;
}

std::string TorchBuildMismatch(const TorchBuild& b, const Host& h) {
  if (h.python) {
    if ((b.python_min && *h.python < *b.python_min) ||
        (b.python_max && *h.python > *b.python_max)) {
      return fmt::format("torch {} supports Python {} to {}, this is {}", b.version,
                         b.python_min ? b.python_min->ToString() : "?",
                         b.python_max ? b.python_max->ToString() : "?", h.python->ToString());
    }
    if (b.requires_python) {
      auto spec = util::SpecifierSet::Parse(*b.requires_python);
      if (spec && !spec->Contains(h.python->ToString())) {
        return fmt::format("torch {} requires Python {}, this is {}", b.version, *b.requires_python,
                           h.python->ToString());
      }
    }
  }
  if (!b.wheels.empty()) {
    std::string first;
    for (const auto& w : b.wheels) {
      auto why = WheelMismatch(w, h.wheel);
      if (why.empty()) return "";
      if (first.empty()) first = why;
    }
    return fmt::format("torch {}: no wheel for this host ({})", b.version, first);
  }
  // A build from an index with no wheel for Linux; table rows (with a Python range) have none.
  if (b.exact && !b.python_min && !b.python_max)
    return fmt::format("torch {}: the index has no wheel for Linux", b.version);
  return "";
}

namespace {

struct Candidate {
  const TorchBuild* b;
  bool compat;
  std::vector<std::string> archs;
  bool assumed;
};

// A CUDA build on this GPU host: a candidate, or why not (an empty reason: not asked for).
std::variant<Candidate, std::string> GpuCandidate(const TorchBuild& b, const Host& h,
                                                  const FrameworkFacts& f,
                                                  const std::optional<DottedVersion>& want) {
  if (!b.cuda || (want && !SameMinor(*want, *b.cuda))) return std::string();
  bool full = h.driver_cuda && (SameMinor(*b.cuda, *h.driver_cuda) || *b.cuda < *h.driver_cuda);
  bool compat = false;
  if (!full) {
    auto floor = f.DriverFloorFor(b.cuda->major());
    if (!floor || !h.driver || *h.driver < *floor) {
      return floor ? fmt::format(
                         "{} needs driver >= {} (CUDA {}.x minor-version compatibility); this "
                         "driver is {}",
                         b.variant, floor->ToString(), b.cuda->major(),
                         h.driver ? h.driver->ToString() : "CUDA " + h.driver_cuda->ToString())
                   : fmt::format("{} is newer than the driver's CUDA {}", b.variant,
                                 h.driver_cuda->ToString());
    }
    compat = true;
  }
  bool assumed = false;
  auto archs = ArchesFor(f, b.version, b.variant, assumed);
  if (archs.empty())
    return fmt::format("torch {} {}: compiled architectures unknown", b.version, b.variant);
  const auto runnable = compat ? SassOnly(archs) : archs;
  if (!AllGpusRun(h, runnable)) {
    return fmt::format("torch {} {} has code for {} only{}, not {}", ReleaseOf(b.version),
                       b.variant, util::Join(runnable, " "),
                       compat ? " as SASS (its PTX is newer than the driver and cannot JIT)" : "",
                       Gpus(h));
  }
  return Candidate{&b, compat, archs, assumed};
}

// Newest release first; within a release, a build of the driver's own CUDA major that it fully
// supports, then one of that major by minor-version compatibility (the newest CUDA 12 on a
// CUDA 12 driver), then an older major; then the user's index, then exact pins.
void SortCandidates(std::vector<Candidate>& cands, const Host& h) {
  const int driver_major = h.driver_cuda ? h.driver_cuda->major() : -1;
  auto rank = [&](const Candidate& c) {
    if (!c.b->cuda || c.b->cuda->major() != driver_major) return 2;
    return c.compat ? 1 : 0;
  };
  std::stable_sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b) {
    auto va = Public(a.b->version), vb = Public(b.b->version);
    if (va != vb) return va > vb;
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a.b->cuda && b.b->cuda && *a.b->cuda != *b.b->cuda) return *a.b->cuda > *b.b->cuda;
    if (a.b->user_index != b.b->user_index) return a.b->user_index;
    return a.b->exact && !b.b->exact;
  });
}

}  // namespace

TorchPick PickTorch(const std::vector<TorchBuild>& builds, const Host& h, const FrameworkFacts& f,
                    const std::optional<std::string>& cuda) {
  TorchPick pick;
  std::optional<DottedVersion> want;
  if (cuda) {
    want = DottedVersion::Parse(*cuda);
    if (!want) {
      pick.error = "--cuda wants a CUDA version such as 12.8, not '" + *cuda + "'";
      return pick;
    }
  }
  auto reject = [&](std::string why) {
    if (!why.empty() && pick.rejected.size() < 4 &&
        std::find(pick.rejected.begin(), pick.rejected.end(), why) == pick.rejected.end()) {
      pick.rejected.push_back(std::move(why));
    }
  };
  const bool gpu = !h.gpus.empty() && (h.driver_cuda || h.driver);
  std::vector<Candidate> cands;
  for (const auto& b : builds) {
    if (auto why = TorchBuildMismatch(b, h); !why.empty()) {
      reject(why);
    } else if (!gpu) {
      if (b.variant == "cpu") cands.push_back({&b, false, {}, false});
    } else {
      auto c = GpuCandidate(b, h, f, want);
      if (auto* candidate = std::get_if<Candidate>(&c))
        cands.push_back(std::move(*candidate));
      else
        reject(std::get<std::string>(c));
    }
  }
  if (cands.empty()) {
    pick.error = gpu ? "no PyTorch CUDA build fits" : "no PyTorch CPU build fits";
    return pick;
  }
  SortCandidates(cands, h);
  const Candidate& c = cands.front();
  pick.build = *c.b;
  pick.minor_compat = c.compat;
  pick.archs = c.archs;
  pick.archs_assumed = c.assumed;
  return pick;
}

}  // namespace dlenv::install
