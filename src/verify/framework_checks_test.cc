// Framework checks: error texts captured from real reports map to doctor's finding ids;
// probe documents become the right verdicts (fake acceleration included); and the probe
// scripts run for real on this machine's CPU-only environments (Debian's python3-torch,
// the tensorflow-cpu venv of scripts/make-test-envs.sh).

#include "verify/framework_checks.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "rules/error_signatures.h"
#include "testing/require.h"
#include "util/environment.h"
#include "verify/findings.h"

namespace dlenv::verify {
namespace {

using nlohmann::json;

struct Captured {
  const char* framework;
  const char* text;
  const char* id;
  const char* source;
};

// Each text is quoted from the issue named beside it.
const Captured kCaptured[] = {
    {"torch",
     "RuntimeError: The NVIDIA driver on your system is too old (found version 11040). Please "
     "update your GPU "
     "driver by downloading and installing a new version from the URL: "
     "http://www.nvidia.com/Download/index.aspx "
     "Alternatively, go to: https://pytorch.org to install a PyTorch version that has been "
     "compiled with your "
     "version of the CUDA driver.",
     "driver.too_old", "https://github.com/lllyasviel/Fooocus/issues/1313"},
    {"tensorflow",
     "cudaGetDevice() failed. Status: CUDA driver version is insufficient for CUDA runtime version",
     "driver.too_old", "https://github.com/tensorflow/tensorflow/issues/37978"},
    {"torch",
     "RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version",
     "driver.too_old", "https://github.com/nagadomi/nunif/issues/702"},
    {"torch",
     "RuntimeError: CUDA error: no kernel image is available for execution on the device\nCUDA "
     "kernel errors "
     "might be asynchronously reported at some other API call, so the stacktrace below might be "
     "incorrect.",
     "gpu.arch_unsupported", "https://github.com/dphnAI/sonar/issues/49"},
    {"jax", "RuntimeError: Unknown: no kernel image is available for execution on the device",
     "gpu.arch_unsupported", "https://github.com/jax-ml/jax/issues/11967"},
    {"torch",
     "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA "
     "GPU and installed "
     "a driver from http://www.nvidia.com/Download/index.aspx",
     "driver.not_found", "https://github.com/facebookresearch/pytorch3d/issues/1259"},
    {"torch",
     "Could not load library libcudnn_cnn_infer.so.8. Error: libcuda.so: cannot open shared object "
     "file: No such "
     "file or directory",
     "driver.not_found", "https://github.com/TinyLLaVA/TinyLLaVA_Factory/issues/134"},
    {"onnxruntime",
     "ImportError: libcudnn.so.8: cannot open shared object file: No such file or directory",
     "framework.cuda_libs_missing", "https://github.com/microsoft/onnxruntime-genai/issues/344"},
    {"tensorflow",
     "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
     "library "
     "'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such "
     "file or directory; "
     "LD_LIBRARY_PATH: /usr/local/lib/python3.10/dist-packages/cv2/../../lib64:/usr/lib64-nvidia",
     "framework.cuda_libs_missing", "https://github.com/ali-vilab/dreamtalk/issues/32"},
    {"torch",
     "Could not load library libcudnn_ops_infer.so.8. Error: libcudnn_ops_infer.so.8: cannot open "
     "shared object "
     "file: No such file or directory",
     "framework.cuda_libs_missing", "https://github.com/jhj0517/Whisper-WebUI/issues/294"},
    {"torch", "AssertionError: Torch not compiled with CUDA enabled", "framework.cpu_only_build",
     "https://github.com/facebookresearch/detectron2/issues/460"},
};

TEST(FrameworkFailures, CapturedTextsMapToDoctorsFindingIds) {
  for (const auto& c : kCaptured) {
    auto f = rules::ClassifyErrorText(c.framework, c.text);
    ASSERT_TRUE(f.has_value()) << c.source;
    EXPECT_EQ(f->id, c.id) << c.source;
    EXPECT_FALSE(f->fix.empty());
    EXPECT_FALSE(f->evidence.empty());
  }
}

TEST(FrameworkFailures, TheMissingLibraryIsNamed) {
  auto f = rules::ClassifyErrorText(
      "torch", "OSError: libcudnn.so.9: cannot open shared object file: No such file");
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(f->title.find("libcudnn.so.9"), std::string::npos);
  EXPECT_NE(f->fix.find("libcudnn.so.9"), std::string::npos);
}

TEST(FrameworkFailures, UnrelatedErrorsAreNotGuessed) {
  EXPECT_FALSE(rules::ClassifyErrorText(
      "torch", "RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB"));
  EXPECT_FALSE(rules::ClassifyErrorText("torch", "ValueError: shapes (2,3) and (4,5) not aligned"));
  EXPECT_FALSE(rules::ClassifyErrorText("torch", ""));
}

json GpuDoc() {
  return json::parse(R"({
    "framework": "torch", "installed": true, "version": "2.3.1+cu121", "cuda_build": true,
    "cuda_version": "12.1", "cudnn_version": 8902, "cudnn_enabled": true, "gpu_available": true,
    "device_count": 1, "devices": ["NVIDIA H100 80GB HBM3"], "arch_list": ["sm_90"],
    "checks": [
      {"name": "memory", "status": "pass", "detail": "memory_allocated grew by 67108864 bytes"},
      {"name": "matmul", "status": "pass", "detail": "exact", "device": "cuda:0"},
      {"name": "conv2d", "status": "pass", "detail": "exact", "device": "cuda:0"}],
    "errors": [], "warnings": []})");
}

TEST(FrameworkDocuments, GpuWorkOnTheGpuPasses) {
  auto r = EvaluateFrameworkDocument({"/venv/bin/python", "torch", false}, GpuDoc(), true);
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_TRUE(r.findings.empty());
}

// A document whose fields have the wrong types (json::value() would throw): read as absent,
// never a crash.
TEST(FrameworkDocuments, FieldsOfTheWrongTypeReadAsAbsent) {
  auto doc = GpuDoc();
  doc["seconds"] = "1.5";
  doc["gpu_available"] = "yes";
  doc["checks"] = json::array({1, {{"name", {{"a", 1}}}, {"status", "pass"}, {"device", 7}}});
  doc["cudnn_enabled"] = "no";
  CheckResult r;
  ASSERT_NO_THROW(r = EvaluateFrameworkDocument({"p", "torch", false}, doc, true));
  EXPECT_DOUBLE_EQ(r.seconds, 0);
  for (const auto& e : r.evidence) EXPECT_EQ(e.find("{\"a\""), std::string::npos) << e;
}

TEST(FrameworkDocuments, ResultOnTheCpuIsFakeAcceleration) {
  auto doc = GpuDoc();
  doc["checks"][1]["device"] = "cpu";
  auto r = EvaluateFrameworkDocument({"/venv/bin/python", "torch", false}, doc, true);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  ASSERT_FALSE(r.findings.empty());
  EXPECT_EQ(r.findings[0].id, "framework.fake_acceleration");
  EXPECT_NE(r.findings[0].evidence.find("matmul ran on cpu"), std::string::npos);
}

TEST(FrameworkDocuments, MemoryThatDoesNotGrowOrUnusableCudnnIsFakeAcceleration) {
  auto doc = GpuDoc();
  doc["checks"][0]["status"] = "fail";
  auto r = EvaluateFrameworkDocument({"p", "torch", false}, doc, true);
  EXPECT_EQ(r.findings.at(0).id, "framework.fake_acceleration");
  doc = GpuDoc();
  doc["cudnn_version"] = nullptr;
  r = EvaluateFrameworkDocument({"p", "torch", false}, doc, true);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.findings.at(0).id, "framework.fake_acceleration");
}

TEST(FrameworkDocuments, CpuOnlyBuildOnAGpuMachineIsAnError) {
  auto doc = GpuDoc();
  doc["gpu_available"] = false;
  doc["cuda_build"] = false;
  auto r = EvaluateFrameworkDocument({"p", "torch", false}, doc, true);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.findings.at(0).id, "framework.cpu_only_build");
  // The same build on a machine without a GPU is simply the CPU path.
  r = EvaluateFrameworkDocument({"p", "torch", false}, doc, false);
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_TRUE(r.findings.empty());
}

TEST(FrameworkDocuments, CudaBuildWarningExplainsAMissingGpu) {
  auto doc = GpuDoc();
  doc["gpu_available"] = false;
  doc["warnings"] = {
      "CUDA initialization: The NVIDIA driver on your system is too old (found version 11040)."};
  auto r = EvaluateFrameworkDocument({"p", "torch", false}, doc, true);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.findings.at(0).id, "driver.too_old");
}

TEST(FrameworkDocuments, ImportFailureIsClassified) {
  json doc = {{"framework", "tensorflow"},
              {"installed", false},
              {"import_error", true},
              {"errors",
               {"ImportError: libcudart.so.12: cannot open shared object file: No such file or "
                "directory"}}};
  auto r = EvaluateFrameworkDocument({"p", "tensorflow", false}, doc, true);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.findings.at(0).id, "framework.cuda_libs_missing");
}

// ---- the probe scripts, for real --------------------------------------------------------

std::string TfVenvPython() {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  return std::string(dir ? dir : "/var/tmp/dlenv-test-envs") + "/tf/bin/python";
}

const auto kSlowDeadline =
    std::chrono::seconds(300);  // TensorFlow's import alone is slow on a busy machine

TEST(FrameworkScripts, DebianTorchComputesOnItsCpuPath) {
  if (!std::filesystem::exists("/usr/bin/python3")) DLENV_SKIP_OR_FAIL("no /usr/bin/python3");
  auto r = RunFrameworkCheck({"/usr/bin/python3", "torch", true}, util::Environment::FromProcess(),
                             kSlowDeadline, false);
  if (r.verdict == Verdict::kSkip) {
    DLENV_SKIP_OR_FAIL("python3-torch is not installed (apt install python3-torch)");
  }
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.summary;
  EXPECT_NE(r.summary.find("CPU path"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("matmul"), std::string::npos);
  EXPECT_NE(r.summary.find("conv2d"), std::string::npos);
  // Debian's build has no CUDA: on a machine with a GPU that is the finding.
  auto on_gpu_machine = RunFrameworkCheck({"/usr/bin/python3", "torch", true},
                                          util::Environment::FromProcess(), kSlowDeadline, true);
  EXPECT_EQ(on_gpu_machine.verdict, Verdict::kFail);
  ASSERT_FALSE(on_gpu_machine.findings.empty());
  EXPECT_EQ(on_gpu_machine.findings[0].id, "framework.cpu_only_build");
}

TEST(FrameworkScripts, TensorflowCpuVenvComputesOnItsCpuPath) {
  const auto python = TfVenvPython();
  if (!std::filesystem::exists(python))
    DLENV_SKIP_OR_FAIL(python << " missing (scripts/make-test-envs.sh)");
  auto r = RunFrameworkCheck({python, "tensorflow", true}, util::Environment::FromProcess(),
                             kSlowDeadline, false);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.summary;
  EXPECT_NE(r.summary.find("matmul, conv2d"), std::string::npos) << r.summary;
}

TEST(FrameworkScripts, JaxInTheTestVenvComputesOnItsCpuPath) {
  const auto python = TfVenvPython();
  if (!std::filesystem::exists(python)) DLENV_SKIP_OR_FAIL(python << " missing");
  auto r = RunFrameworkCheck({python, "jax", true}, util::Environment::FromProcess(), kSlowDeadline,
                             false);
  if (r.verdict == Verdict::kSkip) DLENV_SKIP_OR_FAIL("jax is not installed in " << python);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.summary;
}

TEST(FrameworkScripts, AnAbsentFrameworkIsASkipAndABrokenInterpreterAFailure) {
  if (!std::filesystem::exists("/usr/bin/python3")) DLENV_SKIP_OR_FAIL("no /usr/bin/python3");
  auto r = RunFrameworkCheck({"/usr/bin/python3", "cupy", true}, util::Environment::FromProcess(),
                             kSlowDeadline, true);
  EXPECT_EQ(r.verdict, Verdict::kSkip);
  EXPECT_EQ(r.summary, "not installed");
  auto broken = RunFrameworkCheck({"/nonexistent/python", "torch", true},
                                  util::Environment::FromProcess(), std::chrono::seconds(10), true);
  EXPECT_EQ(broken.verdict, Verdict::kFail);
  EXPECT_FALSE(broken.findings.empty());
}

}  // namespace
}  // namespace dlenv::verify

namespace dlenv::verify {
namespace {

// Only installed frameworks are checked, and what counts as installed is the framework
// identity's: tensorflow-io (which this file's old prefix test took for TensorFlow) and jaxlib
// alone (no `import jax`) do not make a target.
TEST(FrameworkTargets, InstalledMeansTheIdentitysDistributions) {
  model::Snapshot s;
  model::PythonEnv env;
  env.prefix = "/opt/env";
  env.executable = "/opt/env/bin/python";
  for (const char* name : {"tensorflow-io", "jaxlib", "cupy-cuda12x", "torchvision"}) {
    model::PackageRecord r;
    r.name = r.normalized_name = name;
    r.version = "1.0";
    env.packages.push_back(r);
  }
  s.python_envs.push_back(env);
  auto targets = PlanFrameworkTargets(s, {}, {});
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].framework, "cupy");
  env.packages[0].name = env.packages[0].normalized_name = "tensorflow-cpu";
  env.packages[1].name = env.packages[1].normalized_name = "jax";
  s.python_envs = {env};
  targets = PlanFrameworkTargets(s, {}, {});
  std::vector<std::string> got;
  for (const auto& t : targets) got.push_back(t.framework);
  EXPECT_EQ(got, (std::vector<std::string>{"tensorflow", "jax", "cupy"}));
}

}  // namespace
}  // namespace dlenv::verify
