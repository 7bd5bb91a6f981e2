// Companion rules on the real wheels of scripts/make-companion-envs.sh (the newest torch from
// PyPI with torchvision releases, onnxruntime with onnxruntime-gpu, CUDA 12.1's cuSPARSE beside
// CUDA 12.0's nvJitLink), read the way doctor reads them; every pip fix is run as `pip install
// --dry-run` against PyPI. Missing venvs fail the test when DLENV_REQUIRE_TEST_ENVS=1, else skip
// it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "probe/python_envs.h"
#include "rules/companion_rules.h"
#include "rules/cuda_library_rules.h"
#include "rules/extension_rules.h"
#include "rules/framework_rules.h"
#include "testing/require.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;

fs::path Venv(const std::string& name) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  return fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") / name;
}

#define REQUIRE_VENV(var, name)                                                       \
  const fs::path var = Venv(name);                                                    \
  if (!fs::exists(var / ".dlenv-recipe")) {                                           \
    DLENV_SKIP_OR_FAIL("venv " << name << " missing: run scripts/make-test-envs.sh"); \
  }

/// The snapshot of one venv, as doctor's probe reads it, with these variables set.
model::Snapshot Probe(const fs::path& venv, std::map<std::string, std::string> vars = {}) {
  probe::ProbeContext ctx;
  ctx.env = util::Environment(std::move(vars));
  ctx.extra_pythons = {(venv / "bin/python").string()};
  model::Snapshot all;
  probe::ProbePythonEnvs(ctx, all);
  model::Snapshot s;
  for (auto& env : all.python_envs) {
    if (env.prefix == fs::canonical(venv).string()) s.python_envs.push_back(env);
  }
  EXPECT_EQ(s.python_envs.size(), 1u) << venv;
  return s;
}

std::vector<model::Finding> Doctor(const fs::path& venv) {
  std::vector<model::Finding> out;
  CheckCompanions(Probe(venv), knowledge::Knowledge{}, out);
  return out;
}

/// Runs the `pip install` of a fix (the part after the last "&&") with --dry-run.
void ExpectResolves(const std::string& fix) {
  std::string cmd = fix.substr(fix.rfind("&&") == std::string::npos ? 0 : fix.rfind("&&") + 2);
  auto at = cmd.find(" -m pip install ");
  ASSERT_NE(at, std::string::npos) << fix;
  cmd.insert(at + 16, "--dry-run --disable-pip-version-check --no-input -q ");
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(600);
  auto r = util::RunCommand({"/bin/sh", "-c", cmd}, opts);
  EXPECT_TRUE(r.ok()) << cmd << "\n" << r.Describe() << "\n" << r.err;
}

TEST(CompanionWheels, TorchvisionPinnedToAnOlderTorch) {
  REQUIRE_VENV(venv, "companions-pinned-older");
  auto findings = Doctor(venv);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "companion.framework_mismatch");
  EXPECT_NE(findings[0].evidence.find("torchvision"), std::string::npos);
  EXPECT_NE(findings[0].evidence.find("requires torch=="), std::string::npos)
      << findings[0].evidence;
  ExpectResolves(findings[0].fix);
}

TEST(CompanionWheels, NewestCompanionsAreSilent) {
  REQUIRE_VENV(venv, "companions-newest");
  auto findings = Doctor(venv);
  for (const auto& f : findings) ADD_FAILURE() << f.id << ": " << f.evidence;
}

// onnxruntime and onnxruntime-gpu in one venv: the CPU package's files won, and the session
// offers no CUDA provider (tests/error-texts/onnxruntime-*-providers.txt).
TEST(CompanionWheels, OnnxRuntimeCpuAndGpuTogether) {
  REQUIRE_VENV(venv, "companions-runtime");
  auto findings = Doctor(venv);
  std::vector<model::Finding> twice;
  for (const auto& f : findings) {
    if (f.id == "framework.installed_twice") twice.push_back(f);
  }
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_NE(twice[0].title.find("ONNX Runtime"), std::string::npos) << twice[0].title;
  EXPECT_NE(twice[0].fix.find("pip install --force-reinstall --no-deps 'onnxruntime-gpu=="),
            std::string::npos)
      << twice[0].fix;
  ExpectResolves(twice[0].fix);
}

// nvidia-cusparse-cu12 12.1.0.106 beside nvidia-nvjitlink-cu12 12.0.76 (pip allows it: cuSPARSE
// requires nvJitLink without a version). The loader is the oracle: the symbol it stops at is
// one doctor names; the fix is run with --dry-run, and no other wheel pair is blamed.
TEST(CompanionWheels, NvidiaWheelsOfTwoCudaReleases) {
  REQUIRE_VENV(venv, "nvidia-mixed");
  const auto s = Probe(venv);
  ASSERT_EQ(s.python_envs.size(), 1u);
  const auto& gaps = s.python_envs[0].nvidia_library_gaps;
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].package, "nvidia-cusparse-cu12");
  EXPECT_EQ(gaps[0].provider_package, "nvidia-nvjitlink-cu12");
  EXPECT_EQ(gaps[0].needed, "libnvJitLink.so.12");
  EXPECT_GE(gaps[0].missing_count, 1);

  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  auto load = util::RunCommand({(venv / "bin/python").string(), "-c",
                                "import ctypes, sys; ctypes.CDLL(sys.argv[1])", gaps[0].library},
                               opts);
  ASSERT_FALSE(load.ok()) << "libcusparse loaded: the pair is not mismatched";
  const auto at = load.err.find("undefined symbol: ");
  ASSERT_NE(at, std::string::npos) << load.err;
  const std::string symbol = load.err.substr(at + 18, load.err.find(',', at) - at - 18);
  EXPECT_NE(std::find(gaps[0].missing_symbols.begin(), gaps[0].missing_symbols.end(), symbol),
            gaps[0].missing_symbols.end())
      << symbol << " not in " << ::testing::PrintToString(gaps[0].missing_symbols);
  EXPECT_NE(load.err.find(", version libnvJitLink.so.12"), std::string::npos) << load.err;

  std::vector<model::Finding> findings;
  CheckNvidiaLibraryGaps(s, knowledge::Knowledge{}, findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "env.nvidia_wheels_mismatched");
  EXPECT_NE(findings[0].evidence.find("undefined symbol: " + symbol), std::string::npos)
      << findings[0].evidence;
  EXPECT_TRUE(findings[0].fix.ends_with(" -m pip install 'nvidia-nvjitlink-cu12>=12.1'"))
      << findings[0].fix;
  ExpectResolves(findings[0].fix);
}

// The newest torch's own NVIDIA wheels (CUDA 13, one nvidia/cu13/lib folder from a dozen
// wheels) agree with each other.
TEST(CompanionWheels, TheNewestTorchsNvidiaWheelsAgree) {
  REQUIRE_VENV(venv, "wheels-torch-deps");
  const auto s = Probe(venv);
  ASSERT_EQ(s.python_envs.size(), 1u);
  for (const auto& g : s.python_envs[0].nvidia_library_gaps)
    ADD_FAILURE() << g.library << " lacks " << ::testing::PrintToString(g.missing_symbols);
}

// bitsandbytes' own choice is the oracle: bitsandbytes.cextension.get_cuda_bnb_library_path, run
// in the venv (beside the newest torch) for each CUDA release and BNB_CUDA_VERSION, names the
// file it would load; dlenv reads the wheel's RECORD and must name the same one. A query is a
// release ("132") or a release with the variable's value ("132@124", "132@" for empty).
constexpr const char* kBnbOracle = R"(
import json, os, sys
from bitsandbytes.cextension import get_cuda_bnb_library_path
from bitsandbytes.cuda_specs import CUDASpecs
out = {}
for q in sys.argv[1:]:
    v, at, value = q.partition("@")
    os.environ.pop("BNB_CUDA_VERSION", None)
    if at:
        os.environ["BNB_CUDA_VERSION"] = value
    try:
        p = get_cuda_bnb_library_path(CUDASpecs((9, 0), v, (int(v[:2]), int(v[2:]))))
        out[q] = p.name if p.exists() else None
    except RuntimeError as e:
        out[q] = "error: " + str(e)
print(json.dumps(out))
)";

nlohmann::json BnbChoices(const fs::path& venv, const std::vector<std::string>& queries) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(120);
  opts.env = std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}};
  std::vector<std::string> argv{(venv / "bin/python").string(), "-c", kBnbOracle};
  argv.insert(argv.end(), queries.begin(), queries.end());
  auto r = util::RunCommand(argv, opts);
  EXPECT_TRUE(r.ok()) << r.Describe() << "\n" << r.err;
  const auto line = r.out.substr(r.out.rfind('{'));
  return nlohmann::json::parse(line, nullptr, false);
}

const model::CudaLibraryVariants* Bnb(const model::Snapshot& s) {
  if (s.python_envs.size() != 1) return nullptr;
  for (const auto& v : s.python_envs[0].cuda_library_variants) {
    if (v.package == "bitsandbytes") return &v;
  }
  return nullptr;
}

std::vector<model::Finding> LibraryFindings(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  CheckCudaLibraryVariants(s, knowledge::Knowledge{}, out);
  return out;
}

TEST(CompanionWheels, BitsandbytesLoadsWhatItsOwnCodeChooses) {
  const std::vector<std::string> releases{"118", "120", "121", "124", "125", "127",
                                          "128", "129", "130", "131", "132", "140"};
  for (const char* name : {"companions-bnb-newest", "companions-bnb-older"}) {
    REQUIRE_VENV(venv, name);
    const auto s = Probe(venv);
    const auto* bnb = Bnb(s);
    ASSERT_TRUE(bnb) << name;
    EXPECT_GE(bnb->variants.size(), 5u) << name;
    const auto oracle = BnbChoices(venv, releases);
    ASSERT_TRUE(oracle.is_object()) << name;
    for (const auto& r : releases) {
      auto ours = ChooseCudaLibrary(bnb->variants, std::stoi(r.substr(0, 2)),
                                    std::stoi(r.substr(2)), SameMajorFallback(*bnb));
      const nlohmann::json expected = oracle.at(r);
      EXPECT_EQ(ours ? nlohmann::json(bnb->file_prefix + *ours + ".so") : nlohmann::json(),
                expected)
          << name << " " << bnb->version << ", CUDA " << r;
    }
  }
}

// Beside the newest torch: the newest bitsandbytes says nothing; 0.49.2 is named exactly when
// its own code finds no library for torch's CUDA, and the upgrade resolves.
TEST(CompanionWheels, BitsandbytesWithoutALibraryForTorchsCuda) {
  REQUIRE_VENV(newest, "companions-bnb-newest");
  REQUIRE_VENV(older, "companions-bnb-older");
  for (const auto& f : LibraryFindings(Probe(newest))) ADD_FAILURE() << f.id << ": " << f.evidence;

  const auto s = Probe(older);
  ASSERT_EQ(s.python_envs.size(), 1u);
  const model::FrameworkBuild* torch = nullptr;
  for (const auto& b : s.python_envs[0].frameworks) {
    if (b.name == "torch") torch = &b;
  }
  ASSERT_TRUE(torch && torch->cuda_version);
  std::string release = *torch->cuda_version;
  release.erase(std::remove(release.begin(), release.end(), '.'), release.end());
  const auto oracle = BnbChoices(older, {release});
  const auto findings = LibraryFindings(s);
  if (oracle.at(release).is_null()) {
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].id, "companion.cuda_library_missing");
    EXPECT_NE(findings[0].evidence.find("libbitsandbytes_cuda" + release + ".so"),
              std::string::npos)
        << findings[0].evidence;
    ExpectResolves(findings[0].fix);
  } else {
    EXPECT_TRUE(findings.empty()) << "0.49.2 has a library for CUDA " << release;
  }
}

// BNB_CUDA_VERSION as each release reads it: another major (error), a release not shipped
// (error), an empty value (0.50: error; 0.49: off), the same major (warning), torch's own
// (nothing). The oracle confirms what bitsandbytes loads or raises for each value.
TEST(CompanionWheels, BitsandbytesOverrideVariable) {
  REQUIRE_VENV(newest, "companions-bnb-newest");
  REQUIRE_VENV(older, "companions-bnb-older");
  using V = std::vector<std::pair<std::string, model::Severity>>;
  auto ids = [](const model::Snapshot& s) {
    V out;
    for (const auto& f : LibraryFindings(s)) out.emplace_back(f.id, f.severity);
    return out;
  };
  const auto error = model::Severity::kError;
  const auto s = Probe(newest);
  ASSERT_TRUE(Bnb(s));
  std::string exact = *s.python_envs[0].frameworks.front().cuda_version;
  for (const auto& b : s.python_envs[0].frameworks) {
    if (b.name == "torch" && b.cuda_version) exact = *b.cuda_version;
  }
  exact.erase(std::remove(exact.begin(), exact.end(), '.'), exact.end());
  EXPECT_EQ(ids(Probe(newest, {{"BNB_CUDA_VERSION", "124"}})),
            (V{{"companion.cuda_library_override", error}}));
  EXPECT_EQ(ids(Probe(newest, {{"BNB_CUDA_VERSION", "999"}})),
            (V{{"companion.cuda_library_override", error}}));
  EXPECT_EQ(ids(Probe(newest, {{"BNB_CUDA_VERSION", ""}})),
            (V{{"companion.cuda_library_override", error}}));
  EXPECT_EQ(ids(Probe(older, {{"BNB_CUDA_VERSION", ""}})), V{});
  EXPECT_EQ(ids(Probe(newest, {{"BNB_CUDA_VERSION", exact}})), V{});
  EXPECT_EQ(
      ids(Probe(newest, {{"BNB_CUDA_VERSION", "130"}})),
      (exact == "130" ? V{} : V{{"companion.cuda_library_override", model::Severity::kWarning}}));

  const auto n = BnbChoices(newest, {exact + "@", exact + "@124", exact + "@999"});
  EXPECT_NE(n.at(exact + "@").get<std::string>().find("value must be digits only"),
            std::string::npos)
      << n;
  EXPECT_EQ(n.at(exact + "@124"), "libbitsandbytes_cuda124.so");
  EXPECT_TRUE(n.at(exact + "@999").is_null());
  // 0.49.2 ignores an empty value: it looks for torch's exact release.
  const auto o = BnbChoices(older, {exact + "@", exact});
  EXPECT_EQ(o.at(exact + "@"), o.at(exact)) << o;
}

// onnxruntime-gpu 1.26.0 (CUDA 12.8) beside the newest torch (CUDA 13): torch's NVIDIA wheels
// bring libcublasLt.so.13, not the .so.12 ONNX Runtime's CUDA provider links. On a machine with a
// GPU doctor names the missing libraries; the loader is the oracle (the library it stops at is
// one doctor names), and the fix resolves with pip --dry-run.
TEST(CompanionWheels, OnnxRuntimeGpuOfAnotherCudaMajorThanTorch) {
  REQUIRE_VENV(venv, "companions-ort-cuda12");
  auto s = Probe(venv);
  ASSERT_EQ(s.python_envs.size(), 1u);
  model::GpuInfo gpu;  // the machine judged has a GPU (this one has none)
  gpu.name = "NVIDIA H100 80GB HBM3";
  gpu.cc_major = 9;
  gpu.cc_minor = 0;
  s.gpus.push_back(gpu);
  s.driver.cuda_driver_version = 13020;
  std::vector<model::Finding> findings;
  CheckFrameworks(s, knowledge::BuiltinKnowledge(), findings);
  const model::Finding* missing = nullptr;
  for (const auto& f : findings) {
    if (f.id == "framework.cuda_libs_missing" && f.title.starts_with("onnxruntime ")) missing = &f;
  }
  std::string ids;
  for (const auto& f : findings) ids += f.id + ": " + f.title + "\n";
  ASSERT_TRUE(missing) << ids;
  EXPECT_EQ(missing->id, "framework.cuda_libs_missing");

  std::string provider;
  for (const auto& site : s.python_envs[0].site_packages) {
    const fs::path p = fs::path(site) / "onnxruntime/capi/libonnxruntime_providers_cuda.so";
    if (fs::exists(p)) provider = p.string();
  }
  ASSERT_FALSE(provider.empty());
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  opts.env = std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}};
  auto load = util::RunCommand({(venv / "bin/python").string(), "-c",
                                "import ctypes, sys; ctypes.CDLL(sys.argv[1])", provider},
                               opts);
  ASSERT_FALSE(load.ok()) << "the CUDA provider loaded: its CUDA 12 libraries are here";
  const auto end = load.err.find(": cannot open shared object file");
  ASSERT_NE(end, std::string::npos) << load.err;
  const auto begin = load.err.rfind(' ', end) + 1;
  const std::string soname = load.err.substr(begin, end - begin);
  EXPECT_TRUE(soname.ends_with(".so.12")) << soname;
  EXPECT_NE(missing->evidence.find(soname), std::string::npos)
      << soname << " not in: " << missing->evidence;
  ExpectResolves(missing->fix);
}

}  // namespace
}  // namespace dlenv::rules
