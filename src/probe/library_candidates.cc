#include "probe/library_candidates.h"

#include <algorithm>
#include <set>

namespace dlenv::probe {

std::vector<std::string> FindLibraryCandidates(const ProbeContext& ctx,
                                               const model::Snapshot& snapshot,
                                               const gpu::LibrarySpec& spec) {
  if (auto forced = ctx.env.Get(spec.override_variable); forced && !forced->empty()) {
    return {*forced};
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& c) {
    if (seen.insert(c).second) out.push_back(c);
  };
  // The libraries probe already ranked what the loader sees; its first pick leads.
  std::vector<const model::LibraryCopy*> copies;
  for (const auto& copy : snapshot.libraries) {
    if (copy.family == spec.family && !copy.is_stub) copies.push_back(&copy);
  }
  std::stable_partition(copies.begin(), copies.end(),
                        [](const model::LibraryCopy* c) { return c->loader_first; });
  for (const auto* copy : copies) add(ctx.fs.Host(copy->path).string());
  // Bare sonames let the loader choose even when the libraries probe found nothing.
  for (const auto& soname : spec.sonames) add(soname);
  for (const auto& toolkit : snapshot.toolkits) {
    for (const char* dir : {"lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib"}) {
      for (const auto& soname : spec.sonames) {
        auto p = std::filesystem::path(toolkit.root) / dir / soname;
        if (ctx.fs.Exists(p)) add(ctx.fs.Host(p).string());
      }
    }
  }
  for (const auto& env : snapshot.python_envs) {
    for (const auto& site : env.site_packages) {
      auto dir = std::filesystem::path(site) / "nvidia" / spec.wheel_component / "lib";
      for (const auto& soname : spec.sonames) {
        if (ctx.fs.Exists(dir / soname)) add(ctx.fs.Host(dir / soname).string());
      }
    }
  }
  return out;
}

}  // namespace dlenv::probe
