#include "probe/extensions.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "knowledge/frameworks.h"
#include "util/build_label.h"
#include "util/cxx_abi.h"
#include "util/elf.h"
#include "util/elf_symbols.h"
#include "util/fatbin.h"
#include "util/json_read.h"
#include "util/metadata.h"
#include "util/pep508.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxObjectsPerPackage = 32;
constexpr std::size_t kMaxMissingListed = 8;

// torch's libraries: libc10.so, libc10_cuda.so, libtorch.so, libtorch_cpu.so, libtorch_python.so...
bool IsTorchLibrary(std::string_view soname) {
  return soname.starts_with("libc10") || soname.starts_with("libtorch");
}

// Symbols an extension takes from torch: its C++ namespaces (c10, at, torch, caffe2) and the
// C functions of its stable ABI (aoti_torch_*, torch_*).
bool IsTorchSymbol(std::string_view s) {
  for (std::string_view p : {"_ZN3c10", "_ZNK3c10", "_ZN2at", "_ZNK2at", "_ZN5torch", "_ZNK5torch",
                             "_ZN6caffe2", "_ZNK6caffe2", "aoti_torch_", "torch_"}) {
    if (s.starts_with(p)) return true;
  }
  return false;
}

using Library = util::SharedObject;

/// The std::string ABI torch's libraries export: libc10's interface takes std::string in many
/// places, so a C++11-ABI build exports "St7__cxx11" names and an old-ABI build none.
std::string FrameworkStringAbi(const std::vector<const Library*>& libs) {
  if (libs.empty()) return "";
  for (const auto* lib : libs) {
    if (lib->symbols.ExportsAnyContaining("St7__cxx11"))
      return util::StringAbiName(util::StringAbi::kCxx11);
  }
  return util::StringAbiName(util::StringAbi::kPreCxx11);
}

/// The library a DT_NEEDED entry names, in the framework's folder; nullptr when absent.
const Library* OpenLibrary(const ProbeContext& ctx, const fs::path& dir, const std::string& soname,
                           std::map<std::string, std::unique_ptr<Library>>& cache) {
  auto [it, inserted] = cache.try_emplace(soname);
  if (!inserted) return it->second.get();
  fs::path path = dir / soname;
  if (!ctx.fs.IsRegularFile(path)) {
    // A distribution's copy carries its version in the file name (libc10.so.1.13).
    path.clear();
    for (const auto& name : ctx.fs.ListDir(dir)) {
      if (name.starts_with(soname + ".")) {
        path = dir / name;
        break;
      }
    }
    if (path.empty()) return nullptr;
  }
  std::string error;
  auto object = util::OpenSharedObject(ctx.fs.Resolve(path), &error);
  if (!object) return nullptr;
  it->second = std::make_unique<Library>(std::move(*object));
  return it->second.get();
}

model::CompiledExtension Check(const ProbeContext& ctx, const fs::path& object,
                               const fs::path& lib_dir,
                               std::map<std::string, std::unique_ptr<Library>>& cache) {
  model::CompiledExtension e;
  e.path = object.string();
  std::string error;
  auto file = util::MappedFile::Open(ctx.fs.Resolve(object), &error);
  if (!file) {
    e.problem = fmt::format("{}: {}", e.path, error);
    return e;
  }
  auto elf = util::ParseElf(file->bytes());
  if (!elf.info) {
    e.problem = fmt::format("{}: {}", e.path, elf.error);
    return e;
  }
  std::vector<const Library*> libs;
  for (const auto& needed : elf.info->dynamic.needed) {
    if (IsTorchLibrary(needed)) {
      e.framework_libraries.push_back(needed);
      if (const auto* lib = OpenLibrary(ctx, lib_dir, needed, cache)) {
        libs.push_back(lib);
      } else {
        e.problem = fmt::format("{} not found in {}", needed, lib_dir.string());
      }
    }
    if (needed.starts_with("libcudart.so.")) {
      try {
        e.cuda_runtime_major = std::stoi(needed.substr(13));
      } catch (const std::exception&) {
      }
    }
  }
  // Objects that do not link the framework cost their headers only: no fatbin, no symbols.
  if (e.framework_libraries.empty()) return e;
  if (const auto* section = elf.info->FindSection(".nv_fatbin"))
    e.cuda_archs = util::ParseFatbin(util::SectionBytes(file->bytes(), *section)).ArchNames();
  auto symbols = util::DynamicSymbols::Read(file->bytes(), *elf.info, &error);
  if (!symbols) {
    e.problem = fmt::format("{}: {}", e.path, error);
    return e;
  }
  int cxx11 = 0, pre_cxx11 = 0;  // missing symbols that take each std::string
  for (const auto& name : symbols->Undefined()) {
    if (!IsTorchSymbol(name)) continue;
    ++e.framework_symbols;
    bool found = false;
    for (const auto* lib : libs) {
      if (lib->symbols.Exports(name)) {
        found = true;
        break;
      }
    }
    if (found) continue;
    ++e.missing_count;
    if (e.missing_symbols.size() < kMaxMissingListed) e.missing_symbols.push_back(name);
    const auto abi = util::StringAbiOf(name);
    cxx11 += abi == util::StringAbi::kCxx11;
    pre_cxx11 += abi == util::StringAbi::kPreCxx11;
  }
  if (cxx11 + pre_cxx11 > 0 && (cxx11 == 0 || pre_cxx11 == 0)) {
    e.string_abi =
        util::StringAbiName(cxx11 > 0 ? util::StringAbi::kCxx11 : util::StringAbi::kPreCxx11);
    e.framework_string_abi = FrameworkStringAbi(libs);
  }
  return e;
}

/// The RECORD rows that name a shared object or a build-info file. Only those lines are parsed:
/// tensorflow's RECORD lists some 10,000 files, and parsing every row of every package was
/// most of this pass's time.
std::vector<util::RecordEntry> ObjectEntries(std::string_view text) {
  std::vector<util::RecordEntry> out;
  for (std::string_view line : util::Lines(text)) {
    if (line.find(".so") == std::string_view::npos &&
        line.find("cpp_lib.json") == std::string_view::npos)
      continue;
    for (auto& e : util::ParseRecord(line)) out.push_back(std::move(e));
  }
  return out;
}

/// A package whose files cannot link torch: the framework's own distributions, NVIDIA's
/// library wheels.
bool NeverLinks(const model::PackageRecord& p, const knowledge::FrameworkIdentity& f) {
  return f.IsDistribution(p.name) || p.normalized_name.starts_with("nvidia-");
}

/// The torch release a package records being built for: its build info (xformers'
/// cpp_lib.json: {"version": {"torch": "2.10.0+cu128", ...}}), an exact pin in its
/// Requires-Dist (torch==2.13.0), or its local label (PyG's +pt23cu121).
void ReadExpected(const ProbeContext& ctx, const model::PackageRecord& p, const fs::path& site,
                  const std::vector<util::RecordEntry>& record,
                  const knowledge::FrameworkIdentity& f, model::CompiledExtension& e) {
  for (const auto& entry : record) {
    if (fs::path(entry.path).filename() != "cpp_lib.json" ||
        entry.path.find("..") != std::string::npos)
      continue;
    auto text = ctx.fs.ReadFile(site / entry.path, 1u << 20);
    if (!text) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("version")) continue;
    if (auto torch = util::JsonString(j["version"], f.id)) {
      e.expected_framework = *torch;
      e.expected_source = entry.path;
      return;
    }
  }
  for (const auto& line : p.requires_dist) {
    auto req = util::ParseRequirement(line);
    if (!req || !f.IsDistribution(req->name)) continue;
    if (req->marker && req->marker->ToString().find("extra") != std::string::npos) continue;
    for (const auto& spec : req->specifier.specifiers()) {
      if (spec.op != "==" || spec.version.find('*') != std::string::npos) continue;
      e.expected_framework = spec.version;
      e.expected_source = "Requires-Dist: " + req->ToString();
      return;
    }
  }
  if (auto label = util::ParseBuildLabel(p.version); label && label->torch) {
    e.expected_framework = *label->torch;
    e.expected_source = "local version label +" + label->label;
  }
}

}  // namespace

model::CompiledExtension CheckExtension(const ProbeContext& ctx, const fs::path& object,
                                        const fs::path& lib_dir) {
  std::map<std::string, std::unique_ptr<Library>> cache;
  return Check(ctx, object, lib_dir, cache);
}

std::vector<model::CompiledExtension> ReadCompiledExtensions(const ProbeContext& ctx,
                                                             const model::PythonEnv& env) {
  std::vector<model::CompiledExtension> out;
  const auto* torch = knowledge::Frameworks().Find(knowledge::kTorch);
  if (!torch) return out;
  const model::PackageRecord* framework = nullptr;
  for (const auto& p : env.packages) {
    if (!p.shadowed && torch->IsDistribution(p.name)) framework = &p;
  }
  fs::path lib_dir;
  for (const auto& site : env.site_packages) {
    fs::path candidate = fs::path(site) / torch->import_names.front() / "lib";
    if (ctx.fs.IsRegularFile(candidate / "libc10.so")) {
      lib_dir = candidate;
      break;
    }
  }
  if (!framework || lib_dir.empty()) return out;
  std::map<std::string, std::unique_ptr<Library>> cache;
  for (const auto& p : env.packages) {
    // Every package is read, not only those that declare torch: apex, mmcv and a local build
    // link torch without saying so in their metadata. An object that does not name torch's
    // libraries in DT_NEEDED costs its ELF headers.
    if (p.shadowed || p.record_kind != "dist-info" || NeverLinks(p, *torch)) continue;
    fs::path dist_info(p.record_path);
    auto text = ctx.fs.ReadFile(dist_info / "RECORD", 8u << 20);
    if (!text) continue;
    const auto record = ObjectEntries(*text);
    std::size_t objects = 0;
    std::size_t first = out.size();
    for (const auto& entry : record) {
      fs::path rel(entry.path);
      const std::string name = rel.filename().string();
      if (!(name.ends_with(".so") || name.find(".so.") != std::string::npos)) continue;
      if (entry.path.find("..") != std::string::npos || ++objects > kMaxObjectsPerPackage) continue;
      fs::path object = dist_info.parent_path() / rel;
      if (!ctx.fs.IsRegularFile(object)) continue;
      auto e = Check(ctx, object, lib_dir, cache);
      if (e.framework_libraries.empty()) continue;
      e.package = p.name;
      e.package_version = p.version;
      e.framework = torch->id;
      e.framework_package = framework->name;
      e.framework_version = framework->version;
      out.push_back(std::move(e));
    }
    if (out.size() == first) continue;
    model::CompiledExtension expected;
    ReadExpected(ctx, p, dist_info.parent_path(), record, *torch, expected);
    for (std::size_t i = first; i < out.size(); ++i) {
      out[i].expected_framework = expected.expected_framework;
      out[i].expected_source = expected.expected_source;
    }
  }
  return out;
}

std::vector<model::CudaLibraryVariants> ReadCudaLibraryVariants(const ProbeContext& ctx,
                                                                const model::PythonEnv& env) {
  std::vector<model::CudaLibraryVariants> out;
  for (const auto& p : env.packages) {
    if (p.shadowed || p.record_kind != "dist-info") continue;
    const auto of = knowledge::Frameworks().FindCompanion(p.name);
    if (!of || !of->companion->cuda_library) continue;
    const auto& choice = *of->companion->cuda_library;
    const fs::path dist_info(p.record_path);
    auto text = ctx.fs.ReadFile(dist_info / "RECORD", 8u << 20);
    if (!text) continue;
    model::CudaLibraryVariants v;
    v.package = p.name;
    v.version = p.version;
    const fs::path prefix(choice.path_prefix);
    v.directory = (dist_info.parent_path() / prefix.parent_path()).string();
    v.file_prefix = prefix.filename().string();
    v.override_variable = choice.override_variable;
    v.override_value = ctx.env.Get(choice.override_variable);
    for (std::string_view line : util::Lines(*text)) {
      if (!line.starts_with(choice.path_prefix)) continue;
      const std::string_view rest = line.substr(choice.path_prefix.size());
      const auto digits = rest.find_first_not_of("0123456789");
      if (digits == 0 || digits == std::string_view::npos ||
          !rest.substr(digits).starts_with(".so,"))
        continue;
      v.variants.emplace_back(rest.substr(0, digits));
    }
    std::sort(v.variants.begin(), v.variants.end());
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace dlenv::probe
