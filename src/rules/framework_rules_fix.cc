#include "rules/framework_rules_fix.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "knowledge/frameworks.h"
#include "util/pep440.h"

namespace dlenv::rules {
namespace {

std::string Norm(std::string_view name) { return util::NormalizeProjectName(name); }

const model::PackageRecord* FindRecord(const model::PythonEnv& env, std::string_view name) {
  std::string want = Norm(name);
  for (const auto& p : env.packages) {
    if (Norm(p.name) == want) return &p;
  }
  return nullptr;
}

/// The extras a marker asks for: `extra == "and-cuda"` -> and-cuda ({""} when none). The
/// marker's text is packaging's normalized form, so the spelling is fixed.
std::vector<std::string> ExtrasOf(const std::optional<util::Marker>& marker) {
  std::vector<std::string> out;
  if (!marker) return {""};
  std::string text = marker->ToString();
  static constexpr std::string_view kKey = "extra == \"";
  for (auto at = text.find(kKey); at != std::string::npos; at = text.find(kKey, at + 1)) {
    auto start = at + kKey.size();
    auto end = text.find('"', start);
    if (end == std::string::npos) break;
    out.push_back(Norm(text.substr(start, end - start)));
  }
  if (out.empty()) out.push_back("");
  return out;
}

bool AppliesHere(const util::Requirement& r, const std::string& extra,
                 const model::PythonEnv& env) {
  if (!r.marker) return true;
  auto menv = util::LinuxMarkerEnvironment(env.python_version.value_or("3.11"));
  menv["extra"] = extra;
  return r.marker->Evaluate(menv);
}

struct Hit {
  const model::PackageRecord* package = nullptr;
  util::Requirement requirement;
  std::string extra;
};

/// The fix for requirement `r` of `package`, asked for under `extra`: a package that wants
/// package[extra] under an extra of its own says it better (jax[cuda13] rather than
/// jax-cuda13-plugin[with-cuda]); `reachable` limits that search to the framework's packages.
std::string FixFor(const model::PythonEnv& env, const model::PackageRecord& package,
                   const util::Requirement& r, const std::string& extra,
                   const std::vector<const model::PackageRecord*>& reachable, int depth) {
  if (extra.empty()) {
    util::Requirement bare = r;
    bare.marker.reset();
    return bare.ToString();
  }
  if (depth < 4) {
    for (const auto* parent : reachable) {
      for (const auto& text : parent->requires_dist) {
        auto rq = util::ParseRequirement(text);
        if (!rq || Norm(rq->name) != Norm(package.name)) continue;
        bool with_extra = std::any_of(rq->extras.begin(), rq->extras.end(),
                                      [&](const std::string& e) { return Norm(e) == extra; });
        if (!with_extra) continue;
        for (const auto& parent_extra : ExtrasOf(rq->marker)) {
          if (AppliesHere(*rq, parent_extra, env))
            return FixFor(env, *parent, *rq, parent_extra, reachable, depth + 1);
        }
      }
    }
  }
  return fmt::format("{}[{}]=={}", package.name, extra, PublicVersion(package.version));
}

}  // namespace

std::string PublicVersion(std::string_view version) {
  if (auto v = util::Pep440Version::Parse(version)) return v->Public();
  return std::string(version.substr(0, version.find('+')));
}

std::vector<const model::PackageRecord*> FrameworkRecords(const model::PythonEnv& env,
                                                          const model::FrameworkBuild& b) {
  std::vector<const model::PackageRecord*> out;
  auto add = [&](std::string_view name) {
    const auto* p = FindRecord(env, name);
    if (p && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  };
  add(b.package);
  // The framework's other distributions and its plugins (jaxlib, jax-cuda13-plugin): their
  // requirements pull in the CUDA wheels too.
  // Newest plugin first (jax-cuda13-plugin before jax-cuda12-plugin).
  if (const auto* f = knowledge::Frameworks().Find(b.name)) {
    for (const auto& name : f->distributions) add(name);
    std::vector<std::string> plugins;
    for (const auto& p : env.packages) {
      if (f->IsPlugin(p.name)) plugins.push_back(Norm(p.name));
    }
    std::sort(plugins.rbegin(), plugins.rend());
    for (const auto& name : plugins) add(name);
  }
  return out;
}

std::optional<LibraryRequirement> RequirementFor(const model::PythonEnv& env,
                                                 const model::FrameworkBuild& b,
                                                 std::string_view soname,
                                                 const knowledge::RuntimeLibraries& table) {
  // Which distributions ship the library: an installed wheel's RECORD says it for certain.
  std::set<std::string> dists;
  std::string toolkit_extra;
  for (const auto& w : b.nvidia_wheels) {
    for (const auto& lib : w.libraries) {
      if (std::filesystem::path(lib).filename() == soname) dists.insert(Norm(w.package));
    }
  }
  if (const auto* row = table.ProviderOf(soname)) {
    if (dists.empty()) {
      for (const auto& d : row->dists) dists.insert(Norm(d));
    }
    toolkit_extra = row->cuda_toolkit_extra;
  }
  if (dists.empty()) return std::nullopt;

  // Breadth first from the framework's own packages through the installed ones they
  // require: the first requirement naming a provider, closest to the framework, wins.
  std::vector<const model::PackageRecord*> queue = FrameworkRecords(env, b);
  std::optional<Hit> best;
  for (std::size_t i = 0; i < queue.size() && i < 64 && !best; ++i) {
    const auto* p = queue[i];
    for (const auto& text : p->requires_dist) {
      auto r = util::ParseRequirement(text);
      if (!r) continue;
      std::string name = Norm(r->name);
      for (const auto& extra : ExtrasOf(r->marker)) {
        if (!AppliesHere(*r, extra, env)) continue;
        bool provides =
            dists.count(name) > 0 ||
            (name == "cuda-toolkit" && !toolkit_extra.empty() &&
             std::find(r->extras.begin(), r->extras.end(), toolkit_extra) != r->extras.end());
        if (provides) {
          // Within one package, a requirement without an extra is the one that applies.
          if (!best || (!best->extra.empty() && extra.empty())) best = Hit{p, *r, extra};
          continue;
        }
        const auto* next = FindRecord(env, name);
        if (next && std::find(queue.begin(), queue.end(), next) == queue.end())
          queue.push_back(next);
      }
    }
  }
  if (!best) return std::nullopt;
  LibraryRequirement out;
  out.requirement = best->requirement;
  out.via_cuda_toolkit = Norm(best->requirement.name) == "cuda-toolkit";
  out.fix = FixFor(env, *best->package, best->requirement, best->extra, queue, 0);
  // An extra counts as installed when the distribution it asks for is.
  out.optional_extra_missing = !best->extra.empty() && !FindRecord(env, best->requirement.name);
  return out;
}

}  // namespace dlenv::rules
