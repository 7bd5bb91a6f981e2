#include "rules/build_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "knowledge/frameworks.h"
#include "knowledge/torch_arch_list.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;
using model::Toolkit;

bool FoundVia(const Toolkit& t, std::string_view via) {
  return std::find(t.found_via.begin(), t.found_via.end(), via) != t.found_via.end();
}

std::string Major(const std::string& version) { return version.substr(0, version.find('.')); }

/// The toolkit torch.utils.cpp_extension compiles with (its _find_cuda_home): CUDA_HOME or
/// CUDA_PATH, else the nvcc first on PATH, else /usr/local/cuda. `how` says which.
const Toolkit* TorchsToolkit(const model::Snapshot& s, std::string& how) {
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    for (const auto& t : s.toolkits) {
      if (FoundVia(t, var)) {
        how = std::string(var) + " names";
        return &t;
      }
    }
  }
  for (const auto& t : s.toolkits) {
    if (t.nvcc_on_path) {
      how = "the nvcc first on PATH is in";
      return &t;
    }
  }
  for (const auto& t : s.toolkits) {
    if (FoundVia(t, "/usr/local/cuda")) {
      how = "CUDA_HOME is unset and no nvcc is on PATH, so torch takes /usr/local/cuda:";
      return &t;
    }
  }
  return nullptr;
}

/// "export CC=/usr/bin/gcc-13 CXX=/usr/bin/g++-13 NVCC_CCBIN=/usr/bin/g++-13" for the newest
/// g++ on PATH that nvcc accepts; else install one (apt on Debian and Ubuntu).
std::string HostCompilerFix(const model::Snapshot& s, int newest) {
  std::string best;
  int best_major = 0;
  for (const auto& gxx : s.host_compiler->other_gxx) {
    const auto dash = gxx.rfind('-');
    int major = 0;
    try {
      major = std::stoi(gxx.substr(dash + 1));
    } catch (const std::exception&) {
      continue;
    }
    if (major <= newest && major > best_major) {
      best = gxx;
      best_major = major;
    }
  }
  if (!best.empty()) {
    std::string gcc = best;
    gcc.replace(gcc.rfind("g++-"), 3, "gcc");
    return fmt::format("export CC={} CXX={} NVCC_CCBIN={}", gcc, best, best);
  }
  if (s.host.os_id == "debian" || s.host.os_id == "ubuntu") {
    return fmt::format(
        "sudo apt-get install -y g++-{0} && export CC=/usr/bin/gcc-{0} CXX=/usr/bin/g++-{0} "
        "NVCC_CCBIN=/usr/bin/g++-{0}",
        newest);
  }
  return fmt::format(
      "Install gcc {} or older, then export CC=<its gcc> CXX=<its g++> NVCC_CCBIN=<its g++>",
      newest);
}

/// nvcc refuses a gcc newer than its include/crt/host_config.h allows.
void CheckHostCompiler(const model::Snapshot& s, const Toolkit& toolkit, const std::string& how,
                       std::vector<Finding>& out) {
  if (!s.host_compiler || !s.host_compiler->gcc_major || !toolkit.newest_gcc || !toolkit.nvcc_path)
    return;
  const auto& hc = *s.host_compiler;
  if (*hc.gcc_major <= *toolkit.newest_gcc) return;
  const std::string via =
      hc.found_via == "PATH" ? "the gcc first on PATH" : "the compiler " + hc.found_via + " names";
  out.push_back(
      {"build.host_compiler_unsupported", Severity::kWarning,
       fmt::format("nvcc in {} refuses the host compiler gcc {}: it accepts gcc {} and older",
                   toolkit.root, *hc.gcc_major, *toolkit.newest_gcc),
       fmt::format("{} {} (CUDA {}); {} is {} ({}: gcc {}); {}: \"#error -- unsupported GNU "
                   "version! gcc versions later than {} are not supported!\"",
                   how, toolkit.root, toolkit.version.value_or("?"), via, hc.path,
                   *hc.version_source, *hc.gcc_major, toolkit.host_config.value_or("host_config.h"),
                   *toolkit.newest_gcc),
       HostCompilerFix(s, *toolkit.newest_gcc)});
}

/// The list that runs on every visible GPU: the set one plus each missing GPU's own entry;
/// "" when torch's table has no entry for one of them.
std::string ArchListFix(const model::Snapshot& s, const knowledge::TorchArchList& list) {
  std::vector<std::string> entries;
  for (const auto& a : list.arches) entries.push_back(a.text);
  for (const auto& g : s.gpus) {
    if (!g.cc_major || !g.cc_minor || knowledge::ArchRunningOn(list, *g.cc_major, *g.cc_minor))
      continue;
    const std::string arch = knowledge::TorchArchFor(*g.cc_major, *g.cc_minor);
    if (arch.empty()) return "";
    if (std::find(entries.begin(), entries.end(), arch) == entries.end()) entries.push_back(arch);
  }
  return util::Join(entries, ";");
}

/// TORCH_CUDA_ARCH_LIST against torch's table and the GPUs here: an entry torch does not know
/// stops every extension build; a GPU the list leaves out gets extensions without code for it.
void CheckArchList(const model::Snapshot& s, std::vector<Finding>& out) {
  if (!s.torch_cuda_arch_list) return;
  const std::string& value = *s.torch_cuda_arch_list;
  const auto list = knowledge::ParseTorchArchList(value);
  if (!list.unknown.empty()) {
    std::vector<std::string> known;
    for (const auto& a : list.arches) known.push_back(a.text);
    out.push_back(
        {"build.arch_list_invalid", Severity::kWarning,
         fmt::format("TORCH_CUDA_ARCH_LIST='{}' stops every torch extension build: torch does not "
                     "know '{}'",
                     value, util::Join(list.unknown, "', '")),
         fmt::format("torch.utils.cpp_extension raises \"Unknown CUDA arch ({}) or GPU not "
                     "supported\"; it takes X.Y, X.Ya or X.Y+PTX from its own table, or a name "
                     "(Ampere, Hopper, Blackwell), separated by ';' or spaces",
                     list.unknown.front()),
         // The entries torch accepts stay: on a build machine without GPUs they name the target.
         known.empty() ? std::string("unset TORCH_CUDA_ARCH_LIST")
                       : fmt::format("export TORCH_CUDA_ARCH_LIST='{}'", util::Join(known, ";"))});
    return;
  }
  std::vector<std::string> left_out;
  for (const auto& g : s.gpus) {
    if (!g.cc_major || !g.cc_minor) continue;
    if (knowledge::ArchRunningOn(list, *g.cc_major, *g.cc_minor)) continue;
    left_out.push_back(fmt::format("GPU {} {} (compute capability {}.{})", g.index, g.name,
                                   *g.cc_major, *g.cc_minor));
  }
  if (left_out.empty()) return;
  const std::string fixed = ArchListFix(s, list);
  out.push_back(
      {"build.arch_list_excludes_gpu", Severity::kWarning,
       fmt::format("torch extensions built here would have no code for {}: TORCH_CUDA_ARCH_LIST "
                   "leaves it out",
                   util::Join(left_out, ", ")),
       fmt::format("TORCH_CUDA_ARCH_LIST='{}': no SASS of that major at or below its minor, and "
                   "no PTX at or below it; the extension then fails with \"no kernel image is "
                   "available for execution on the device\"",
                   value),
       fixed.empty()
           ? std::string("unset TORCH_CUDA_ARCH_LIST  # torch then compiles for the visible GPUs")
           : fmt::format("export TORCH_CUDA_ARCH_LIST='{}'  # then rebuild the extension", fixed)});
}

}  // namespace

void CheckExtensionBuilds(const model::Snapshot& s, const knowledge::Knowledge&,
                          std::vector<Finding>& out) {
  std::string how;
  const Toolkit* toolkit = TorchsToolkit(s, how);
  if (toolkit) CheckHostCompiler(s, *toolkit, how, out);
  CheckArchList(s, out);
  if (!toolkit || !toolkit->version) return;
  for (const auto& env : s.python_envs) {
    for (const auto& b : env.frameworks) {
      if (b.name != knowledge::kTorch || !b.cuda_build || !b.cuda_version) continue;
      const std::string want = Major(*b.cuda_version);
      if (Major(*toolkit->version) == want) continue;
      // A toolkit of torch's major elsewhere on this machine is the fix.
      const Toolkit* same = nullptr;
      for (const auto& t : s.toolkits) {
        if (t.version && Major(*t.version) == want && t.nvcc_path) same = &t;
      }
      std::string fix = same ? fmt::format("export CUDA_HOME={0} PATH={0}/bin:$PATH", same->root)
                             : fmt::format(
                                   "Install the CUDA {} toolkit "
                                   "(developer.nvidia.com/cuda-downloads), then export "
                                   "CUDA_HOME=/usr/local/cuda-{} PATH=/usr/local/cuda-{}/bin:$PATH",
                                   want, *b.cuda_version, *b.cuda_version);
      out.push_back(
          {"build.cuda_mismatch", Severity::kWarning,
           fmt::format(
               "torch extensions built in {} would fail: the CUDA toolkit torch compiles with "
               "is {}, torch {} was built with CUDA {}",
               env.prefix, *toolkit->version, b.version, *b.cuda_version),
           fmt::format(
               "{} {} (CUDA {}); {} {}: CUDA {}; torch.utils.cpp_extension refuses another "
               "CUDA major (\"The detected CUDA version ... mismatches the version that was used "
               "to compile PyTorch\")",
               how, toolkit->root, *toolkit->version, b.package, b.version, *b.cuda_version),
           fix});
    }
  }
}

}  // namespace dlenv::rules
