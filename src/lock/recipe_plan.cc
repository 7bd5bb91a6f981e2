#include "lock/recipe_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "knowledge/frameworks.h"
#include "lock/recipe.h"
#include "util/strings.h"

namespace dlenv::lock {
namespace {

// The recipe writes these into a shell command line (apt-get) and a YAML list (conda), and a
// lock may come from anyone: only what the formats allow gets through. Debian Policy 5.6.1
// (package names) and 5.6.12 (versions); conda's MatchSpec fields without operators.
bool ValidDebName(const std::string& s) {
  static const std::regex kRe("[a-z0-9][a-z0-9+.-]+");
  return s.size() < 200 && std::regex_match(s, kRe);
}
bool ValidDebVersion(const std::string& s) {
  static const std::regex kRe("([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~:-]*");
  return s.size() < 200 && std::regex_match(s, kRe);
}
bool ValidCondaField(const std::string& s) {
  static const std::regex kRe("[A-Za-z0-9_][A-Za-z0-9_.+!-]*");
  return s.size() < 200 && std::regex_match(s, kRe);
}
bool ValidCondaChannel(const std::string& s) {
  static const std::regex kRe("[A-Za-z0-9_][A-Za-z0-9_./+-]*|https?://[A-Za-z0-9_./:+%-]+");
  return s.size() < 400 && s.find("::") == std::string::npos && std::regex_match(s, kRe);
}

// pip freeze leaves these to the interpreter; pinning them fights the image's own pip.
bool LeftToInterpreter(const std::string& name) {
  return name == "pip" || name == "setuptools" || name == "wheel" || name == "distribute";
}

bool PipLike(const std::string& installer) {
  return installer == "pip" || installer == "uv" || installer == "poetry" || installer == "pdm" ||
         installer == "pipenv";
}

std::string Normalized(std::string_view name) {
  std::string out = util::ToLower(name);
  std::replace(out.begin(), out.end(), '_', '-');
  std::replace(out.begin(), out.end(), '.', '-');
  return out;
}

}  // namespace

bool IsFrameworkPackage(const Lock& lock, const std::string& name) {
  std::string n = Normalized(name);
  if (n == "numpy") return false;  // the probe reports it with the frameworks; it is a library
  if (knowledge::Frameworks().VersionedWithFramework(n)) return true;
  if (lock.python) {
    for (const auto& f : lock.python->frameworks) {
      if (Normalized(f.package) == n || Normalized(f.name) == n) return true;
    }
  }
  return false;
}

std::optional<std::string> DistroImageOf(const LockedHost& host) {
  static const std::regex kVersion("[0-9]{1,4}(\\.[0-9]{1,4})?");
  if ((host.os_id != "debian" && host.os_id != "ubuntu") ||
      !std::regex_match(host.os_version, kVersion)) {
    return std::nullopt;
  }
  return host.os_id + ":" + host.os_version;
}

namespace {

// Sorts each locked package into what rebuilds it (apt, conda, pip) or what cannot (missing).
class PackagePlanner {
 public:
  PackagePlanner(const Lock& lock, PackagePlan& plan)
      : lock_(lock), plan_(plan), distro_image_(DistroImageOf(lock.host)) {}

  void Add(const LockedPackage& p) {
    present_.insert(Normalized(p.name));
    const bool framework = IsFrameworkPackage(lock_, p.name);
    if (p.distro_package || p.distro_version) {
      AddDistro(p, framework);
    } else if (p.installer == "conda") {
      AddConda(p, framework);
    } else if (LeftToInterpreter(p.name)) {
      return;
    } else if (!p.installer || PipLike(*p.installer)) {
      AddPip(p, framework);
    } else if (*p.installer == "debian") {
      Missing(p, framework,
              "installed by the distribution, but the lock does not say which package owns it "
              "(lock again with this dlenv where dpkg's database is readable)");
    } else {
      Missing(p, framework,
              fmt::format("installed by \"{}\", which the recipe cannot reproduce", *p.installer));
    }
  }

  void Finish() {
    // A framework the probe saw whose package has no record: nothing says how it got there.
    for (const auto& f : lock_.python->frameworks) {
      if (Normalized(f.name) == "numpy" || present_.contains(Normalized(f.package))) continue;
      plan_.missing.push_back(
          {f.package, f.version,
           "the lock lists it as a framework but has no package record: no installer known", true});
    }
    plan_.apt.assign(apt_.begin(), apt_.end());
    // An extra index, not --index-url: the rest of the requirements still come from PyPI.
    for (const auto& i : indexes_) plan_.pip_options.push_back("--extra-index-url " + i);
    std::vector<std::pair<std::string, int>> channels(channel_use_.begin(), channel_use_.end());
    std::stable_sort(channels.begin(), channels.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& c : channels) plan_.channels.push_back(c.first);
    if (!unbuilt_.empty()) {
      plan_.notes.push_back("the lock records no conda build for " + util::Join(unbuilt_, ", ") +
                            " (a lock from an older dlenv): conda chooses one");
    }
    if (!no_installer_.empty()) {
      plan_.notes.push_back("no installer recorded for " + util::Join(no_installer_, ", ") +
                            ": pinned for pip, which may find another build of the same version");
    }
    std::stable_sort(plan_.missing.begin(), plan_.missing.end(),
                     [](const auto& a, const auto& b) { return a.framework > b.framework; });
  }

 private:
  void Missing(const LockedPackage& p, bool framework, std::string why) {
    plan_.missing.push_back({p.name, p.version, std::move(why), framework});
  }

  void AddDistro(const LockedPackage& p, bool framework) {
    if (!p.distro_package || !p.distro_version) {
      Missing(p, framework,
              "the lock names its distribution package without a version, or a version without "
              "the package");
    } else if (plan_.conda) {
      Missing(p, framework,
              fmt::format("installed by the distribution ({}), which a conda environment does "
                          "not see",
                          *p.distro_package));
    } else if (!distro_image_) {
      Missing(p, framework,
              fmt::format("installed by the distribution ({}) of {} {}, which has no official "
                          "Debian or Ubuntu image to pin it on",
                          *p.distro_package, lock_.host.os_id, lock_.host.os_version));
    } else if (!ValidDebName(*p.distro_package) || !ValidDebVersion(*p.distro_version)) {
      Missing(p, framework,
              fmt::format("\"{}={}\" is not a Debian package name and version", *p.distro_package,
                          *p.distro_version));
    } else {
      apt_.insert(*p.distro_package + "=" + *p.distro_version);
    }
  }

  void AddConda(const LockedPackage& p, bool framework) {
    std::string name = p.conda_name.value_or(p.name);
    if (!ValidCondaField(name) || !ValidCondaField(p.version) ||
        (p.build && !ValidCondaField(*p.build)) || (p.channel && !ValidCondaChannel(*p.channel))) {
      Missing(p, framework,
              "its conda name, version, build or channel holds characters conda's specs do not");
      return;
    }
    std::string spec = (p.channel ? *p.channel + "::" : "") + name + "=" + p.version;
    if (p.build) {
      spec += "=" + *p.build;
    } else {
      unbuilt_.push_back(name);
    }
    if (p.channel) ++channel_use_[*p.channel];
    plan_.conda_has_python |= name == "python";
    plan_.conda_has_pip |= name == "pip";
    plan_.conda_specs.push_back(std::move(spec));
  }

  void AddPip(const LockedPackage& p, bool framework) {
    if (!p.installer && framework) {
      // Which build it is (CPU, CUDA, a local one) is the whole point of a framework; PyPI's
      // build of the same version is a guess, and a wrong one breaks at run time, not build.
      Missing(p, framework,
              "no installer recorded (not pip, conda or the distribution's): which build it is is "
              "unknown");
      return;
    }
    if (!p.installer) no_installer_.push_back(p.name);
    if (auto index = PytorchIndexFor(p); index && !p.direct_url) indexes_.insert(*index);
    plan_.pip_requirements.push_back(p.direct_url ? fmt::format("{} @ {}", p.name, *p.direct_url)
                                                  : fmt::format("{}=={}", p.name, p.version));
  }

  const Lock& lock_;
  PackagePlan& plan_;
  std::optional<std::string> distro_image_;
  std::set<std::string> apt_, indexes_, present_;
  std::map<std::string, int> channel_use_;
  std::vector<std::string> unbuilt_, no_installer_;
};

}  // namespace

PackagePlan PlanPackages(const Lock& lock, bool conda) {
  PackagePlan plan;
  if (!lock.python) {
    plan.conda = conda;
    return plan;
  }
  const auto& packages = lock.python->packages;
  bool has_conda = std::any_of(packages.begin(), packages.end(),
                               [](const auto& p) { return p.installer == "conda"; });
  plan.conda = conda || has_conda;
  if (has_conda && !conda) {
    plan.notes.push_back(
        "conda installed packages of this environment: environment.yml and conda, as with --conda");
  }
  PackagePlanner planner(lock, plan);
  for (const auto& p : packages) planner.Add(p);
  planner.Finish();
  return plan;
}

std::string DescribeMissing(const std::vector<Unreproducible>& missing) {
  std::string out;
  for (const auto& m : missing) {
    out +=
        fmt::format("  {} {}{}: {}\n", m.name, m.version, m.framework ? " (framework)" : "", m.why);
  }
  return out;
}

}  // namespace dlenv::lock
