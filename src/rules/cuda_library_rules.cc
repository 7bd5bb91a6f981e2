#include "rules/cuda_library_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "knowledge/frameworks.h"
#include "util/dotted_version.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

/// "132" -> {13, 2}, as bitsandbytes splits them (_split_cuda_version: two digits of major).
std::optional<std::pair<int, int>> Split(const std::string& v) {
  if (v.size() < 3 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::pair{std::stoi(v.substr(0, 2)), std::stoi(v.substr(2, 3))};
}

std::string Dotted(const std::string& v) {
  auto s = Split(v);
  return s ? fmt::format("{}.{}", s->first, s->second) : v;
}

std::string Shipped(const model::CudaLibraryVariants& v) {
  std::vector<std::string> dotted;
  for (const auto& x : v.variants) dotted.push_back(Dotted(x));
  return dotted.empty() ? "none" : util::Join(dotted, ", ");
}

std::string LibraryPath(const model::CudaLibraryVariants& v, const std::string& variant) {
  return fmt::format("{}/{}{}.so", v.directory, v.file_prefix, variant);
}

/// The variable set: what the package then loads, against the framework's CUDA.
void Override(const model::PythonEnv& env, const model::CudaLibraryVariants& v,
              const model::FrameworkBuild& torch, int major, int minor, std::vector<Finding>& out) {
  const bool fallback = SameMajorFallback(v);
  const std::string& value = *v.override_value;
  const std::string unset = fmt::format("unset {}", v.override_variable);
  const std::string who = fmt::format("{} {} in {}", v.package, v.version, env.prefix);
  const auto digits = Split(value);
  if (!digits) {
    // Up to 0.49 an empty value was the documented way to switch the override off.
    if (!fallback && value.empty()) return;
    out.push_back({"companion.cuda_library_override", Severity::kError,
                   fmt::format("{}='{}' is not a CUDA release {} can load", v.override_variable,
                               value, v.package),
                   fmt::format("{}: {}", who,
                               fallback ? fmt::format("it raises \"{}='{}': value must be digits "
                                                      "only (e.g. '124' for 12.4).\" and runs "
                                                      "without its CUDA library",
                                                      v.override_variable, value)
                                        : fmt::format("it looks for {}, which does not exist",
                                                      LibraryPath(v, value))),
                   unset});
    return;
  }
  const bool shipped = std::find(v.variants.begin(), v.variants.end(), value) != v.variants.end();
  if (shipped && digits->first == major && digits->second == minor) return;
  const std::string evidence = fmt::format(
      "{}: {}={} makes it load {}; torch {} is a CUDA {}.{} build; it ships "
      "libraries for CUDA {}",
      who, v.override_variable, value, LibraryPath(v, value), torch.version, major, minor,
      Shipped(v));
  if (!shipped || digits->first != major) {
    out.push_back(
        {"companion.cuda_library_override", Severity::kError,
         fmt::format("{}={} makes {} load a CUDA {} library {} torch's CUDA {}.{}",
                     v.override_variable, value, v.package, Dotted(value),
                     shipped ? "that cannot run beside" : "it does not ship, beside", major, minor),
         evidence + (shipped ? fmt::format("; that library needs libcudart.so.{}, torch brings "
                                           "libcudart.so.{}",
                                           digits->first, major)
                             : ""),
         unset});
    return;
  }
  out.push_back({"companion.cuda_library_override", Severity::kWarning,
                 fmt::format("{}={} overrides {}'s choice of library for torch's CUDA {}.{}",
                             v.override_variable, value, v.package, major, minor),
                 evidence + "; a leftover of another setup, if it was not meant", unset});
}

}  // namespace

bool SameMajorFallback(const model::CudaLibraryVariants& v) {
  const auto of = knowledge::Frameworks().FindCompanion(v.package);
  if (!of || !of->companion->cuda_library) return false;
  const auto& from = of->companion->cuda_library->same_major_fallback_from;
  auto installed = util::Pep440Version::Parse(v.version);
  auto first = util::Pep440Version::Parse(from);
  return installed && first && *installed >= *first;
}

std::optional<std::string> ChooseCudaLibrary(const std::vector<std::string>& variants, int major,
                                             int minor, bool same_major_fallback) {
  std::optional<std::pair<int, int>> lower, higher;
  std::optional<std::string> lower_name, higher_name;
  for (const auto& v : variants) {
    auto s = Split(v);
    if (!s) continue;
    if (*s == std::pair{major, minor}) return v;
    if (s->first != major) continue;
    if (*s < std::pair{major, minor} && (!lower || *s > *lower)) {
      lower = s;
      lower_name = v;
    }
    if (*s > std::pair{major, minor} && (!higher || *s < *higher)) {
      higher = s;
      higher_name = v;
    }
  }
  if (!same_major_fallback) return std::nullopt;
  return lower_name ? lower_name : higher_name;
}

void CheckCudaLibraryVariants(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                              std::vector<Finding>& out) {
  for (const auto& env : snapshot.python_envs) {
    const model::FrameworkBuild* torch = env.Framework(knowledge::kTorch);
    // A CPU torch: the companions load their CPU library.
    if (!torch || !torch->cuda_build || !torch->cuda_version) continue;
    auto cuda = util::DottedVersion::Parse(*torch->cuda_version);
    if (!cuda) continue;
    const int major = cuda->major(), minor = cuda->minor();
    for (const auto& v : env.cuda_library_variants) {
      if (v.override_value) {
        Override(env, v, *torch, major, minor, out);
        continue;
      }
      if (ChooseCudaLibrary(v.variants, major, minor, SameMajorFallback(v))) continue;
      const std::string wanted = fmt::format("{}{}", major, minor);
      std::string evidence = fmt::format(
          "{} {} in {} ships libraries for CUDA {}; for torch {} (CUDA {}.{}) it looks for {}, "
          "which does not exist",
          v.package, v.version, env.prefix, Shipped(v), torch->version, major, minor,
          LibraryPath(v, wanted));
      if (auto same = ChooseCudaLibrary(v.variants, major, minor, true)) {
        evidence += fmt::format(
            "; {}={} would load its CUDA {} library, which torch's "
            "libcudart.so.{} serves",
            v.override_variable, *same, Dotted(*same), major);
      }
      out.push_back(
          {"companion.cuda_library_missing", Severity::kError,
           fmt::format("{} {} has no library for torch's CUDA {}.{}: its GPU functions "
                       "fail",
                       v.package, v.version, major, minor),
           std::move(evidence),
           fmt::format("{} -m pip install --upgrade '{}'", env.Interpreter(), v.package)});
    }
  }
}

}  // namespace dlenv::rules
