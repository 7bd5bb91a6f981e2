#include "lock/diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "knowledge/frameworks.h"
#include "lock/package_version.h"
#include "model/json.h"
#include "util/build_label.h"
#include "util/dotted_version.h"
#include "util/strings.h"

namespace dlenv::lock {
namespace {

using util::DottedVersion;

// How two dotted versions differ: which is newer, and the first part that differs.
struct DottedDelta {
  ChangeKind kind = ChangeKind::kChanged;  // kChanged when either does not parse
  int first_differing_part = -1;           // 0 major, 1 minor, 2 patch, ...; -1 equal
};

DottedDelta CompareDotted(const std::string& from, const std::string& to) {
  DottedDelta d;
  auto a = DottedVersion::Parse(from);
  auto b = DottedVersion::Parse(to);
  if (!a || !b) {
    d.first_differing_part = from == to ? -1 : 0;
    return d;
  }
  for (std::size_t i = 0; i < std::max(a->size(), b->size()); ++i) {
    if (a->part(i) != b->part(i)) {
      d.first_differing_part = static_cast<int>(i);
      break;
    }
  }
  d.kind = *a < *b ? ChangeKind::kUpgraded : ChangeKind::kDowngraded;
  return d;
}

class Collector {
 public:
  void Add(std::string section, std::string item, ChangeKind kind, std::optional<std::string> from,
           std::optional<std::string> to, Impact impact, std::string why) {
    changes_.push_back({std::move(section), std::move(item), kind, std::move(from), std::move(to),
                        impact, std::move(why)});
  }
  /// A dotted-version value (driver, toolkit, library) changed: graded by the first part
  /// that differs, with the impact for a major, minor and later change.
  void Dotted(const std::string& section, const std::string& item, const std::string& from,
              const std::string& to, Impact major, Impact minor, Impact patch,
              const std::string& what) {
    if (from == to) return;
    DottedDelta d = CompareDotted(from, to);
    if (d.first_differing_part < 0) return;  // 12.4 and 12.4.0 say the same
    Impact impact = d.first_differing_part == 0   ? major
                    : d.first_differing_part == 1 ? minor
                                                  : patch;
    std::string level = d.first_differing_part == 0   ? "major"
                        : d.first_differing_part == 1 ? "minor"
                                                      : "patch";
    Add(section, item, d.kind, from, to, impact, fmt::format("{} {} version", what, level));
  }
  std::vector<Change> Take() { return std::move(changes_); }

 private:
  std::vector<Change> changes_;
};

std::string Opt(const std::optional<std::string>& s) { return s ? *s : "none"; }

void DiffHost(const LockedHost& a, const LockedHost& b, Collector& out) {
  if (a.os_id != b.os_id || a.os_version != b.os_version) {
    out.Add("host", "os", ChangeKind::kChanged, a.os_id + " " + a.os_version,
            b.os_id + " " + b.os_version, Impact::kNotable,
            "another OS release: system libraries differ");
  } else if (a.os_name != b.os_name) {
    out.Add("host", "os name", ChangeKind::kChanged, a.os_name, b.os_name, Impact::kCosmetic,
            "same release, other name");
  }
  // A newer glibc runs what an older one did; an older one may refuse manylinux wheels.
  if (!a.glibc.empty() && !b.glibc.empty()) {
    DottedDelta d = CompareDotted(a.glibc, b.glibc);
    if (d.first_differing_part >= 0) {
      bool older = d.kind != ChangeKind::kUpgraded;
      out.Add("host", "glibc", d.kind, a.glibc, b.glibc,
              older ? Impact::kNotable : Impact::kCosmetic,
              older ? "older glibc: wheels built for the newer one may not load"
                    : "newer glibc runs older builds");
    }
  } else if (a.glibc != b.glibc) {
    out.Add("host", "glibc", a.glibc.empty() ? ChangeKind::kAdded : ChangeKind::kRemoved, a.glibc,
            b.glibc, Impact::kNotable, "glibc version unknown on one side");
  }
}

void DiffDriver(const LockedDriver& a, const LockedDriver& b, Collector& out) {
  if (a.version.has_value() != b.version.has_value()) {
    out.Add("driver", "driver", a.version ? ChangeKind::kRemoved : ChangeKind::kAdded, a.version,
            b.version, Impact::kBreaking, "NVIDIA driver present on one side only");
  } else if (a.version) {
    out.Dotted("driver", "driver", *a.version, *b.version, Impact::kBreaking, Impact::kNotable,
               Impact::kNotable, "driver");
  }
  if (a.cuda.has_value() != b.cuda.has_value()) {
    // Follows from the driver line above when the driver itself appeared or went.
    if (a.version.has_value() == b.version.has_value()) {
      out.Add("driver", "driver CUDA", a.cuda ? ChangeKind::kRemoved : ChangeKind::kAdded, a.cuda,
              b.cuda, Impact::kNotable, "the driver's CUDA version unknown on one side");
    }
  } else if (a.cuda && *a.cuda != *b.cuda) {
    DottedDelta d = CompareDotted(*a.cuda, *b.cuda);
    if (d.first_differing_part == 0) {
      out.Add("driver", "driver CUDA", d.kind, a.cuda, b.cuda, Impact::kBreaking,
              "the driver's CUDA major version");
    } else if (d.first_differing_part > 0) {
      // Minor-version compatibility covers most of a lower minor, not everything (PTX JIT).
      bool older = d.kind == ChangeKind::kDowngraded;
      out.Add("driver", "driver CUDA", d.kind, a.cuda, b.cuda,
              older ? Impact::kNotable : Impact::kCosmetic,
              older ? "the driver supports an older CUDA minor release"
                    : "the driver supports a newer CUDA minor release");
    }
  }
}

void DiffGpus(const std::vector<LockedGpu>& a, const std::vector<LockedGpu>& b, Collector& out) {
  auto key = [](const LockedGpu& g) {
    return g.name + (g.compute_capability ? " (sm " + *g.compute_capability + ")" : "");
  };
  std::map<std::string, int> ca, cb;
  for (const auto& g : a) ca[key(g)] += g.count;
  for (const auto& g : b) cb[key(g)] += g.count;
  for (const auto& [name, n] : ca) {
    auto it = cb.find(name);
    if (it == cb.end()) {
      out.Add("gpus", name, ChangeKind::kRemoved, std::to_string(n), std::nullopt, Impact::kNotable,
              "GPU model absent: another architecture, memory and speed");
    } else if (it->second != n) {
      out.Add("gpus", name, ChangeKind::kChanged, std::to_string(n), std::to_string(it->second),
              Impact::kNotable, "GPU count");
    }
  }
  for (const auto& [name, n] : cb) {
    if (!ca.contains(name)) {
      out.Add("gpus", name, ChangeKind::kAdded, std::nullopt, std::to_string(n), Impact::kNotable,
              "GPU model added: another architecture, memory and speed");
    }
  }
}

// Sections that may hold several versions of one thing (toolkits side by side, copies of
// a library): the one in use is graded, the others are reported as notable extras.
void DiffVersionSets(const std::string& section, const std::string& item,
                     const std::vector<std::string>& a, const std::vector<std::string>& b,
                     const std::optional<std::string>& primary_a,
                     const std::optional<std::string>& primary_b, Impact major, Impact minor,
                     const std::string& what, Collector& out) {
  if (primary_a && primary_b) {
    out.Dotted(section, item, *primary_a, *primary_b, major, minor, Impact::kCosmetic, what);
  } else if (primary_a || primary_b) {
    out.Add(section, item, primary_a ? ChangeKind::kRemoved : ChangeKind::kAdded, primary_a,
            primary_b, Impact::kNotable, what + " present on one side only");
  }
  std::set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  for (const auto& v : sa) {
    if (!sb.contains(v) && v != primary_a.value_or("")) {
      out.Add(section, item, ChangeKind::kRemoved, v, std::nullopt, Impact::kNotable,
              "another copy gone");
    }
  }
  for (const auto& v : sb) {
    if (!sa.contains(v) && v != primary_b.value_or("")) {
      out.Add(section, item, ChangeKind::kAdded, std::nullopt, v, Impact::kNotable,
              "another copy beside it");
    }
  }
}

std::optional<std::string> Newest(const std::vector<std::string>& versions) {
  std::optional<std::string> best;
  for (const auto& v : versions) {
    auto pv = DottedVersion::Parse(v);
    auto pb = best ? DottedVersion::Parse(*best) : std::nullopt;
    if (!best || (pv && (!pb || *pv > *pb))) best = v;
  }
  return best;
}

void DiffToolkits(const Lock& a, const Lock& b, Collector& out) {
  DiffVersionSets("toolkits", "CUDA toolkit", a.toolkits, b.toolkits, Newest(a.toolkits),
                  Newest(b.toolkits), Impact::kBreaking, Impact::kNotable, "CUDA toolkit", out);
}

void DiffLibraries(const Lock& a, const Lock& b, Collector& out) {
  struct Copies {
    std::vector<std::string> versions;
    std::optional<std::string> first;
  };
  std::map<std::string, Copies> ma, mb;
  for (const auto& l : a.cuda_libraries) {
    ma[l.family].versions.push_back(l.version);
    if (l.loader_first) ma[l.family].first = l.version;
  }
  for (const auto& l : b.cuda_libraries) {
    mb[l.family].versions.push_back(l.version);
    if (l.loader_first) mb[l.family].first = l.version;
  }
  std::set<std::string> families;
  for (const auto& [f, _] : ma) families.insert(f);
  for (const auto& [f, _] : mb) families.insert(f);
  for (const auto& family : families) {
    Copies ca = ma[family], cb = mb[family];
    auto primary = [](const Copies& c) { return c.first ? c.first : Newest(c.versions); };
    // cuDNN's and the CUDA runtime's majors are ABI breaks: code built for one does not load the
    // other.
    bool abi = family.starts_with("cudnn") || family == "cudart" || family.starts_with("cublas") ||
               family == "nvrtc";
    DiffVersionSets("cuda_libraries", family, ca.versions, cb.versions, primary(ca), primary(cb),
                    abi ? Impact::kBreaking : Impact::kNotable, Impact::kNotable, family, out);
  }
}

// Packages whose version or variant is the framework itself. The lock's own framework list
// adds whatever the probe recognised beyond these.
bool IsFrameworkPackage(const std::string& name, const std::set<std::string>& from_lock) {
  if (name == "numpy") return false;  // graded by its own rule
  return knowledge::Frameworks().VersionedWithFramework(name) || from_lock.contains(name);
}

bool IsCudnnWheel(const std::string& name) { return name.starts_with("nvidia-cudnn-cu"); }

void DiffPackageVersion(const std::string& name, const LockedPackage& pa, const LockedPackage& pb,
                        bool framework, Collector& out) {
  const std::string& va = pa.version;
  const std::string& vb = pb.version;
  auto a = PackageVersion::Parse(va);
  auto b = PackageVersion::Parse(vb);
  if (!a || !b) {
    if (va != vb) {
      out.Add("packages", name, ChangeKind::kChanged, va, vb,
              framework ? Impact::kBreaking : Impact::kNotable,
              "version not in PEP 440 form; compared as text");
    }
    return;
  }
  auto order = a->ComparePublic(*b);
  if (order == 0) {
    if (a->local() != b->local()) {
      out.Add("packages", name, ChangeKind::kRebuilt, va, vb,
              framework ? Impact::kBreaking : Impact::kNotable,
              framework ? "a framework's variant (local label)"
                        : "another build of the same version (local label)");
    } else if (va != vb) {
      out.Add("packages", name, ChangeKind::kChanged, va, vb, Impact::kCosmetic,
              "the same version spelt differently");
    }
    return;
  }
  ChangeKind kind = order < 0 ? ChangeKind::kUpgraded : ChangeKind::kDowngraded;
  bool major = !a->SameMajor(*b);
  if (framework) {
    out.Add("packages", name, kind, va, vb, Impact::kBreaking, "a framework's version");
  } else if (name == "numpy") {
    out.Add("packages", name, kind, va, vb, major ? Impact::kBreaking : Impact::kNotable,
            major ? "NumPy major version: its C ABI changes" : "NumPy minor version");
  } else if (IsCudnnWheel(name)) {
    out.Add("packages", name, kind, va, vb, major ? Impact::kBreaking : Impact::kNotable,
            major ? "cuDNN major version" : "cuDNN minor version");
  } else {
    out.Add("packages", name, kind, va, vb, major ? Impact::kNotable : Impact::kCosmetic,
            major ? "major version" : "minor or patch version");
  }
}

// Who put a package there: pip (or another PyPI installer), conda, or the distribution's
// package manager. A move between them is another build of the package, whatever its version.
enum class OwnerKind { kNone, kPip, kConda, kDistro };

struct Owner {
  OwnerKind kind = OwnerKind::kNone;
  std::string text;  // pip, conda (conda-forge), apt python3-torch=2.6.0+dfsg-7
};

Owner OwnerOf(const LockedPackage& p) {
  if (p.distro_package || p.distro_version || p.installer == "debian") {
    std::string text = "apt";
    if (p.distro_package)
      text += " " + *p.distro_package + (p.distro_version ? "=" + *p.distro_version : "");
    return {OwnerKind::kDistro, text};
  }
  if (p.installer == "conda" || p.channel || p.build) {
    return {OwnerKind::kConda, "conda" + (p.channel ? " (" + *p.channel + ")" : std::string())};
  }
  if (p.installer) return {OwnerKind::kPip, *p.installer};
  return {OwnerKind::kNone, "none"};
}

std::string_view OwnerName(OwnerKind k) {
  switch (k) {
    case OwnerKind::kNone:
      return "no recorded installer";
    case OwnerKind::kPip:
      return "pip";
    case OwnerKind::kConda:
      return "conda";
    case OwnerKind::kDistro:
      return "the distribution";
  }
  return "no recorded installer";
}

std::string CondaSpec(const LockedPackage& p) {
  return p.conda_name.value_or(p.name) + "=" + p.version +
         (p.build ? "=" + *p.build : std::string());
}

// Two conda records of one package: the build string carries the variant (CUDA or CPU, and
// which CUDA) and the rebuild number; the channel decides which builds and dependencies.
void DiffConda(const std::string& name, const LockedPackage& pa, const LockedPackage& pb,
               bool framework, Collector& out) {
  bool same_version = pa.version == pb.version;
  if (pa.build && pb.build && *pa.build != *pb.build) {
    auto va = util::ParseCondaBuildVariant(*pa.build);
    auto vb = util::ParseCondaBuildVariant(*pb.build);
    Impact variant_impact = framework ? Impact::kBreaking : Impact::kNotable;
    std::string whose = framework ? "a framework's" : "a";
    if (va && vb && va->cuda != vb->cuda) {
      out.Add("packages", name + " conda build", ChangeKind::kRebuilt, CondaSpec(pa), CondaSpec(pb),
              variant_impact,
              fmt::format("{} conda build: {} against {}", whose, va->Describe(), vb->Describe()));
    } else if (va && vb && va->cuda && !va->cuda_version.empty() && !vb->cuda_version.empty() &&
               va->cuda_version != vb->cuda_version) {
      out.Add("packages", name + " conda build", ChangeKind::kRebuilt, CondaSpec(pa), CondaSpec(pb),
              variant_impact,
              fmt::format("{} conda build for another CUDA: {} against {}", whose, va->cuda_version,
                          vb->cuda_version));
    } else if (same_version) {
      out.Add("packages", name + " conda build", ChangeKind::kRebuilt, CondaSpec(pa), CondaSpec(pb),
              Impact::kNotable, "another conda build of the same version");
    }
  } else if (pa.build.has_value() != pb.build.has_value() && same_version) {
    out.Add("packages", name + " conda build", ChangeKind::kChanged, CondaSpec(pa), CondaSpec(pb),
            Impact::kCosmetic,
            "conda build recorded on one side only (a lock from an older dlenv)");
  }
  if (pa.channel && pb.channel && *pa.channel != *pb.channel) {
    out.Add("packages", name + " conda channel", ChangeKind::kChanged, pa.channel, pb.channel,
            Impact::kNotable, "another conda channel: other builds and dependencies");
  } else if (pa.channel.has_value() != pb.channel.has_value()) {
    out.Add("packages", name + " conda channel", ChangeKind::kChanged, Opt(pa.channel),
            Opt(pb.channel), Impact::kCosmetic,
            "conda channel recorded on one side only (a lock from an older dlenv)");
  }
}

// Debian's python3-torch-cuda installs the same torch as python3-torch, built with CUDA.
bool IsCudaDistroPackage(const std::string& package) {
  return package.find("-cuda") != std::string::npos;
}

std::string AptPin(const LockedPackage& p) {
  return Opt(p.distro_package) + (p.distro_version ? "=" + *p.distro_version : std::string());
}

// Two records owned by the distribution: which package owns it, and which revision. A
// Debian revision of the same upstream version carries other patches.
void DiffDistro(const std::string& name, const LockedPackage& pa, const LockedPackage& pb,
                bool framework, Collector& out) {
  if (pa.distro_package && pb.distro_package && *pa.distro_package != *pb.distro_package) {
    bool variant =
        IsCudaDistroPackage(*pa.distro_package) != IsCudaDistroPackage(*pb.distro_package);
    out.Add("packages", name + " distro package",
            variant ? ChangeKind::kRebuilt : ChangeKind::kChanged, AptPin(pa), AptPin(pb),
            variant && framework ? Impact::kBreaking : Impact::kNotable,
            variant ? (framework ? "a framework's distribution build: CUDA against CPU-only"
                                 : "the distribution's build: CUDA against CPU-only")
                    : "owned by another distribution package");
  } else if (pa.distro_version && pb.distro_version && *pa.distro_version != *pb.distro_version) {
    if (pa.version == pb.version) {
      out.Add("packages", name + " distro package", ChangeKind::kRebuilt, AptPin(pa), AptPin(pb),
              Impact::kNotable,
              "another distribution revision of the same version: its patches differ");
    }
  } else if ((pa.distro_package.has_value() != pb.distro_package.has_value() ||
              pa.distro_version.has_value() != pb.distro_version.has_value()) &&
             pa.version == pb.version) {
    out.Add("packages", name + " distro package", ChangeKind::kChanged, AptPin(pa), AptPin(pb),
            Impact::kCosmetic,
            "distribution package recorded on one side only (a lock from an older dlenv)");
  }
}

void DiffPackages(const LockedPython& a, const LockedPython& b, Collector& out) {
  std::set<std::string> framework_packages;
  for (const auto* p : {&a, &b}) {
    for (const auto& f : p->frameworks) {
      if (f.package != "numpy") framework_packages.insert(f.package);
    }
  }
  std::map<std::string, const LockedPackage*> ma, mb;
  for (const auto& p : a.packages) ma[p.name] = &p;
  for (const auto& p : b.packages) mb[p.name] = &p;
  auto presence_impact = [&](const std::string& name) {
    return IsFrameworkPackage(name, framework_packages) || name == "numpy" ? Impact::kBreaking
                                                                           : Impact::kNotable;
  };
  for (const auto& [name, pa] : ma) {
    auto it = mb.find(name);
    if (it == mb.end()) {
      out.Add("packages", name, ChangeKind::kRemoved, pa->version, std::nullopt,
              presence_impact(name), "package absent: imports of it fail");
      continue;
    }
    const LockedPackage* pb = it->second;
    bool framework = IsFrameworkPackage(name, framework_packages);
    DiffPackageVersion(name, *pa, *pb, framework, out);
    if (pa->direct_url != pb->direct_url && pa->version == pb->version) {
      out.Add("packages", name + " source", ChangeKind::kRebuilt, Opt(pa->direct_url),
              Opt(pb->direct_url), framework ? Impact::kBreaking : Impact::kNotable,
              "installed from another URL (PEP 610)");
    }
    Owner oa = OwnerOf(*pa), ob = OwnerOf(*pb);
    if (oa.kind != ob.kind) {
      out.Add("packages", name + " installer", ChangeKind::kChanged, oa.text, ob.text,
              Impact::kNotable,
              fmt::format("moved from {} to {}: another build, other dependencies",
                          OwnerName(oa.kind), OwnerName(ob.kind)));
    } else if (pa->installer != pb->installer) {
      out.Add("packages", name + " installer", ChangeKind::kChanged, Opt(pa->installer),
              Opt(pb->installer), Impact::kNotable,
              "another installer: conda and pip builds differ");
    }
    if (oa.kind == ob.kind && oa.kind == OwnerKind::kConda)
      DiffConda(name, *pa, *pb, framework, out);
    if (oa.kind == ob.kind && oa.kind == OwnerKind::kDistro)
      DiffDistro(name, *pa, *pb, framework, out);
  }
  for (const auto& [name, pb] : mb) {
    if (!ma.contains(name)) {
      out.Add("packages", name, ChangeKind::kAdded, std::nullopt, pb->version,
              presence_impact(name), "package added");
    }
  }
}

void DiffFrameworks(const LockedPython& a, const LockedPython& b, Collector& out) {
  std::map<std::string, const LockedFramework*> mb;
  for (const auto& f : b.frameworks) mb[f.name] = &f;
  for (const auto& fa : a.frameworks) {
    auto it = mb.find(fa.name);
    if (it == mb.end()) continue;  // presence and version: the packages section says it
    const LockedFramework& fb = *it->second;
    const std::string& n = fa.name;
    if (fa.cuda_build != fb.cuda_build) {
      out.Add("frameworks", n + " build", ChangeKind::kRebuilt, fa.cuda_build ? "CUDA" : "CPU-only",
              fb.cuda_build ? "CUDA" : "CPU-only", Impact::kBreaking,
              "a framework's variant: CPU-only against CUDA");
    }
    if (fa.cuda_version != fb.cuda_version) {
      out.Add("frameworks", n + " CUDA", ChangeKind::kRebuilt, fa.cuda_version, fb.cuda_version,
              Impact::kBreaking, "the CUDA a framework was built for");
    }
    if (fa.rocm_version != fb.rocm_version) {
      out.Add("frameworks", n + " ROCm", ChangeKind::kRebuilt, fa.rocm_version, fb.rocm_version,
              Impact::kBreaking, "the ROCm a framework was built for");
    }
    if (fa.cudnn_version != fb.cudnn_version) {
      bool major = !fa.cudnn_version || !fb.cudnn_version ||
                   CompareDotted(*fa.cudnn_version, *fb.cudnn_version).first_differing_part == 0;
      out.Add("frameworks", n + " cuDNN", ChangeKind::kRebuilt, fa.cudnn_version, fb.cudnn_version,
              major ? Impact::kBreaking : Impact::kNotable,
              major ? "cuDNN major version" : "cuDNN minor version");
    }
    if (fa.cuda_archs != fb.cuda_archs) {
      out.Add("frameworks", n + " GPU architectures", ChangeKind::kRebuilt,
              util::Join(fa.cuda_archs, " "), util::Join(fb.cuda_archs, " "), Impact::kNotable,
              "compiled for other GPU architectures");
    }
    if (fa.numpy_abi != fb.numpy_abi) {
      out.Add("frameworks", n + " NumPy ABI", ChangeKind::kRebuilt, fa.numpy_abi, fb.numpy_abi,
              Impact::kBreaking, "built against another NumPy major version");
    }
  }
}

/// The installed release of a companion's framework in one locked environment.
const LockedPackage* FrameworkPackage(const LockedPython& p,
                                      const knowledge::FrameworkIdentity& f) {
  for (const auto& pkg : p.packages) {
    if (f.IsDistribution(pkg.name)) return &pkg;
  }
  return nullptr;
}

/// A companion that went with its framework in A and does not in B (torch upgraded, torchvision
/// left behind; another CUDA variant of one of them): breaking, whether or not the companion's
/// own version changed. The judgement is the framework identity's, as doctor's.
void DiffCompanions(const LockedPython& a, const LockedPython& b, Collector& out) {
  const auto& ids = knowledge::Frameworks();
  for (const auto& pb : b.packages) {
    auto c = ids.FindCompanion(pb.name);
    if (!c) continue;
    const LockedPackage* fb = FrameworkPackage(b, *c->framework);
    if (!fb) continue;
    auto now =
        knowledge::CompanionMismatch(*c->companion, c->framework->id, fb->version, pb.version);
    if (!now) continue;
    const LockedPackage* fa = FrameworkPackage(a, *c->framework);
    const LockedPackage* pa = nullptr;
    for (const auto& p : a.packages) {
      if (p.name == pb.name) pa = &p;
    }
    if (!fa || !pa) continue;  // a new pair is graded as added packages
    if (knowledge::CompanionMismatch(*c->companion, c->framework->id, fa->version, pa->version))
      continue;  // it did not match in A either
    out.Add("packages", pb.name + " with " + fb->name, ChangeKind::kChanged,
            fmt::format("{} {} with {} {}", pa->name, pa->version, fa->name, fa->version),
            fmt::format("{} {} with {} {}", pb.name, pb.version, fb->name, fb->version),
            Impact::kBreaking, "a companion no longer built for its framework: " + *now);
  }
}

void DiffPython(const Lock& a, const Lock& b, Collector& out) {
  if (a.python.has_value() != b.python.has_value()) {
    const auto& p = a.python ? a.python : b.python;
    out.Add("python", "environment", a.python ? ChangeKind::kRemoved : ChangeKind::kAdded,
            a.python ? p->version : std::nullopt, b.python ? p->version : std::nullopt,
            Impact::kBreaking, "Python environment present on one side only");
    return;
  }
  if (!a.python) return;
  const LockedPython& pa = *a.python;
  const LockedPython& pb = *b.python;
  if (pa.version && pb.version) {
    // Compiled wheels are built per CPython minor release (cp311, cp312).
    out.Dotted("python", "python", *pa.version, *pb.version, Impact::kBreaking, Impact::kBreaking,
               Impact::kCosmetic, "Python");
  } else if (pa.version != pb.version) {
    out.Add("python", "python", ChangeKind::kChanged, pa.version, pb.version, Impact::kNotable,
            "Python version unknown on one side");
  }
  if (pa.kind != pb.kind) {
    out.Add("python", "environment kind", ChangeKind::kChanged, pa.kind, pb.kind, Impact::kNotable,
            "another kind of environment");
  }
  DiffPackages(pa, pb, out);
  DiffCompanions(pa, pb, out);
  DiffFrameworks(pa, pb, out);
}

}  // namespace

std::optional<Impact> LockDiff::Worst() const {
  std::optional<Impact> worst;
  for (const auto& c : changes) {
    if (!worst || c.impact > *worst) worst = c.impact;
  }
  return worst;
}

std::size_t LockDiff::Count(Impact i) const {
  return static_cast<std::size_t>(std::count_if(changes.begin(), changes.end(),
                                                [i](const Change& c) { return c.impact == i; }));
}

LockDiff DiffLocks(const Lock& a, const Lock& b) {
  Collector out;
  DiffHost(a.host, b.host, out);
  DiffDriver(a.driver, b.driver, out);
  DiffGpus(a.gpus, b.gpus, out);
  DiffToolkits(a, b, out);
  DiffLibraries(a, b, out);
  DiffPython(a, b, out);
  LockDiff diff;
  diff.changes = out.Take();
  std::stable_sort(diff.changes.begin(), diff.changes.end(),
                   [](const Change& x, const Change& y) { return x.impact > y.impact; });
  return diff;
}

}  // namespace dlenv::lock
