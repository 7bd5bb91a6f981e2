#include "lock/check.h"

#include <fmt/format.h>

#include <algorithm>

#include "lock/recipe.h"

namespace dlenv::lock {
namespace {

// A command that brings this one item back to the lock, where one exists; otherwise the
// way to rebuild the whole environment from the lock.
std::string FixFor(const Change& c, const Lock& team, const std::string& lock_path) {
  std::string rebuild =
      fmt::format("dlenv recipe --lock {} -o env/ && docker build -t team-env env/", lock_path);
  if (c.section == "packages" && team.python) {
    std::string name = c.item.substr(0, c.item.find(' '));
    for (const auto& p : team.python->packages) {
      if (p.name != name) continue;
      std::string index;
      if (auto url = PytorchIndexFor(p)) index = " --extra-index-url " + *url;
      // Installed the way the team's lock says: conda's exact build, the distribution's exact
      // package version, else pip.
      if (p.build) {
        return fmt::format("conda install{} '{}={}={}'",
                           p.channel ? " -c " + *p.channel : std::string(),
                           p.conda_name.value_or(p.name), p.version, *p.build);
      }
      if (p.distro_package && p.distro_version)
        return fmt::format("apt-get install '{}={}'", *p.distro_package, *p.distro_version);
      if (p.direct_url)
        return fmt::format("python -m pip install '{} @ {}'", p.name, *p.direct_url);
      return fmt::format("python -m pip install '{}=={}'{}", p.name, p.version, index);
    }
    if (c.kind == ChangeKind::kAdded) return fmt::format("python -m pip uninstall {}", name);
  }
  if (c.section == "python" && c.item == "environment" && c.kind == ChangeKind::kRemoved) {
    return fmt::format("dlenv check --lock {} --python /path/to/env/bin/python", lock_path);
  }
  return rebuild;
}

}  // namespace

std::vector<model::Finding> CheckAgainstLock(const Lock& team, const Lock& here,
                                             const std::string& lock_path) {
  std::vector<model::Finding> findings;
  for (const Change& c : DiffLocks(team, here).changes) {
    model::Finding f;
    switch (c.impact) {
      case Impact::kBreaking:
        f.id = "lock.breaking_drift";
        f.severity = model::Severity::kError;
        break;
      case Impact::kNotable:
        f.id = "lock.notable_drift";
        f.severity = model::Severity::kWarning;
        break;
      case Impact::kCosmetic:
        f.id = "lock.cosmetic_drift";
        f.severity = model::Severity::kInfo;
        break;
    }
    std::string change;
    switch (c.kind) {
      case ChangeKind::kAdded:
        change = fmt::format("{} here, not in the lock", *c.to);
        break;
      case ChangeKind::kRemoved:
        change = fmt::format("{} in the lock, missing here", *c.from);
        break;
      default:
        change = fmt::format("{} {} (lock) -> {} (here)", ChangeKindName(c.kind),
                             c.from.value_or("none"), c.to.value_or("none"));
    }
    f.title = fmt::format("{} {}: {}", c.section, c.item, change);
    f.evidence = fmt::format("{} ({} change: {})", lock_path, ImpactName(c.impact), c.why);
    f.fix = FixFor(c, team, lock_path);
    findings.push_back(std::move(f));
  }
  return findings;
}

std::string RenderCheckText(const std::vector<model::Finding>& findings,
                            const std::string& lock_path) {
  std::string out;
  for (const auto& f : findings) {
    out += fmt::format("{:<8} {}  {}\n         evidence: {}\n         fix: {}\n",
                       model::SeverityName(f.severity), f.id, f.title, f.evidence, f.fix);
  }
  auto count = [&](model::Severity s) {
    return std::count_if(findings.begin(), findings.end(),
                         [s](const auto& f) { return f.severity == s; });
  };
  if (findings.empty()) {
    out += fmt::format("This machine matches {}.\n", lock_path);
  } else {
    out +=
        fmt::format("\n{}: {} breaking, {} notable, {} cosmetic difference(s) from the lock.\n",
                    count(model::Severity::kError) ? "FAIL" : "OK", count(model::Severity::kError),
                    count(model::Severity::kWarning), count(model::Severity::kInfo));
  }
  return out;
}

}  // namespace dlenv::lock
