#include "rules/extension_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "knowledge/torch_arch_list.h"
#include "rules/companion_rules.h"
#include "util/build_label.h"
#include "util/fatbin.h"
#include "util/pep440.h"
#include "util/pep508.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::CompiledExtension;
using model::Finding;
using model::Severity;

const model::PackageRecord* RecordOf(const model::PythonEnv& env, const std::string& name) {
  for (const auto& p : env.packages) {
    if (!p.shadowed && p.name == name) return &p;
  }
  return nullptr;
}

/// A package pip built from a local source tree, a source archive or a VCS checkout (PEP 610's
/// direct_url.json): no index has that build, so it is rebuilt from where it came from. A
/// wheel file installed by path was built elsewhere: the index release is the fix for it.
std::string LocalSource(const model::PythonEnv& env, const CompiledExtension& e) {
  const auto* p = RecordOf(env, e.package);
  if (!p || !p->direct_url) return "";
  const std::string& url = *p->direct_url;
  if (url.ends_with(".whl")) return "";
  if (url.starts_with("file://")) return url.substr(7);
  if (url.starts_with("git+")) return url;
  return "";
}

/// The package's release whose own metadata accepts the installed framework, chosen by pip
/// with the framework held where it is (a +cuXYZ torch from its own index); a package built
/// from a local tree is rebuilt against the installed torch instead.
std::string Fix(const model::PythonEnv& env, const CompiledExtension& e) {
  if (auto local = LocalSource(env, e); !local.empty()) {
    return fmt::format("{} -m pip install --force-reinstall --no-deps --no-build-isolation '{}'",
                       env.Interpreter(), local);
  }
  std::string cmd = fmt::format("{} -m pip install --upgrade '{}' '{}=={}'", env.Interpreter(),
                                e.package, e.framework_package, e.framework_version);
  if (auto label = util::ParseBuildLabel(e.framework_version);
      label && !label->TorchVariant().empty())
    cmd += " --extra-index-url https://download.pytorch.org/whl/" + label->TorchVariant();
  return cmd;
}

/// No release on the index may be built for this torch's CUDA major yet (xformers 0.0.35 is
/// built for CUDA 12 while torch 2.15 on PyPI is CUDA 13): rebuild it against the installed
/// torch, with the toolkit of torch's CUDA major.
std::string RebuildFix(const model::PythonEnv& env, const CompiledExtension& e,
                       const std::string& cuda_major, const std::string& arch_list = "") {
  return fmt::format(
      "{}CUDA_HOME=/usr/local/cuda-{} {} -m pip install --force-reinstall --no-deps "
      "--no-build-isolation "
      "--no-binary '{}' '{}=={}'",
      arch_list.empty() ? "" : "TORCH_CUDA_ARCH_LIST='" + arch_list + "' ", cuda_major,
      env.Interpreter(), e.package, e.package, e.package_version);
}

/// "was built for torch 2.10.0+cu128 (xformers/cpp_lib.json)", or "" when it records none.
std::string Expected(const CompiledExtension& e) {
  if (e.expected_framework.empty()) return "";
  return fmt::format("{} {} was built for {} {} ({})", e.package, e.package_version, e.framework,
                     e.expected_framework, e.expected_source);
}

bool AbiDiffers(const CompiledExtension& e) {
  return !e.string_abi.empty() && !e.framework_string_abi.empty() &&
         e.string_abi != e.framework_string_abi;
}

/// Symbols missing because the package was compiled with the other std::string ABI than torch:
/// no torch release of another version fixes that, only a build with torch's own flag (which
/// torch.utils.cpp_extension passes itself).
void StringAbiMismatch(const model::PythonEnv& env, const std::vector<const CompiledExtension*>& es,
                       std::vector<Finding>& out) {
  std::vector<std::string> parts;
  for (const auto* e : es) {
    if (e->missing_count == 0 || !AbiDiffers(*e)) continue;
    parts.push_back(fmt::format(
        "{}: {} of its {} symbols from {} are not exported, and those "
        "that name a std::string use the {} one: {}{}",
        e->path, e->missing_count, e->framework_symbols, util::Join(e->framework_libraries, ", "),
        e->string_abi, util::Join(e->missing_symbols, ", "),
        e->missing_count > static_cast<int>(e->missing_symbols.size()) ? ", ..." : ""));
  }
  if (parts.empty()) return;
  const auto& e = **std::find_if(es.begin(), es.end(), [](auto* x) { return AbiDiffers(*x); });
  const std::string flag = e.framework_string_abi.starts_with("C++11") ? "1" : "0";
  out.push_back(
      {"extension.cxx11_abi_mismatch", Severity::kError,
       fmt::format("{} {} was compiled with the {} C++ ABI, {} {} with the {}", e.package,
                   e.package_version, e.string_abi.substr(0, e.string_abi.find(' ')),
                   e.framework_package, e.framework_version,
                   e.framework_string_abi.substr(0, e.framework_string_abi.find(' '))),
       fmt::format("{}; {} {} exports the {} ABI; importing it fails with \"undefined symbol: "
                   "{}\"",
                   util::Join(parts, "; "), e.framework_package, e.framework_version,
                   e.framework_string_abi, e.missing_symbols.front()),
       fmt::format("Rebuild it with torch's own flag: {} (torch.utils.cpp_extension passes "
                   "-D_GLIBCXX_USE_CXX11_ABI={} itself; a hand-written build must pass it, as "
                   "`{} -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))'` says)",
                   Fix(env, e), flag, env.Interpreter())});
}

/// One finding per package: its objects that lack symbols, each with the first few names.
void UndefinedSymbols(const model::PythonEnv& env, const std::vector<const CompiledExtension*>& es,
                      std::vector<Finding>& out) {
  std::vector<std::string> parts;
  int missing = 0;
  for (const auto* e : es) {
    if (e->missing_count == 0 || AbiDiffers(*e)) continue;
    missing += e->missing_count;
    parts.push_back(fmt::format(
        "{} takes {} symbols from {}; {} of them are not exported by {} {}: {}{}", e->path,
        e->framework_symbols, util::Join(e->framework_libraries, ", "), e->missing_count,
        e->framework_package, e->framework_version, util::Join(e->missing_symbols, ", "),
        e->missing_count > static_cast<int>(e->missing_symbols.size()) ? ", ..." : ""));
  }
  if (missing == 0) return;
  const auto& e = *es.front();
  std::string title =
      e.expected_framework.empty()
          ? fmt::format("{} {} was compiled against another {} than the installed {} {}", e.package,
                        e.package_version, e.framework, e.framework_package, e.framework_version)
          : fmt::format("{} {} was compiled against {} {}, the installed {} is {}", e.package,
                        e.package_version, e.framework, e.expected_framework, e.framework_package,
                        e.framework_version);
  std::string evidence = util::Join(parts, "; ");
  if (!e.expected_framework.empty()) evidence += "; " + Expected(e);
  out.push_back({"extension.undefined_symbols", Severity::kError, std::move(title),
                 std::move(evidence), Fix(env, e)});
}

void CudaMajor(const model::PythonEnv& env, const std::vector<const CompiledExtension*>& es,
               std::vector<Finding>& out) {
  for (const auto* e : es) {
    const auto* build = env.Framework(e->framework);
    if (!e->cuda_runtime_major || !build || !build->cuda_version) continue;
    const std::string torch_major = build->cuda_version->substr(0, build->cuda_version->find('.'));
    if (torch_major == std::to_string(*e->cuda_runtime_major)) continue;
    std::string evidence = fmt::format("{} needs libcudart.so.{}; {} {} is a CUDA {} build",
                                       e->path, *e->cuda_runtime_major, e->framework_package,
                                       e->framework_version, *build->cuda_version);
    if (!e->expected_framework.empty()) evidence += "; " + Expected(*e);
    out.push_back({"extension.cuda_major_mismatch", Severity::kError,
                   fmt::format("{} {} was built with CUDA {}, {} {} with CUDA {}", e->package,
                               e->package_version, *e->cuda_runtime_major, e->framework_package,
                               e->framework_version, *build->cuda_version),
                   std::move(evidence), RebuildFix(env, *e, torch_major)});
    return;  // one per package: its other objects say the same
  }
}

/// Objects of one package with CUDA kernels (a .nv_fatbin) that have no code a GPU runs: no
/// sm_X.y machine code of its major with y <= its minor, no PTX at or below it. Calling them
/// fails with "no kernel image is available for execution on the device".
void ArchUnsupported(const model::Snapshot& s, const model::PythonEnv& env,
                     const std::vector<const CompiledExtension*>& es, std::vector<Finding>& out) {
  for (const auto& gpu : s.gpus) {
    if (!gpu.cc_major || !gpu.cc_minor) continue;
    std::vector<std::string> lacking;
    const CompiledExtension* first = nullptr;
    for (const auto* e : es) {
      if (e->cuda_archs.empty() || util::ArchesRunOn(e->cuda_archs, *gpu.cc_major, *gpu.cc_minor))
        continue;
      if (!first) first = e;
      lacking.push_back(fmt::format("{} ({})", e->path, util::Join(e->cuda_archs, " ")));
    }
    if (!first) continue;
    const auto* build = env.Framework(first->framework);
    const std::string torch_major =
        build && build->cuda_version
            ? build->cuda_version->substr(0, build->cuda_version->find('.'))
            : std::to_string(first->cuda_runtime_major.value_or(12));
    std::string arch = knowledge::TorchArchFor(*gpu.cc_major, *gpu.cc_minor);
    if (arch.empty()) arch = fmt::format("{}.{}", *gpu.cc_major, *gpu.cc_minor);
    out.push_back(
        {"extension.arch_unsupported", Severity::kError,
         fmt::format("{} {}'s CUDA kernels have no code for GPU {} ({}, compute capability "
                     "{}.{})",
                     first->package, first->package_version, gpu.index, gpu.name, *gpu.cc_major,
                     *gpu.cc_minor),
         fmt::format("compiled for: {}; no sm_{}x machine code with x <= {} and no PTX at or "
                     "below compute_{}{}, so its kernels fail with \"no kernel image is available "
                     "for execution on the device\"",
                     util::Join(lacking, "; "), *gpu.cc_major, *gpu.cc_minor, *gpu.cc_major,
                     *gpu.cc_minor),
         RebuildFix(env, *first, torch_major, arch)});
    return;  // one finding per package: the other GPUs say the same or nothing new
  }
}

}  // namespace

void CheckExtensions(const model::PythonEnv& env, const std::vector<CompiledExtension>& extensions,
                     std::vector<Finding>& out) {
  // Packages in the order their first object was found.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CompiledExtension*>> by_package;
  for (const auto& e : extensions) {
    auto& list = by_package[e.package];
    if (list.empty()) order.push_back(e.package);
    list.push_back(&e);
  }
  for (const auto& name : order) {
    // torchvision for another torch: companion.framework_mismatch says it, with these symbols.
    if (!CompanionRuleCovers(env, name)) {
      StringAbiMismatch(env, by_package[name], out);
      UndefinedSymbols(env, by_package[name], out);
    }
    CudaMajor(env, by_package[name], out);
  }
}

void CheckCompiledExtensions(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                             std::vector<Finding>& out) {
  for (const auto& env : snapshot.python_envs) {
    CheckExtensions(env, env.extensions, out);
    std::map<std::string, std::vector<const CompiledExtension*>> by_package;
    for (const auto& e : env.extensions) by_package[e.package].push_back(&e);
    for (const auto& [name, es] : by_package) ArchUnsupported(snapshot, env, es, out);
  }
}

namespace {

/// The CUDA release NVIDIA's versioned entry points name: __nvJitLinkAddData_12_5 is CUDA 12.5's
/// (the library of CUDA 12.5 and later exports it). nullopt for names without that suffix.
std::optional<std::pair<int, int>> CudaReleaseOfSymbol(std::string_view name) {
  const auto last = name.rfind('_');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const auto first = name.rfind('_', last - 1);
  if (first == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view digits) -> std::optional<int> {
    unsigned v = 0;  // unsigned: from_chars then refuses a sign
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || digits.size() > 3 || ec != std::errc() ||
        end != digits.data() + digits.size())
      return std::nullopt;
    return static_cast<int>(v);
  };
  auto major = number(name.substr(first + 1, last - first - 1));
  auto minor = number(name.substr(last + 1));
  if (!major || !minor || *major < 9) return std::nullopt;
  return std::pair{*major, *minor};
}

/// The release of the provider's wheel to install: the exact one a framework in the environment
/// pins (torch's Requires-Dist: nvidia-nvjitlink-cu12==12.4.127) when it is new enough, else
/// the CUDA release the missing symbols name (>=12.5), else the newest.
std::string ProviderRequirement(const model::PythonEnv& env, const model::LibrarySymbolGap& g) {
  std::optional<std::pair<int, int>> floor;
  for (const auto& name : g.missing_symbols) {
    if (auto r = CudaReleaseOfSymbol(name); r && (!floor || *r > *floor)) floor = r;
  }
  const auto want = util::NormalizeProjectName(g.provider_package);
  for (const auto& p : env.packages) {
    if (p.shadowed || p.normalized_name.starts_with("nvidia-")) continue;
    for (const auto& line : p.requires_dist) {
      auto req = util::ParseRequirement(line);
      if (!req || util::NormalizeProjectName(req->name) != want) continue;
      for (const auto& spec : req->specifier.specifiers()) {
        if (spec.op != "==") continue;
        auto pinned = util::Pep440Version::Parse(spec.version);
        auto needed =
            floor ? util::Pep440Version::Parse(fmt::format("{}.{}", floor->first, floor->second))
                  : std::nullopt;
        if (pinned && (!needed || *pinned >= *needed))
          return fmt::format("{}=={}", g.provider_package, spec.version);
      }
    }
  }
  if (floor) return fmt::format("{}>={}.{}", g.provider_package, floor->first, floor->second);
  return g.provider_package;
}

}  // namespace

void CheckNvidiaLibraryGaps(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                            std::vector<Finding>& out) {
  for (const auto& env : snapshot.python_envs) {
    std::vector<std::string> seen;  // one finding per pair of wheels
    for (const auto& g : env.nvidia_library_gaps) {
      const std::string pair = g.package + " " + g.provider_package;
      if (std::find(seen.begin(), seen.end(), pair) != seen.end()) continue;
      seen.push_back(pair);
      out.push_back(
          {"env.nvidia_wheels_mismatched", Severity::kError,
           fmt::format("{} {} needs a newer {} than the installed {}", g.package, g.package_version,
                       g.provider_package, g.provider_version),
           fmt::format("{} takes {} symbols from {} by version; {} of them are not exported by {} "
                       "({} {}): {}{}; loading it fails with \"undefined symbol: {}, version {}\"",
                       g.library, g.asked, g.needed, g.missing_count, g.provider,
                       g.provider_package, g.provider_version, util::Join(g.missing_symbols, ", "),
                       g.missing_count > static_cast<int>(g.missing_symbols.size()) ? ", ..." : "",
                       g.missing_symbols.front(), g.needed),
           fmt::format("{} -m pip install '{}'", env.Interpreter(), ProviderRequirement(env, g))});
    }
  }
}

}  // namespace dlenv::rules
