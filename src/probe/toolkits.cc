#include "probe/toolkits.h"

#include <algorithm>
#include <filesystem>

#include "util/cuda_headers.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// conda's toolkit (cuda-nvcc, cuda-cudart-dev ...) keeps headers under targets/<triplet>.
std::vector<fs::path> IncludeDirs(const ProbeContext& ctx, const fs::path& root) {
  std::vector<fs::path> dirs = {root / "include"};
  for (const std::string& t : ctx.fs.ListDir(root / "targets"))
    dirs.push_back(root / "targets" / t / "include");
  return dirs;
}

bool LooksLikeToolkit(const ProbeContext& ctx, const fs::path& root) {
  if (ctx.fs.IsRegularFile(root / "bin/nvcc") || ctx.fs.IsRegularFile(root / "version.json") ||
      ctx.fs.IsRegularFile(root / "version.txt")) {
    return true;
  }
  for (const fs::path& inc : IncludeDirs(ctx, root)) {
    if (ctx.fs.IsRegularFile(inc / "cuda.h")) return true;
  }
  return false;
}

// "nvidia_cuda_runtime" -> "cuda_runtime", "nvidia_cudnn_cu13" -> "cudnn".
std::string ComponentName(std::string project) {
  if (project.starts_with("nvidia_")) project.erase(0, 7);
  if (auto cu = project.rfind("_cu");
      cu != std::string::npos && cu + 3 < project.size() &&
      std::all_of(project.begin() + cu + 3, project.end(), ::isdigit)) {
    project.erase(cu);
  }
  return project;
}

// conda-meta/<name>-<version>-<build>.json: the name may contain '-', the version and
// build may not, so the last two dashes split it.
std::optional<std::pair<std::string, std::string>> CondaRecordName(std::string_view file) {
  if (!file.ends_with(".json")) return std::nullopt;
  file.remove_suffix(5);
  const auto build = file.rfind('-');
  if (build == std::string_view::npos || build == 0) return std::nullopt;
  const auto version = file.rfind('-', build - 1);
  if (version == std::string_view::npos || version == 0) return std::nullopt;
  return std::pair{std::string(file.substr(0, version)),
                   std::string(file.substr(version + 1, build - version - 1))};
}

void ReadVersion(const ProbeContext& ctx, model::Toolkit& tk) {
  const fs::path root = tk.root;
  if (auto json = ctx.fs.ReadFile(root / "version.json", 1u << 20)) {
    auto parsed = util::ParseToolkitVersionJson(*json);
    tk.components = parsed.components;
    if (parsed.version) {
      tk.version = parsed.version;
      tk.version_source = (root / "version.json").string();
      return;
    }
  }
  if (auto txt = ctx.fs.ReadFile(root / "version.txt", 1u << 16)) {
    if ((tk.version = util::ParseToolkitVersionTxt(*txt))) {
      tk.version_source = (root / "version.txt").string();
      return;
    }
  }
  // Toolkits assembled from NVIDIA's pip wheels carry each wheel's dist-info folder; conda
  // records each package in conda-meta. Both give component versions, not the release's.
  for (const std::string& name : ctx.fs.ListDir(root / "dist-info")) {
    if (auto d = util::ParseDistInfoName(name))
      tk.components[ComponentName(d->project)] = d->version;
  }
  for (const std::string& name : ctx.fs.ListDir(root / "conda-meta")) {
    auto rec = CondaRecordName(name);
    if (rec && rec->first.starts_with("cuda-")) tk.components[rec->first] = rec->second;
  }
  // The release itself (major.minor) is what cuda.h says; conda's cuda-version package,
  // where present, says the same.
  for (const fs::path& inc : IncludeDirs(ctx, root)) {
    auto header = ctx.fs.ReadFile(inc / "cuda.h", 64u << 10);  // CUDA_VERSION is near the top
    if (!header) continue;
    if ((tk.version = util::VersionFromHeader("cuda", *header))) {
      tk.version_source = (inc / "cuda.h").string() + " CUDA_VERSION";
      return;
    }
  }
  if (auto it = tk.components.find("cuda-version"); it != tk.components.end()) {
    tk.version = it->second;
    tk.version_source = (root / "conda-meta").string() + " cuda-version";
  }
}

// The gcc limit of its nvcc: include/crt/host_config.h (include/host_config.h before CUDA 9).
void ReadHostConfig(const ProbeContext& ctx, model::Toolkit& tk) {
  for (const fs::path& inc : IncludeDirs(ctx, tk.root)) {
    for (const char* name : {"crt/host_config.h", "host_config.h"}) {
      auto text = ctx.fs.ReadFile(inc / name, 1u << 20);
      if (!text) continue;
      if (auto gcc = util::HostConfigNewestGcc(*text)) {
        tk.newest_gcc = gcc;
        tk.host_config = (inc / name).string();
        return;
      }
    }
  }
}

}  // namespace

std::optional<std::string> FindNvccOnPath(const ProbeContext& ctx) {
  for (const std::string& dir : ctx.env.GetList("PATH")) {
    if (!fs::path(dir).is_absolute()) continue;  // a relative entry depends on the caller's cwd
    const fs::path nvcc = fs::path(dir) / "nvcc";
    if (ctx.fs.IsRegularFile(nvcc)) return nvcc.string();
  }
  return std::nullopt;
}

void ProbeToolkits(const ProbeContext& ctx, model::Snapshot& snapshot) {
  // Candidates in the order a user would name them; the first way a folder is found is
  // listed first in found_via.
  std::vector<std::pair<fs::path, std::string>> candidates;
  candidates.push_back({"/usr/local/cuda", "/usr/local/cuda"});
  for (const std::string& name : ctx.fs.ListDir("/usr/local")) {
    if (name.starts_with("cuda-"))
      candidates.push_back({fs::path("/usr/local") / name, "/usr/local/" + name});
  }
  for (const char* var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT", "CUDA_TOOLKIT_ROOT_DIR"}) {
    if (auto v = ctx.env.Get(var); v && fs::path(*v).is_absolute()) candidates.push_back({*v, var});
  }
  const auto nvcc = FindNvccOnPath(ctx);
  std::optional<fs::path> nvcc_root;
  if (nvcc) {
    nvcc_root = ctx.fs.Canonical(*nvcc).parent_path().parent_path();
    candidates.push_back({*nvcc_root, "PATH"});
  }
  if (auto prefix = ctx.env.Get("CONDA_PREFIX"); prefix && fs::path(*prefix).is_absolute()) {
    bool conda_cuda = ctx.fs.IsRegularFile(fs::path(*prefix) / "bin/nvcc");
    for (const std::string& name : ctx.fs.ListDir(fs::path(*prefix) / "conda-meta")) {
      conda_cuda = conda_cuda || name.starts_with("cuda-");
    }
    if (conda_cuda) candidates.push_back({*prefix, "conda"});
  }

  std::vector<model::Toolkit>& toolkits = snapshot.toolkits;
  for (const auto& [path, via] : candidates) {
    if (!ctx.fs.IsDirectory(path) || !LooksLikeToolkit(ctx, path)) continue;
    const std::string real = ctx.fs.Canonical(path).string();
    auto it = std::find_if(toolkits.begin(), toolkits.end(),
                           [&](const auto& t) { return t.root == real; });
    if (it == toolkits.end()) {
      it = toolkits.insert(toolkits.end(), model::Toolkit{});
      it->root = real;
      ReadVersion(ctx, *it);
      ReadHostConfig(ctx, *it);
      if (ctx.fs.IsRegularFile(fs::path(real) / "bin/nvcc"))
        it->nvcc_path = (fs::path(real) / "bin/nvcc").string();
    }
    if (std::find(it->found_via.begin(), it->found_via.end(), via) == it->found_via.end())
      it->found_via.push_back(via);
    if (nvcc_root && real == nvcc_root->string()) {
      it->nvcc_on_path = true;
      it->nvcc_path = *nvcc;
    }
  }
}

}  // namespace dlenv::probe
