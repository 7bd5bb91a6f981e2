#include "probe/libraries.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "util/cuda_headers.h"
#include "util/dotted_version.h"
#include "util/ldcache.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTracked[] = {"cudart", "cublas",  "cublasLt", "cudnn",    "nccl",
                                         "nvrtc",  "nvinfer", "cuda",     "nvidia-ml"};

// Where each family states its version in text, and which pip project ships it.
struct FamilySources {
  std::vector<std::string_view> headers;
  std::string_view header_family;
  std::vector<std::string_view> dist_projects;  // dist-info folder name prefixes
};

FamilySources SourcesFor(std::string_view family) {
  if (family.starts_with("cudnn")) {
    return {{"cudnn_version.h", "cudnn_version_v9.h", "cudnn_version_v8.h", "cudnn.h"},
            "cudnn",
            {"nvidia_cudnn"}};
  }
  if (family.starts_with("cublas")) return {{"cublas_api.h"}, "cublas", {"nvidia_cublas"}};
  if (family == "nccl") return {{"nccl.h"}, "nccl", {"nvidia_nccl"}};
  if (family == "nvinfer")
    return {{"NvInferVersion.h"}, "nvinfer", {"tensorrt_cu", "tensorrt_libs", "nvidia_tensorrt"}};
  if (family == "cudart") return {{"cuda_runtime_api.h"}, "cudart", {"nvidia_cuda_runtime"}};
  if (family == "nvrtc") return {{}, "", {"nvidia_cuda_nvrtc"}};
  if (family == "cuda") return {{"cuda.h"}, "cuda", {}};  // the toolkit's stub only
  return {};
}

bool IsVersionSuffix(std::string_view s) {
  // ".13", ".12.0.146": dot-separated digits.
  if (s.empty()) return true;
  if (s.front() != '.') return false;
  for (const auto& part : util::Split(s.substr(1), '.', /*keep_empty=*/true)) {
    if (part.empty() || !std::all_of(part.begin(), part.end(), ::isdigit)) return false;
  }
  return true;
}

// The numeric parts after ".so" in a file name: libnccl.so.2.28.9 -> "2.28.9".
std::string SoVersion(std::string_view name) {
  const auto so = name.find(".so");
  return so == std::string_view::npos || so + 4 > name.size() ? std::string()
                                                              : std::string(name.substr(so + 4));
}

bool IsStub(const std::string& path) { return path.find("/stubs/") != std::string::npos; }

struct Found {
  model::LibraryCopy copy;
  std::string soname;  // libcudart.so.13; empty for an unversioned file alone
};

class Collector {
 public:
  explicit Collector(const ProbeContext& ctx) : ctx_(ctx) {}

  /// A file the loader could map; `soname` is the name it would be asked for.
  void Add(const fs::path& path, const std::string& soname, std::string_view via) {
    auto family = LibraryFamily(path.filename().string());
    if (!family || !ctx_.fs.IsRegularFile(path)) return;
    const std::string real = ctx_.fs.Canonical(path).string();
    auto [it, inserted] = by_real_.try_emplace(real, found_.size());
    if (inserted) {
      Found f;
      f.copy.family = *family;
      f.copy.path = path.string();
      if (real != f.copy.path) f.copy.real_path = real;
      f.copy.found_via = std::string(via);
      f.copy.is_stub = IsStub(f.copy.path) || IsStub(real);
      f.soname = soname;
      found_.push_back(std::move(f));
    } else if (found_[it->second].soname.empty()) {
      found_[it->second].soname = soname;
    }
    // The first loader-visible route to a soname is the one dlopen takes.
    if (via != kToolkit && !soname.empty() && picked_.try_emplace(soname, it->second).second) {
      found_[it->second].copy.loader_first = true;
    }
  }

  /// Every tracked library in a folder, grouped by the file its links lead to, so that
  /// libcudart.so.12 and libcudart.so.13 side by side stay two copies with two sonames.
  void AddFolder(const fs::path& dir, std::string_view via) {
    // On merged-/usr systems /lib/x86_64-linux-gnu is /usr/lib/x86_64-linux-gnu: list each
    // real folder once (listing 2000-entry system folders is most of this probe's cost).
    // What a second route to a folder finds, the first already recorded with priority.
    if (!scanned_.insert(ctx_.fs.Canonical(dir).string()).second) return;
    std::map<std::string, std::vector<std::string>> names_by_file;
    for (const std::string& name : ctx_.fs.ListDir(dir)) {
      if (LibraryFamily(name) && ctx_.fs.IsRegularFile(dir / name)) {
        names_by_file[ctx_.fs.Canonical(dir / name).string()].push_back(name);
      }
    }
    for (auto& [real, names] : names_by_file) {
      // The soname is the shortest versioned name (libcudart.so.13 beside .so.13.0.96);
      // where only libX.so exists (the toolkit's stubs), that is the name dlopen finds.
      std::sort(names.begin(), names.end(),
                [](const auto& a, const auto& b) { return a.size() < b.size(); });
      auto soname = std::find_if(names.begin(), names.end(),
                                 [](const auto& n) { return !SoVersion(n).empty(); });
      if (soname == names.end()) soname = names.begin();
      std::rotate(names.begin(), soname, soname + 1);  // the soname's path names the copy
      for (std::size_t i = 0; i < names.size(); ++i)
        Add(dir / names[i], i == 0 ? names[0] : std::string(), via);
    }
  }

  std::vector<Found>& found() { return found_; }
  static constexpr std::string_view kToolkit = "toolkit";

 private:
  const ProbeContext& ctx_;
  std::vector<Found> found_;
  std::map<std::string, std::size_t> by_real_;
  std::map<std::string, std::size_t> picked_;
  std::set<std::string> scanned_;
};

std::vector<fs::path> HeaderDirsFor(const fs::path& lib_dir) {
  std::vector<fs::path> dirs = {lib_dir.parent_path() / "include"};
  if (lib_dir.filename() == "stubs")
    dirs.push_back(lib_dir.parent_path().parent_path() / "include");
  // Debian's multiarch layout: /usr/lib/x86_64-linux-gnu -> /usr/include and
  // /usr/include/x86_64-linux-gnu.
  const std::string leaf = lib_dir.filename().string();
  if (leaf.find("-linux-gnu") != std::string::npos) {
    const fs::path usr = lib_dir.parent_path().parent_path();
    dirs.push_back(usr / "include" / leaf);
    dirs.push_back(usr / "include");
  }
  return dirs;
}

std::vector<fs::path> DistInfoDirsFor(const fs::path& lib_dir) {
  // <toolkit>/lib -> <toolkit>/dist-info (a toolkit assembled from wheels);
  // site-packages/nvidia/<component>/lib -> site-packages (pip's own layout).
  return {lib_dir.parent_path() / "dist-info", lib_dir.parent_path().parent_path().parent_path()};
}

int SonameMajor(const Found& f) {
  const std::string v =
      SoVersion(fs::path(f.copy.real_path.value_or(f.copy.path)).filename().string());
  auto parsed = util::DottedVersion::Parse(v.empty() ? SoVersion(f.soname) : v);
  return parsed ? parsed->major() : -1;
}

void StaticVersion(const ProbeContext& ctx, Found& f) {
  model::LibraryCopy& c = f.copy;
  // Look beside the file the links lead to first (a /usr/local/lib link into a toolkit
  // is described by the toolkit's headers), then beside the name the loader uses.
  std::vector<fs::path> lib_dirs = {fs::path(c.real_path.value_or(c.path)).parent_path()};
  if (fs::path(c.path).parent_path() != lib_dirs[0])
    lib_dirs.push_back(fs::path(c.path).parent_path());
  std::vector<fs::path> header_dirs, dist_dirs;
  for (const fs::path& d : lib_dirs) {
    for (auto& h : HeaderDirsFor(d)) header_dirs.push_back(h);
    for (auto& h : DistInfoDirsFor(d)) dist_dirs.push_back(h);
  }
  // libnccl.so.2.28.9, libcudart.so.12.0.146: the real file's name is the version.
  const std::string file_version =
      SoVersion(fs::path(c.real_path.value_or(c.path)).filename().string());
  const bool exact_file_name = std::count(file_version.begin(), file_version.end(), '.') >= 2;
  const FamilySources src = SourcesFor(c.family);
  const int major = SonameMajor(f);

  std::optional<std::string> header_version, header_path;
  for (const fs::path& dir : header_dirs) {
    for (std::string_view name : src.headers) {
      // Version macros sit near the top of every header (cuda.h: line 263 of 1.1 MB), and
      // reading whole headers was most of this probe's time.
      auto text = ctx.fs.ReadFile(dir / name, 64u << 10);
      if (!text) continue;
      auto v = util::VersionFromHeader(src.header_family, *text);
      auto parsed = v ? util::DottedVersion::Parse(*v) : std::nullopt;
      // A header of another major release sits beside this copy: it describes another one.
      if (!parsed || (major >= 0 && c.family != "cuda" && parsed->major() != major)) continue;
      header_version = v;
      header_path = (dir / name).string();
      break;
    }
    if (header_version) break;
  }
  auto header_parts = header_version ? util::DottedVersion::Parse(*header_version)->size() : 0;
  if (header_version && header_parts >= 3) {
    c.version = header_version;
    c.version_source = "header " + *header_path;
    return;
  }
  if (exact_file_name) {
    c.version = file_version;
    c.version_source = "file name";
    return;
  }
  for (const fs::path& dir : dist_dirs) {
    for (const std::string& name : ctx.fs.ListDir(dir)) {
      auto d = util::ParseDistInfoName(name);
      if (!d) continue;
      const bool ours = std::any_of(src.dist_projects.begin(), src.dist_projects.end(),
                                    [&](std::string_view p) { return d->project.starts_with(p); });
      auto parsed = util::DottedVersion::Parse(d->version);
      if (!ours || !parsed || (major >= 0 && parsed->major() != major)) continue;
      c.version = d->version;
      c.version_source = "dist-info " + (dir / name).string();
      return;
    }
  }
  if (header_version) {
    c.version = header_version;
    c.version_source = "header " + *header_path;
  }
}

// The library's own version call, for a copy no file describes. It maps the library, so
// it runs in a child with the context's deadline: a broken copy cannot take dlenv down.
std::optional<std::string> AskLibrary(const ProbeContext& ctx, const model::LibraryCopy& c) {
  const std::string family = c.family;
  if (family != "cudart" && family != "cudnn" && family != "nccl" && family != "nvrtc" &&
      family != "nvinfer" && family != "cublas" && family != "cublasLt") {
    return std::nullopt;
  }
  const std::string path = ctx.fs.Resolve(c.real_path.value_or(c.path)).string();
  auto body = [&]() -> int {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) return 2;
    auto sym = [&](const char* name) { return dlsym(h, name); };
    if (family == "cudart") {
      auto f = reinterpret_cast<int (*)(int*)>(sym("cudaRuntimeGetVersion"));
      int v = 0;
      if (!f || f(&v) != 0) return 3;
      std::printf("%s", util::DottedVersion::FromCudaInt(v).ToString().c_str());
    } else if (family == "cudnn") {
      auto f = reinterpret_cast<std::size_t (*)()>(sym("cudnnGetVersion"));
      if (!f) return 3;
      const std::size_t v = f();
      // cuDNN 9 encodes major*10000, cuDNN 8 and older major*1000.
      const std::size_t major = v >= 90000 ? v / 10000 : v / 1000;
      const std::size_t rest = v >= 90000 ? v % 10000 : v % 1000;
      std::printf("%zu.%zu.%zu", major, rest / 100, rest % 100);
    } else if (family == "nccl") {
      auto f = reinterpret_cast<int (*)(int*)>(sym("ncclGetVersion"));
      int v = 0;
      if (!f || f(&v) != 0) return 3;
      // NCCL 2.9 moved from major*1000 to major*10000.
      const int major = v >= 20900 ? v / 10000 : v / 1000;
      const int rest = v >= 20900 ? v % 10000 : v % 1000;
      std::printf("%d.%d.%d", major, rest / 100, rest % 100);
    } else if (family == "nvrtc") {
      auto f = reinterpret_cast<int (*)(int*, int*)>(sym("nvrtcVersion"));
      int major = 0, minor = 0;
      if (!f || f(&major, &minor) != 0) return 3;
      std::printf("%d.%d", major, minor);
    } else if (family == "nvinfer") {
      auto f = reinterpret_cast<int (*)()>(sym("getInferLibVersion"));
      if (!f) return 3;
      const int v = f();
      const int major = v >= 100000 ? v / 10000 : v / 1000;  // TensorRT 10 widened the encoding
      const int rest = v >= 100000 ? v % 10000 : v % 1000;
      std::printf("%d.%d.%d", major, rest / 100, rest % 100);
    } else {
      // cublasGetProperty / cublasLtGetProperty(libraryPropertyType, int*): 0 major, 1 minor, 2
      // patch.
      auto f = reinterpret_cast<int (*)(int, int*)>(
          sym(family == "cublas" ? "cublasGetProperty" : "cublasLtGetProperty"));
      int v[3] = {};
      for (int i = 0; i < 3; ++i) {
        if (!f || f(i, &v[i]) != 0) return 3;
      }
      std::printf("%d.%d.%d", v[0], v[1], v[2]);
    }
    std::fflush(stdout);
    return 0;
  };
  util::ChildOptions options;
  options.deadline = ctx.driver_timeout;
  options.max_output_bytes = 256;
  util::ChildResult r = util::RunInChild(body, options);
  if (!r.ok() || !util::DottedVersion::Parse(util::Trim(r.out))) return std::nullopt;
  return std::string(util::Trim(r.out));
}

}  // namespace

std::optional<util::LdCache> ReadLoaderCache(const ProbeContext& ctx) {
  auto bytes = ctx.fs.ReadFile("/etc/ld.so.cache", 64u << 20);
  if (!bytes) return std::nullopt;
  auto parsed = util::ParseLdCache(*bytes);
  if (auto* cache = std::get_if<util::LdCache>(&parsed)) return std::move(*cache);
  return std::nullopt;
}

std::optional<std::string> LibraryFamily(std::string_view name) {
  if (!name.starts_with("lib")) return std::nullopt;
  const auto so = name.find(".so");
  if (so == std::string_view::npos || !IsVersionSuffix(name.substr(so + 3))) return std::nullopt;
  const std::string_view stem = name.substr(3, so - 3);
  if (std::find(std::begin(kTracked), std::end(kTracked), stem) != std::end(kTracked))
    return std::string(stem);
  // cuDNN 8 and 9 split into sub-libraries (ops, cnn, adv, graph, engines_*, heuristic).
  if (stem.starts_with("cudnn_") && stem.size() > 6) return std::string(stem);
  return std::nullopt;
}

void ProbeLibraries(const ProbeContext& ctx, model::Snapshot& snapshot) {
  Collector collector(ctx);
  // The loader's own order (ld.so(8)): LD_LIBRARY_PATH, then ld.so.cache, then the default
  // folders. DT_RUNPATH of the program asking is per-program and so not known here.
  for (const std::string& dir : ctx.env.GetList("LD_LIBRARY_PATH")) {
    if (fs::path(dir).is_absolute()) collector.AddFolder(dir, "LD_LIBRARY_PATH");
  }
  if (const auto cache = ReadLoaderCache(ctx)) {
    for (const auto& e : cache->entries) {
      if (!util::LdCacheFlagsMatchHost(e.flags) || !LibraryFamily(e.soname)) continue;
      collector.Add(e.path, e.soname, "ld.so.cache");
    }
  }
  for (const char* dir :
       {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}) {
    collector.AddFolder(dir, "default folder");
  }
  for (const model::Toolkit& tk : snapshot.toolkits) {
    const fs::path root = tk.root;
    for (const char* sub : {"lib64", "lib", "lib64/stubs", "lib/stubs"})
      collector.AddFolder(root / sub, Collector::kToolkit);
    for (const std::string& t : ctx.fs.ListDir(root / "targets")) {
      collector.AddFolder(root / "targets" / t / "lib", Collector::kToolkit);
      collector.AddFolder(root / "targets" / t / "lib/stubs", Collector::kToolkit);
    }
  }

  // Reported family by family in kTracked's order (cuDNN's sub-libraries after cuDNN);
  // within a family, in the loader's order.
  auto key = [](const Found& f) {
    const bool sub = f.copy.family.starts_with("cudnn_");
    const std::string_view base = sub ? std::string_view("cudnn") : std::string_view(f.copy.family);
    return std::pair(
        std::find(std::begin(kTracked), std::end(kTracked), base) - std::begin(kTracked), sub);
  };
  std::stable_sort(collector.found().begin(), collector.found().end(),
                   [&](const Found& a, const Found& b) { return key(a) < key(b); });
  for (Found& f : collector.found()) {
    StaticVersion(ctx, f);
    if (!f.copy.version && !f.copy.is_stub) {
      if ((f.copy.version = AskLibrary(ctx, f.copy))) f.copy.version_source = "library call";
    }
    snapshot.libraries.push_back(std::move(f.copy));
  }
}

}  // namespace dlenv::probe
