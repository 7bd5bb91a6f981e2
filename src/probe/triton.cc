#include "probe/triton.h"

#include <filesystem>

#include "probe/libraries.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

/// Folders of the cache lines `ldconfig -p` prints with "libcuda.so.1" in them, in the cache's
/// order and with repeats, as Triton collects them (it matches the line, any architecture).
std::vector<std::string> CacheDirs(const ProbeContext& ctx) {
  std::vector<std::string> out;
  const auto cache = ReadLoaderCache(ctx);
  if (!cache) return out;
  for (const auto& e : cache->entries) {
    if (e.soname.find("libcuda.so.1") == std::string::npos &&
        e.path.find("libcuda.so.1") == std::string::npos)
      continue;
    out.push_back(fs::path(e.path).parent_path().string());
  }
  return out;
}

}  // namespace

void ProbeTriton(const ProbeContext& ctx, model::Snapshot& snapshot) {
  model::TritonSetup& t = snapshot.triton;
  for (const char* var : {"TRITON_PTXAS_PATH", "TRITON_PTXAS_BLACKWELL_PATH"}) {
    if (auto v = ctx.env.Get(var); v && !v->empty()) t.ptxas_overrides.push_back(var + ("=" + *v));
  }
  if (auto v = ctx.env.Get("TRITON_LIBCUDA_PATH"); v && !v->empty()) {
    t.libcuda_path = *v;
    t.libcuda_dirs = {*v};
    t.libcuda_dirs_via = "TRITON_LIBCUDA_PATH";
  } else if (auto dirs = CacheDirs(ctx); !dirs.empty()) {
    t.libcuda_dirs = std::move(dirs);
    t.libcuda_dirs_via = "ld.so.cache";
  } else {
    for (const std::string& dir : ctx.env.GetList("LD_LIBRARY_PATH")) {
      if (!dir.empty() && ctx.fs.Exists(fs::path(dir) / "libcuda.so.1"))
        t.libcuda_dirs.push_back(dir);
    }
    if (!t.libcuda_dirs.empty()) t.libcuda_dirs_via = "LD_LIBRARY_PATH";
  }
  for (const auto& dir : t.libcuda_dirs) {
    // A relative folder is the working directory's: not known here, so not found.
    if (!fs::path(dir).is_absolute()) continue;
    t.libcuda_found = t.libcuda_found || ctx.fs.Exists(fs::path(dir) / "libcuda.so.1");
    t.unversioned_found = t.unversioned_found || ctx.fs.Exists(fs::path(dir) / "libcuda.so");
  }
}

}  // namespace dlenv::probe
