#include "probe/host_compiler.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

std::optional<int> Digits(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

/// "x86_64-linux-gnu-gcc-12", "gcc-13", "g++-14", "gcc-12.2" -> the major; nullopt for "gcc".
std::optional<int> MajorFromName(std::string_view name) {
  const auto dash = name.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view v = name.substr(dash + 1);
  return Digits(v.substr(0, v.find('.')));
}

/// A compiler named by CC or NVCC_CCBIN: a path, or a name looked up on PATH.
std::optional<fs::path> Locate(const ProbeContext& ctx, const std::string& spec) {
  if (spec.empty() || spec.find(' ') != std::string::npos) return std::nullopt;
  if (spec.find('/') != std::string::npos) {
    if (!fs::path(spec).is_absolute()) return std::nullopt;
    // NVCC_CCBIN may name the folder that holds gcc.
    if (ctx.fs.IsDirectory(spec)) return Locate(ctx, (fs::path(spec) / "gcc").string());
    return ctx.fs.IsRegularFile(spec) ? std::optional<fs::path>(spec) : std::nullopt;
  }
  for (const std::string& dir : ctx.env.GetList("PATH")) {
    if (!fs::path(dir).is_absolute()) continue;
    if (ctx.fs.IsRegularFile(fs::path(dir) / spec)) return fs::path(dir) / spec;
  }
  return std::nullopt;
}

bool IsGcc(std::string_view name) {
  return name.find("clang") == std::string_view::npos &&
         (name.find("gcc") != std::string_view::npos ||
          name.find("g++") != std::string_view::npos || name == "cc" || name == "c++");
}

}  // namespace

void ProbeHostCompiler(const ProbeContext& ctx, model::Snapshot& snapshot) {
  model::HostCompiler hc;
  std::optional<fs::path> path;
  for (const char* var : {"CC", "NVCC_CCBIN"}) {
    auto v = ctx.env.Get(var);
    if (!v || v->empty()) continue;
    path = Locate(ctx, *v);
    hc.found_via = var;
    break;
  }
  if (hc.found_via.empty()) {
    path = Locate(ctx, "gcc");
    hc.found_via = "PATH";
  }
  if (!path) return;
  hc.path = path->string();
  const fs::path real = ctx.fs.Canonical(*path);
  hc.real_path = real.string();
  const std::string name = real.filename().string();
  if (!IsGcc(name) && !IsGcc(path->filename().string())) return;
  if (auto major = MajorFromName(name)) {
    hc.gcc_major = major;
    hc.version_source = "file name " + hc.real_path;
  } else {
    // gcc's own folder beside its bin/: lib/gcc/<triple>/<version>, one per installed major.
    std::set<int> majors;
    std::string seen;
    const fs::path lib = real.parent_path().parent_path() / "lib/gcc";
    for (const std::string& triple : ctx.fs.ListDir(lib)) {
      for (const std::string& version : ctx.fs.ListDir(lib / triple)) {
        if (auto m = Digits(std::string_view(version).substr(0, version.find('.')))) {
          majors.insert(*m);
          seen = (lib / triple / version).string();
        }
      }
    }
    if (majors.size() == 1) {
      hc.gcc_major = *majors.begin();
      hc.version_source = seen;
    }
  }
  // Other gcc majors on PATH (gcc-13 beside gcc-14): a fix can point nvcc at one of them.
  std::set<std::string> others;
  for (const std::string& dir : ctx.env.GetList("PATH")) {
    if (!fs::path(dir).is_absolute()) continue;
    for (const std::string& entry : ctx.fs.ListDir(dir)) {
      if (!entry.starts_with("g++-")) continue;
      auto m = MajorFromName(entry);
      if (m && m != hc.gcc_major && ctx.fs.IsRegularFile(fs::path(dir) / entry))
        others.insert((fs::path(dir) / entry).string());
    }
  }
  hc.other_gxx.assign(others.begin(), others.end());
  snapshot.host_compiler = std::move(hc);
}

void ProbeTorchArchList(const ProbeContext& ctx, model::Snapshot& snapshot) {
  if (auto v = ctx.env.Get("TORCH_CUDA_ARCH_LIST"); v && !v->empty())
    snapshot.torch_cuda_arch_list = *v;
}

}  // namespace dlenv::probe
