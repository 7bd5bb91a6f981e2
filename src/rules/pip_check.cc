#include "rules/pip_check.h"

#include <algorithm>
#include <map>

#include "util/pep440.h"

namespace dlenv::rules {
namespace {

// pip prints parsed versions, which packaging normalizes ("1.0-RC1" -> "1.0rc1").
std::string PipVersion(const std::string& v) {
  auto parsed = util::Pep440Version::Parse(v);
  return parsed ? parsed->ToString() : v;
}

}  // namespace

std::string BrokenRequirement::Line() const {
  std::string dep = util::NormalizeProjectName(requirement.name);
  if (!installed_version)
    return project + " " + project_version + " requires " + dep + ", which is not installed.";
  return project + " " + project_version + " has requirement " + requirement.ToString() +
         ", but you have " + dep + " " + *installed_version + ".";
}

std::vector<BrokenRequirement> PipCheck(const model::PythonEnv& env,
                                        const util::MarkerEnvironment& markers) {
  std::map<std::string, const model::PackageRecord*> installed;
  std::vector<const model::PackageRecord*> order;
  for (const auto& r : env.packages) {
    if (r.shadowed || r.record_kind == "conda-meta") continue;
    if (installed.emplace(r.normalized_name, &r).second) order.push_back(&r);
  }
  std::vector<BrokenRequirement> missing, conflicting;
  for (const model::PackageRecord* r : order) {
    std::vector<util::Requirement> reqs;
    bool parse_failed = false;
    for (const std::string& text : r->requires_dist) {
      auto req = util::ParseRequirement(text);
      if (!req) {
        parse_failed = true;
        break;
      }
      reqs.push_back(std::move(*req));
    }
    if (parse_failed) continue;
    std::vector<BrokenRequirement> my_missing, my_conflicting;
    for (util::Requirement& req : reqs) {
      if (req.marker && !req.marker->Evaluate(markers)) continue;
      std::string dep = util::NormalizeProjectName(req.name);
      auto it = installed.find(dep);
      BrokenRequirement b{r->normalized_name, PipVersion(r->version), std::move(req), std::nullopt};
      if (it == installed.end()) {
        my_missing.push_back(std::move(b));
      } else if (!b.requirement.specifier.Contains(it->second->version)) {
        b.installed_version = PipVersion(it->second->version);
        my_conflicting.push_back(std::move(b));
      }
    }
    auto by_line = [](const BrokenRequirement& a, const BrokenRequirement& b) {
      return a.Line() < b.Line();
    };
    std::sort(my_missing.begin(), my_missing.end(), by_line);
    std::sort(my_conflicting.begin(), my_conflicting.end(), by_line);
    // pip reports a missing requirement once even when two Requires-Dist lines name it.
    my_missing.erase(std::unique(my_missing.begin(), my_missing.end(),
                                 [](const auto& a, const auto& b) { return a.Line() == b.Line(); }),
                     my_missing.end());
    for (auto& b : my_missing) missing.push_back(std::move(b));
    for (auto& b : my_conflicting) conflicting.push_back(std::move(b));
  }
  for (auto& b : conflicting) missing.push_back(std::move(b));
  return missing;
}

}  // namespace dlenv::rules
