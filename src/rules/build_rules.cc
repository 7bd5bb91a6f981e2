#include "rules/build_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "knowledge/frameworks.h"

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

}  // namespace

void CheckExtensionBuilds(const model::Snapshot& s, const knowledge::Knowledge&,
                          std::vector<Finding>& out) {
  std::string how;
  const Toolkit* toolkit = TorchsToolkit(s, how);
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
