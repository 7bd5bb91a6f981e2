// `dlenv doctor` on compiled extensions, end to end (the binary, its JSON document):
// - a package built in the test: a few lines of C++ compiled against the headers of the newest
//   torch wheel (scripts/make-wheel-envs.sh's wheels-torch-deps), installed as a dist-info
//   package in a venv that sees Debian's python3-torch 1.13 instead: doctor names the package,
//   the torch it records (its Requires-Dist), the installed one and the symbols 1.13 lacks;
//   the same package in a venv that sees the newest torch is silent;
// - the real xformers wheel beside the newest torch (scripts/make-companion-envs.sh's
//   companions-runtime): built for CUDA 12 and torch 2.10 (its cpp_lib.json), torch is CUDA 13.
// Missing environments fail the test when DLENV_REQUIRE_TEST_ENVS=1, else skip it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "model/json.h"
#include "rules/extension_rules.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "testing/torch_extension.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path EnvsDir() {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  return fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs");
}

#define REQUIRE_PATH(path, what)                                                              \
  if (!fs::exists(path)) {                                                                    \
    DLENV_SKIP_OR_FAIL(what << " missing (" << (path) << "): run scripts/make-test-envs.sh"); \
  }

const fs::path kNewestSite = "wheels-torch-deps/lib/python3.11/site-packages";

std::string TorchVersion(const fs::path& site) {
  for (const auto& e : fs::directory_iterator(site)) {
    const std::string n = e.path().filename().string();
    if (n.starts_with("torch-") && n.ends_with(".dist-info")) return n.substr(6, n.size() - 16);
  }
  return "";
}

/// A venv at `root` holding the package dlenvext 1.0 (its _C.so is `object`), whose Requires-Dist
/// pins the torch it was compiled against. `system_site` lets it see Debian's torch;
/// `pth` adds a folder to its sys.path.
void MakeVenv(dlenv::testing::TempTree& tree, const std::string& root, const fs::path& object,
              const std::string& built_for, bool system_site, const std::string& pth) {
  tree.Write(root + "/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = " +
                                       std::string(system_site ? "true" : "false") +
                                       "\nversion = 3.11.2\n");
  fs::create_directories(tree.path() / root / "bin");
  fs::create_symlink("/usr/bin/python3", tree.path() / root / "bin/python");
  const std::string site = root + "/lib/python3.11/site-packages";
  tree.Write(site + "/dlenvext-1.0.dist-info/METADATA",
             "Metadata-Version: 2.1\nName: dlenvext\nVersion: 1.0\nRequires-Dist: torch==" +
                 built_for + "\n");
  tree.Write(site + "/dlenvext-1.0.dist-info/INSTALLER", "pip\n");
  // `pip install ./src`: PEP 610's record of the tree it was built from.
  tree.Write(site + "/dlenvext-1.0.dist-info/direct_url.json",
             R"({"dir_info": {}, "url": "file:///src/dlenvext"})");
  tree.Write(site + "/dlenvext-1.0.dist-info/RECORD",
             "dlenvext/__init__.py,,\ndlenvext/_C.so,,\ndlenvext-1.0.dist-info/METADATA,,\n"
             "dlenvext-1.0.dist-info/RECORD,,\n");
  tree.Write(site + "/dlenvext/__init__.py", "");
  fs::copy_file(object, tree.path() / site / "dlenvext/_C.so");
  if (!pth.empty()) tree.Write(site + "/newest-torch.pth", pth + "\n");
}

json Doctor(const fs::path& venv) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(300);
  auto r = util::RunCommand(
      {DLENV_BINARY, "doctor", "--json", "--python", (venv / "bin/python").string()}, opts);
  EXPECT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe() << r.err;
  return json::parse(r.out, nullptr, false);
}

std::vector<json> Findings(const json& doc, std::string_view prefix) {
  std::vector<json> out;
  if (!doc.is_object() || !doc.contains("findings")) return out;
  for (const auto& f : doc["findings"]) {
    if (f.value("id", "").starts_with(prefix)) out.push_back(f);
  }
  return out;
}

const json* EnvOf(const json& doc, const fs::path& venv) {
  for (const auto& env : doc["python_envs"]) {
    if (env.value("prefix", "") == fs::canonical(venv).string()) return &env;
  }
  return nullptr;
}

TEST(DoctorExtensions, BuiltForTheNewestTorchBesideDebiansTorch) {
  const fs::path site = EnvsDir() / kNewestSite;
  REQUIRE_PATH(site / "torch/include/c10/core/Device.h", "the newest torch wheel's headers");
  REQUIRE_PATH("/usr/lib/python3/dist-packages/torch/lib/libc10.so", "Debian's python3-torch");
  const std::string newest = TorchVersion(site);
  ASSERT_FALSE(newest.empty());

  dlenv::testing::TempTree tree;
  fs::path object;
  auto built = dlenv::testing::BuildTorchTestExtension(site / "torch", tree, &object);
  ASSERT_TRUE(built.ok()) << built.Describe() << "\n" << built.err;

  // Beside Debian's torch 1.13: the two newer symbols are missing.
  MakeVenv(tree, "old", object, newest, /*system_site=*/true, "");
  json doc = Doctor(tree.path() / "old");
  const json* env = EnvOf(doc, tree.path() / "old");
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(env->contains("extensions"));
  ASSERT_EQ((*env)["extensions"].size(), 1u) << (*env)["extensions"].dump();
  const json& ext = (*env)["extensions"][0];
  EXPECT_EQ(ext["package"], "dlenvext");
  EXPECT_EQ(ext["missing_count"], 2);
  EXPECT_EQ(ext["expected_framework"], newest);
  auto found = Findings(doc, "extension.");
  ASSERT_EQ(found.size(), 1u) << doc["findings"].dump(2);
  EXPECT_EQ(found[0]["id"], "extension.undefined_symbols");
  EXPECT_EQ(found[0]["title"], "dlenvext 1.0 was compiled against torch " + newest +
                                   ", the installed torch is 1.13.0a0+gitunknown");
  const std::string evidence = found[0]["evidence"];
  EXPECT_NE(evidence.find("_ZN3c1012WarningUtils14get_warnAlwaysEv"), std::string::npos)
      << evidence;
  EXPECT_NE(evidence.find("(Requires-Dist: torch==" + newest + ")"), std::string::npos) << evidence;
  EXPECT_EQ(found[0]["fix"], (tree.path() / "old/bin/python").string() +
                                 " -m pip install --force-reinstall --no-deps "
                                 "--no-build-isolation '/src/dlenvext'");

  // Beside the torch it was compiled against: nothing to say.
  MakeVenv(tree, "new", object, newest, /*system_site=*/false, site.string());
  doc = Doctor(tree.path() / "new");
  env = EnvOf(doc, tree.path() / "new");
  ASSERT_NE(env, nullptr);
  ASSERT_EQ((*env)["extensions"].size(), 1u);
  EXPECT_EQ((*env)["extensions"][0]["missing_count"], 0);
  EXPECT_EQ((*env)["extensions"][0]["problem"], "");
  for (const auto& f : Findings(doc, "extension.")) ADD_FAILURE() << f.dump();
}

// The same extension compiled with -D_GLIBCXX_USE_CXX11_ABI=0 beside the newest torch, whose
// wheel is a C++11-ABI build: the symbols that take std::string are missing, and the finding
// says why. Oracles: torch.compiled_with_cxx11_abi() in the wheel's own interpreter, and the
// loader itself (ctypes.CDLL after `import torch`), whose "undefined symbol" is one dlenv names.
TEST(DoctorExtensions, BuiltWithTheOtherCxxAbiThanTheNewestTorch) {
  const fs::path site = EnvsDir() / kNewestSite;
  REQUIRE_PATH(site / "torch/include/c10/core/Device.h", "the newest torch wheel's headers");
  const std::string newest = TorchVersion(site);
  dlenv::testing::TempTree tree;
  fs::path object;
  auto built = dlenv::testing::BuildTorchTestExtension(site / "torch", tree, &object, 0);
  ASSERT_TRUE(built.ok()) << built.Describe() << "\n" << built.err;
  MakeVenv(tree, "abi0", object, newest, /*system_site=*/false, site.string());
  const json doc = Doctor(tree.path() / "abi0");
  const json* env = EnvOf(doc, tree.path() / "abi0");
  ASSERT_NE(env, nullptr);
  ASSERT_EQ((*env)["extensions"].size(), 1u);
  const json& ext = (*env)["extensions"][0];
  EXPECT_EQ(ext["string_abi"], "pre-C++11 (_GLIBCXX_USE_CXX11_ABI=0)");
  EXPECT_EQ(ext["framework_string_abi"], "C++11 (_GLIBCXX_USE_CXX11_ABI=1)");
  ASSERT_GT(ext["missing_count"].get<int>(), 0);
  auto found = Findings(doc, "extension.");
  ASSERT_EQ(found.size(), 1u) << doc["findings"].dump(2);  // not also undefined_symbols
  EXPECT_EQ(found[0]["id"], "extension.cxx11_abi_mismatch");
  EXPECT_EQ(found[0]["title"], "dlenvext 1.0 was compiled with the pre-C++11 C++ ABI, torch " +
                                   newest + " with the C++11");
  const std::string evidence = found[0]["evidence"];
  EXPECT_NE(evidence.find("_ZN3c106DeviceC1ERKSs"), std::string::npos) << evidence;
  const std::string fix = found[0]["fix"];
  EXPECT_NE(fix.find("-D_GLIBCXX_USE_CXX11_ABI=1"), std::string::npos) << fix;
  EXPECT_NE(fix.find("--no-build-isolation '/src/dlenvext'"), std::string::npos) << fix;

  const fs::path python = EnvsDir() / "wheels-torch-deps/bin/python";
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(300);
  auto r = util::RunCommand({python.string(), "-c",
                             "import ctypes, sys, torch\n"
                             "print(int(torch.compiled_with_cxx11_abi()))\n"
                             "try:\n    ctypes.CDLL(sys.argv[1])\n"
                             "except OSError as e:\n    print(e)\n",
                             object.string()},
                            o);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
  EXPECT_TRUE(r.out.starts_with("1\n")) << r.out;  // the flag the fix names
  const auto at = r.out.find("undefined symbol: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  std::string symbol = r.out.substr(at + 18);
  symbol = symbol.substr(0, symbol.find_first_of(" \n,"));
  bool named = false;
  for (const auto& m : ext["missing_symbols"]) named = named || m == symbol;
  EXPECT_TRUE(named || ext["missing_count"].get<int>() > 8)
      << symbol << " not among " << ext["missing_symbols"].dump();

  // Rebuilt with torch's flag (what the fix does): silent.
  fs::path rebuilt;
  dlenv::testing::TempTree tree1;
  ASSERT_TRUE(dlenv::testing::BuildTorchTestExtension(site / "torch", tree1, &rebuilt, 1).ok());
  MakeVenv(tree1, "abi1", rebuilt, newest, /*system_site=*/false, site.string());
  for (const auto& f : Findings(Doctor(tree1.path() / "abi1"), "extension.")) ADD_FAILURE() << f;
}

// xformers 0.0.35 from PyPI: its cpp_lib.json says torch 2.10.0+cu128, its _C.so needs
// libcudart.so.12; torch 2.15.0 from PyPI is a CUDA 13 build.
TEST(DoctorExtensions, RealXformersBesideTheNewestTorch) {
  const fs::path venv = EnvsDir() / "companions-runtime";
  REQUIRE_PATH(venv / ".dlenv-recipe", "venv companions-runtime");
  json doc = Doctor(venv);
  const json* env = EnvOf(doc, venv);
  ASSERT_NE(env, nullptr);
  const json* xformers = nullptr;
  for (const auto& e : (*env)["extensions"]) {
    if (e["package"] == "xformers") xformers = &e;
  }
  ASSERT_NE(xformers, nullptr) << (*env)["extensions"].dump();
  EXPECT_EQ((*xformers)["expected_source"], "xformers/cpp_lib.json");
  EXPECT_FALSE((*xformers)["expected_framework"].get<std::string>().empty());
  bool cuda = false;
  for (const auto& f : Findings(doc, "extension.")) {
    const std::string title = f["title"];
    EXPECT_NE(title.find("xformers"), std::string::npos) << title;
    if (f["id"] == "extension.cuda_major_mismatch") {
      cuda = true;
      EXPECT_NE(f["evidence"].get<std::string>().find(
                    "built for torch " + (*xformers)["expected_framework"].get<std::string>()),
                std::string::npos)
          << f.dump();
    }
  }
  // Raised exactly when the majors differ (they do on PyPI as of 2026-12-02: 12 against 13).
  std::string torch_cuda;
  for (const auto& b : (*env)["frameworks"]) {
    if (b["name"] == "torch" && b["cuda_version"].is_string()) torch_cuda = b["cuda_version"];
  }
  ASSERT_FALSE(torch_cuda.empty());
  ASSERT_TRUE((*xformers)["cuda_runtime_major"].is_number());
  const int xformers_cuda = (*xformers)["cuda_runtime_major"];
  EXPECT_EQ(cuda, torch_cuda.substr(0, torch_cuda.find('.')) != std::to_string(xformers_cuda))
      << "torch CUDA " << torch_cuda << ", xformers libcudart.so." << xformers_cuda << "\n"
      << doc["findings"].dump(2);
}

// The architectures doctor reads from the real xformers _C.so's .nv_fatbin are the ones NVIDIA's
// own cuobjdump lists (the one the triton wheel bundles, which runs on the CPU); on a fixture
// GPU older than its oldest code and PTX (a V100) its kernels are named, on a newer one the PTX
// runs (silent).
TEST(DoctorExtensions, RealXformersArchitecturesAgainstCuobjdumpAndTheGpus) {
  const fs::path venv = EnvsDir() / "companions-runtime";
  REQUIRE_PATH(venv / ".dlenv-recipe", "venv companions-runtime");
  const fs::path cuobjdump = EnvsDir() / kNewestSite / "triton/backends/nvidia/bin/cuobjdump";
  REQUIRE_PATH(cuobjdump, "the triton wheel's cuobjdump");
  json doc = Doctor(venv);
  model::Snapshot s = doc.get<model::Snapshot>();
  const model::CompiledExtension* x = nullptr;
  for (const auto& env : s.python_envs) {
    for (const auto& e : env.extensions) {
      if (e.package == "xformers" && !e.cuda_archs.empty()) x = &e;
    }
  }
  ASSERT_NE(x, nullptr);
  std::set<std::string> theirs;
  for (const char* flag : {"--list-elf", "--list-ptx"}) {
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.deadline = std::chrono::seconds(120);
    auto r = util::RunCommand({cuobjdump.string(), flag, x->path}, o);
    ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
    for (std::size_t at = r.out.find("sm_"); at != std::string::npos;
         at = r.out.find("sm_", at + 1)) {
      const std::string arch = r.out.substr(at + 3, r.out.find('.', at) - at - 3);
      theirs.insert((std::string(flag) == "--list-elf" ? "sm_" : "compute_") + arch);
    }
  }
  EXPECT_EQ(std::set<std::string>(x->cuda_archs.begin(), x->cuda_archs.end()), theirs);

  model::GpuInfo gpu;
  gpu.name = "Tesla V100-SXM2-16GB";
  gpu.cc_major = 7;
  gpu.cc_minor = 0;
  s.gpus = {gpu};
  std::vector<model::Finding> out;
  rules::CheckCompiledExtensions(s, knowledge::Knowledge{}, out);
  bool named = false;
  for (const auto& f : out) {
    if (f.id == "extension.arch_unsupported") named = f.title.starts_with("xformers ");
  }
  // Named exactly when neither machine code for 7.x at or below 7.0 nor PTX at or below it is
  // in the fatbin (as of 2026-12-02: sm_75 and up, PTX compute_80).
  const bool runs = std::any_of(theirs.begin(), theirs.end(), [](const std::string& a) {
    return a == "sm_70" || a == "compute_70" || a.starts_with("compute_5") ||
           a.starts_with("compute_6");
  });
  EXPECT_EQ(named, !runs) << ::testing::PrintToString(theirs);
  gpu.name = "NVIDIA GeForce RTX 5090";
  gpu.cc_major = 12;
  gpu.cc_minor = 0;
  s.gpus = {gpu};
  out.clear();
  rules::CheckCompiledExtensions(s, knowledge::Knowledge{}, out);
  const bool ptx = std::any_of(theirs.begin(), theirs.end(),
                               [](const std::string& a) { return a.starts_with("compute_"); });
  for (const auto& f : out) {
    if (ptx) {
      EXPECT_NE(f.id, "extension.arch_unsupported") << f.title;
    }
  }
}

}  // namespace
}  // namespace dlenv::probe
