#include "rules/triton_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "knowledge/frameworks.h"
#include "knowledge/triton.h"
#include "util/dotted_version.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

const model::PackageRecord* TritonOf(const model::PythonEnv& env) {
  for (const auto& p : env.packages) {
    if (!p.shadowed && p.normalized_name == knowledge::kTriton) return &p;
  }
  return nullptr;
}

/// The driver's libcuda this machine has (not the toolkit's stub), the one dlopen takes first.
const model::LibraryCopy* DriverLibcuda(const model::Snapshot& s) {
  const model::LibraryCopy* out = nullptr;
  for (const auto& c : s.libraries) {
    if (c.family != "cuda" || c.is_stub) continue;
    if (!out || (c.loader_first && !out->loader_first)) out = &c;
  }
  return out;
}

std::string PointAt(const model::LibraryCopy& copy) {
  const std::filesystem::path path(copy.path);
  const std::string dir = path.parent_path().string();
  if (path.filename() == "libcuda.so.1") return "export TRITON_LIBCUDA_PATH=" + dir;
  return fmt::format("sudo ln -s {} {}/libcuda.so.1 && export TRITON_LIBCUDA_PATH={}",
                     path.filename().string(), dir, dir);
}

void Libcuda(const model::Snapshot& s, const model::PythonEnv& env,
             const model::PackageRecord& triton, std::vector<Finding>& out) {
  const auto* driver = DriverLibcuda(s);
  if (!driver && s.gpus.empty()) return;  // no driver here: driver.not_found says so
  const model::TritonSetup& t = s.triton;
  const std::string who = fmt::format("triton {} in {}", triton.version, env.prefix);
  if (!t.libcuda_found) {
    std::string evidence =
        t.libcuda_dirs_via == "TRITON_LIBCUDA_PATH"
            ? fmt::format(
                  "{}: TRITON_LIBCUDA_PATH={} holds no libcuda.so.1, and Triton links its "
                  "launcher there",
                  who, *t.libcuda_path)
            : fmt::format(
                  "{}: no line of ld.so.cache (`ldconfig -p`) names libcuda.so.1{}, so "
                  "torch.compile stops with \"AssertionError: libcuda.so cannot found!\"",
                  who,
                  t.libcuda_dirs.empty() ? " and no LD_LIBRARY_PATH folder holds it"
                                         : ", and the folders it names do not hold it");
    if (driver)
      evidence += fmt::format("; the driver's library is {} (found via {})", driver->path,
                              driver->found_via);
    out.push_back({"companion.triton_libcuda_missing", Severity::kError,
                   "Triton cannot find the driver's libcuda.so.1: torch.compile and Triton "
                   "kernels fail",
                   std::move(evidence),
                   driver ? PointAt(*driver)
                          : "Install the NVIDIA driver's user-space libraries (libcuda.so.1), then "
                            "`sudo ldconfig`"});
    return;
  }
  if (!knowledge::TritonLinksUnversionedLibcuda(triton.version).value_or(false) ||
      t.unversioned_found)
    return;
  std::string dir;
  for (const auto& d : t.libcuda_dirs) {
    if (dir.empty() && std::filesystem::path(d).is_absolute()) dir = d;
  }
  out.push_back(
      {"companion.triton_libcuda_missing", Severity::kError,
       fmt::format("Triton {} links -lcuda, and no folder it searches holds libcuda.so: "
                   "torch.compile fails (\"cannot find -lcuda\")",
                   triton.version),
       fmt::format("{}: Triton 3.1 to 3.5 link their launcher with -lcuda against {} ({}), which "
                   "hold libcuda.so.1 but not the unversioned libcuda.so (a development link "
                   "driver packages and container runtimes often leave out); 3.6 and later link "
                   "libcuda.so.1",
                   who, util::Join(t.libcuda_dirs, ", "), t.libcuda_dirs_via),
       fmt::format("sudo ln -s libcuda.so.1 {}/libcuda.so", dir)});
}

/// A toolkit on this machine whose ptxas knows the GPU, for the variable Triton reads first.
std::string ToolkitPtxas(const model::Snapshot& s, int sm) {
  for (const auto& tk : s.toolkits) {
    if (!tk.version || !tk.nvcc_path) continue;
    if (knowledge::PtxasKnows(*tk.version, sm) == true)
      return (std::filesystem::path(*tk.nvcc_path).parent_path() / "ptxas").string();
  }
  return "";
}

void Ptxas(const model::Snapshot& s, const model::PythonEnv& env,
           const model::PackageRecord& triton, std::vector<Finding>& out) {
  std::set<int> seen;
  for (const auto& g : s.gpus) {
    if (!g.cc_major || !g.cc_minor) continue;
    const int sm = *g.cc_major * 10 + *g.cc_minor;
    if (!seen.insert(sm).second) continue;
    const auto p = knowledge::TritonPtxasFor(triton.version, sm);
    if (!p || knowledge::PtxasKnows(p->ptxas, sm) != false) continue;
    const bool overridden = std::any_of(
        s.triton.ptxas_overrides.begin(), s.triton.ptxas_overrides.end(),
        [&](const std::string& o) { return o.starts_with(p->override_variable + "="); });
    if (overridden) continue;  // its own ptxas, whose release is not read here
    const std::string first = knowledge::FirstTritonKnowing(sm);
    const std::string toolkit = ToolkitPtxas(s, sm);
    out.push_back(
        {"companion.triton_ptxas_unsupported_gpu", Severity::kError,
         fmt::format("Triton {}'s ptxas (CUDA {}) does not know the {} (sm_{}): torch.compile "
                     "fails",
                     triton.version, p->ptxas, g.name, sm),
         fmt::format("triton {} in {} compiles for sm_{}{} with its bundled {} of CUDA {}, which "
                     "stops with \"ptxas fatal   : Value 'sm_{}{}' is not defined for option "
                     "'gpu-name'\" (Triton: \"Internal Triton PTX codegen error\"); ptxas knows "
                     "sm_{} from CUDA {} on{}",
                     triton.version, env.prefix, sm, sm >= 90 ? "a" : "", p->binary, p->ptxas, sm,
                     sm >= 90 ? "a" : "", sm, knowledge::FirstPtxasKnowing(sm),
                     first.empty() ? ""
                                   : fmt::format(", the ptxas of Triton {} and later (which a "
                                                 "newer torch brings)",
                                                 first)),
         toolkit.empty() ? "dlenv install torch"
                         : fmt::format("export {}={}", p->override_variable, toolkit)});
  }
}

}  // namespace

void CheckTriton(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                 std::vector<Finding>& out) {
  for (const auto& env : snapshot.python_envs) {
    const auto* triton = TritonOf(env);
    const auto* torch = env.Framework(knowledge::kTorch);
    if (!triton || !torch || !torch->cuda_build) continue;
    Libcuda(snapshot, env, *triton, out);
    Ptxas(snapshot, env, *triton, out);
  }
}

}  // namespace dlenv::rules
