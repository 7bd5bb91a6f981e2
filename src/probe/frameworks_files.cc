#include "probe/frameworks_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
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

// --- TensorFlow's build_info ------------------------------------------------------------

// cuda_compute_capabilities in one spelling: older builds list "3.5"/"7.0", later ones
// "sm_35"/"compute_80".
std::vector<std::string> TensorFlowArchs(const util::PyValue& caps) {
  std::vector<std::string> archs;
  for (const auto& c : caps.items) {
    auto s = c.AsString();
    if (!s) continue;
    if (s->find('.') == std::string::npos) {
      archs.push_back(*s);
      continue;
    }
    std::string digits;
    for (char ch : *s) {
      if (ch != '.') digits.push_back(ch);
    }
    archs.push_back("sm_" + digits);
  }
  return archs;
}

// The sonames TensorFlow's DSO loader (stream_executor) asks for, from the CUDA and cuDNN it
// was built with.
std::vector<std::string> TensorFlowSonames(const std::string& cuda_version,
                                           const std::optional<std::string>& cudnn_version) {
  std::vector<std::string> sonames;
  if (auto cuda = util::DottedVersion::Parse(cuda_version)) {
    std::string runtime = cuda->major() <= 11 ? fmt::format("{}.{}", cuda->major(),
                                                            cuda->major() == 11 ? 0 : cuda->minor())
                                              : std::to_string(cuda->major());
    sonames.push_back("libcudart.so." + runtime);
    std::string blas = std::to_string(cuda->major() <= 10 ? 10 : cuda->major());
    sonames.push_back("libcublas.so." + blas);
    sonames.push_back("libcublasLt.so." + blas);
  }
  if (cudnn_version) {
    if (auto cudnn = util::DottedVersion::Parse(*cudnn_version))
      sonames.push_back(fmt::format("libcudnn.so.{}", cudnn->major()));
  }
  return sonames;
}

// --- NumPy ------------------------------------------------------------------------------

std::optional<std::string> NumpyAbiFromMetadata(const model::PackageRecord* p) {
  if (!p) return std::nullopt;
  for (const auto& req : p->requires_dist) {
    if (RequirementName(req) != "numpy") continue;
    std::string r;
    for (char c : req) {
      if (c != ' ') r.push_back(c);
    }
    if (r.find("<2,") != std::string::npos || r.find("<2.0") != std::string::npos ||
        r.ends_with("<2") || r.find("<2;") != std::string::npos) {
      return "1";
    }
    if (r.find(">=2") != std::string::npos) return "2";
  }
  return std::nullopt;
}

std::optional<model::FrameworkBuild> ReadNumpyBuild(const ProbeContext& ctx,
                                                    const model::PythonEnv& env,
                                                    std::vector<std::string>* skipped) {
  const auto* record = FindPackage(env, "numpy");
  std::optional<fs::path> site;
  for (const auto& dir : env.site_packages) {
    if (ctx.fs.Exists(fs::path(dir) / "numpy/version.py")) {
      site = fs::path(dir);
      break;
    }
  }
  if (!record && !site) return std::nullopt;
  model::FrameworkBuild b;
  b.name = "numpy";
  b.package = record ? record->name : "numpy";
  b.version = record ? record->version : "";
  if (site) {
    fs::path version_py = *site / "numpy/version.py";
    if (auto lit = ReadPyLiterals(ctx, version_py, skipped)) {
      for (const char* key : {"version", "__version__", "full_version"}) {
        if (auto v = lit->names[key].AsString()) {
          b.version = *v;
          b.evidence.push_back(version_py.string());
          break;
        }
      }
    }
  }
  if (b.version.empty() && site) {
    // NumPy < 2 built with versioneer computes version.py's values from _version.py, whose
    // one literal is a JSON document: version_json = '{"version": "1.24.2", ...}'.
    fs::path versioneer = *site / "numpy/_version.py";
    if (auto lit = ReadPyLiterals(ctx, versioneer, skipped)) {
      if (auto text = lit->names["version_json"].AsString()) {
        auto doc = nlohmann::json::parse(*text, nullptr, false);
        if (doc.is_object() && doc.contains("version") && doc["version"].is_string()) {
          b.version = doc["version"].get<std::string>();
          b.evidence.push_back(versioneer.string());
        }
      }
    }
  }
  if (auto v = ReleaseOf(b.version)) b.numpy_abi = std::to_string(v->major());
  return b;
}

}  // namespace dlenv::probe::frameworks_files
