#include "probe/frameworks_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "util/fatbin.h"
#include "util/strings.h"

namespace dlenv::probe::frameworks_files {

namespace fs = std::filesystem;

// --- package records -------------------------------------------------------------------

// PEP 503 normalisation (runs of -_. become one -, lower case).
std::string NormalizeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (out.empty() || out.back() != '-') out.push_back('-');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

const model::PackageRecord* FindPackage(const model::PythonEnv& env, std::string_view name) {
  std::string want = NormalizeName(name);
  for (const auto& p : env.packages) {
    if ((p.normalized_name.empty() ? NormalizeName(p.name) : p.normalized_name) == want) return &p;
  }
  return nullptr;
}

/// The distribution name a PEP 508 requirement starts with ("nvidia-cudnn-cu12==9.1.0.70; ...").
std::string RequirementName(std::string_view req) {
  std::size_t end = 0;
  while (end < req.size() && (std::isalnum(static_cast<unsigned char>(req[end])) ||
                              req[end] == '-' || req[end] == '_' || req[end] == '.')) {
    ++end;
  }
  return NormalizeName(req.substr(0, end));
}

/// The exact pin of a requirement (`==9.1.0.70`), if it has one.
std::optional<std::string> RequirementPin(std::string_view req) {
  auto at = req.find("==");
  if (at == std::string_view::npos || req.substr(at).starts_with("===")) return std::nullopt;
  std::size_t end = at + 2;
  while (end < req.size() && req[end] != ',' && req[end] != ';' && req[end] != ' ' &&
         req[end] != ')')
    ++end;
  std::string pin(req.substr(at + 2, end - at - 2));
  // "==9.*" is a range, not a version a library can be compared with.
  if (pin.empty() || pin.find('*') != std::string::npos) return std::nullopt;
  return pin;
}

// Python versions are PEP 440 (util/pep440.h, owned by the environment probe); the facts here
// only need the leading release numbers ("2.3.1+cu121" -> 2.3.1), which DottedVersion orders.
std::optional<util::DottedVersion> ReleaseOf(std::string_view version) {
  std::size_t end = 0;
  while (end < version.size() &&
         (std::isdigit(static_cast<unsigned char>(version[end])) || version[end] == '.'))
    ++end;
  while (end > 0 && version[end - 1] == '.') --end;
  return util::DottedVersion::Parse(version.substr(0, end));
}

bool AtLeast(std::string_view version, std::string_view floor) {
  auto v = ReleaseOf(version);
  auto f = util::DottedVersion::Parse(floor);
  return v && f && *v >= *f;
}

// --- files -----------------------------------------------------------------------------

std::optional<ObjectFacts> ReadObject(const ProbeContext& ctx, const fs::path& path) {
  if (!ctx.fs.IsRegularFile(path)) return std::nullopt;
  ObjectFacts facts;
  facts.path = path;
  std::string error;
  auto file = util::MappedFile::Open(ctx.fs.Resolve(path), &error);
  if (!file) {
    facts.problem = fmt::format("{}: {}", path.string(), error);
    return facts;
  }
  auto elf = util::ParseElf(file->bytes());
  if (!elf.info) {
    facts.problem = fmt::format("{}: {}", path.string(), elf.error);
    return facts;
  }
  facts.dynamic = elf.info->dynamic;
  if (const auto* section = elf.info->FindSection(".nv_fatbin")) {
    facts.has_fatbin = true;
    auto contents = util::ParseFatbin(util::SectionBytes(file->bytes(), *section));
    facts.arches = contents.ArchNames();
    if (!contents.problem.empty())
      facts.problem = fmt::format("{}: {}", path.string(), contents.problem);
  }
  return facts;
}

std::optional<util::PyModuleLiterals> ReadPyLiterals(const ProbeContext& ctx, const fs::path& path,
                                                     std::vector<std::string>* skipped) {
  // Generated files are a few kilobytes; a huge one is not what we think it is.
  util::FileRead read = ctx.fs.Read(path, 1u << 20);
  if (!read.skipped.empty() && skipped) skipped->push_back(path.string() + ": " + read.skipped);
  if (!read.data) return std::nullopt;
  return util::ParsePyLiterals(*read.data);
}

/// Only these families are CUDA libraries a framework brings or needs; libcuda.so.1 and
/// libnvidia-ml.so.1 belong to the driver and are checked by the driver rules.
bool IsCudaLibrary(std::string_view soname) {
  static constexpr std::string_view kPrefixes[] = {
      "libcudart.so",  "libcublas.so",      "libcublasLt.so", "libcudnn",         "libcufft.so",
      "libcurand.so",  "libcusolver.so",    "libcusparse.so", "libcusparseLt.so", "libnccl.so",
      "libnvrtc.so",   "libnvJitLink.so",   "libcupti.so",    "libnvToolsExt.so", "libcufile.so",
      "libnvinfer.so", "libnvshmem_host.so"};
  for (auto p : kPrefixes) {
    if (soname.starts_with(p)) return true;
  }
  return false;
}

void AddArches(model::FrameworkBuild& build, const ObjectFacts& object) {
  if (!object.has_fatbin) return;
  std::set<std::string> merged(build.cuda_archs.begin(), build.cuda_archs.end());
  merged.insert(object.arches.begin(), object.arches.end());
  build.cuda_archs.assign(merged.begin(), merged.end());
  // Sort as ArchNames does: by number, SASS before PTX.
  auto key = [](const std::string& a) {
    auto digits = a.substr(a.find('_') + 1);
    return std::pair(util::ParseInt(digits).value_or(0), a.starts_with("compute_"));
  };
  std::sort(build.cuda_archs.begin(), build.cuda_archs.end(),
            [&](const auto& a, const auto& b) { return key(a) < key(b); });
  build.archs_source = build.archs_source ? *build.archs_source + ", " + object.path.string()
                                          : ".nv_fatbin of " + object.path.string();
}

}  // namespace dlenv::probe::frameworks_files
