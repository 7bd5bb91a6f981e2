#include "bench/compare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "bench/result_json.h"
#include "bench/text_report.h"
#include "testing/fake_driver_env.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::bench {
namespace {

constexpr SamplingPolicy kTiny{.warmup_runs = 1,
                               .warmup_seconds = 0,
                               .min_samples = 5,
                               .max_samples = 8,
                               .min_seconds = 0,
                               .max_seconds = 2};

TEST(CompareParse, ReadsRunsAndKeepsErrors) {
  FrameworkProcess p;
  p.framework = "torch";
  std::vector<FrameworkRun> runs;
  ParseFrameworkOutput(
      "noise printed by an import\n"
      R"({"framework":"torch","version":"2.3.1+cu121","device":"cuda:0","import_seconds":1.5,"runs":[)"
      R"({"workload":"matmul","variant":"8192 float32","mode":"eager","seconds":[0.1,0.2],"work":2e12,"unit":"GFLOP/s",)"
      R"("check":{"done":true,"passed":true,"detail":"ok"}},)"
      R"({"workload":"rnn_dynamic","variant":"v","mode":"compiled","compiler":"torch.compile","error":"RuntimeError: x"},)"
      R"({"workload":"conv2d_bwd","variant":"v","mode":"eager","skipped":"no autograd"}]})",
      "/usr/bin/python3", p, runs);
  ASSERT_FALSE(p.error);
  EXPECT_DOUBLE_EQ(p.import_seconds, 1.5);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].framework_version, "2.3.1+cu121");
  EXPECT_EQ(runs[0].device, "cuda:0");
  EXPECT_EQ(runs[0].seconds.size(), 2u);
  EXPECT_TRUE(runs[0].check.passed);
  EXPECT_EQ(runs[1].mode, "compiled (torch.compile)");
  EXPECT_EQ(runs[1].error.value_or(""), "RuntimeError: x");
  EXPECT_EQ(runs[2].skipped.value_or(""), "no autograd");
}

TEST(CompareParse, HostileOutputBecomesAProcessError) {
  for (
      const char* text :
      {"", "not json", "[1,2]", R"({"error":"ModuleNotFoundError: No module named 'torch'"})",
       R"({"runs":"no"})", R"({"runs":[1,"x",{"seconds":["a",null]}]})",
       // Found by fuzz_compare_output: fields of the wrong type (json::value threw).
       R"({"version":1,"device":[],"import_seconds":"x","runs":[{"workload":{},"variant":{"done":true},)"
       R"("mode":2,"unit":null,"work":"9","seconds":[1],"check":{"done":"yes","detail":3}}]})"}) {
    FrameworkProcess p;
    std::vector<FrameworkRun> runs;
    ParseFrameworkOutput(text, "py", p, runs);
    if (std::string(text).find("seconds") != std::string::npos) {
      EXPECT_FALSE(p.error) << text;  // malformed entries are dropped, not fatal
      ASSERT_EQ(runs.size(), 1u);
      EXPECT_EQ(runs[0].seconds.size(),
                std::string(text).find("[1]") != std::string::npos ? 1u : 0u);
      EXPECT_TRUE(runs[0].variant.empty());
      EXPECT_FALSE(runs[0].check.done);
    } else {
      EXPECT_TRUE(p.error) << text;
    }
  }
}

FrameworkRun MatmulRun(std::string framework, std::vector<double> seconds) {
  FrameworkRun r;
  r.workload = "matmul";
  r.variant = "1024 float32";
  r.framework = std::move(framework);
  r.mode = "eager";
  r.unit = "GFLOP/s";
  r.work = 2e9;
  r.seconds = std::move(seconds);
  r.check = {true, true, "ok"};
  return r;
}

TEST(CompareEvaluate, VerdictsAgainstTheFastestAndShareOfNative) {
  CompareReport report;
  report.native["1024 float32"] = 100;  // GFLOP/s
  // 2e9 FLOP in 0.02 s = 100 GFLOP/s; 0.04 s = 50 GFLOP/s; 0.0202 s is within noise.
  report.runs.push_back(
      MatmulRun("numpy", {0.0200, 0.0198, 0.0202, 0.0201, 0.0199, 0.0200, 0.0203}));
  report.runs.push_back(
      MatmulRun("torch", {0.0400, 0.0396, 0.0404, 0.0402, 0.0398, 0.0400, 0.0406}));
  report.runs.push_back(
      MatmulRun("tensorflow", {0.0202, 0.0190, 0.0214, 0.0196, 0.0208, 0.0202, 0.0200}));
  auto wrong = MatmulRun("jax", {0.001, 0.001, 0.001, 0.001, 0.001});
  wrong.check = {true, false, "entry 3 differs"};
  report.runs.push_back(wrong);
  Evaluate(report);
  EXPECT_NEAR(report.runs[0].value, 100, 1e-9);
  EXPECT_NEAR(*report.runs[0].share_of_native, 1.0, 1e-9);
  EXPECT_NEAR(*report.runs[1].share_of_native, 0.5, 1e-9);
  // The wrong answer is fast but never the fastest.
  ASSERT_EQ(report.verdicts.size(), 2u);
  for (const auto& v : report.verdicts) {
    EXPECT_EQ(v.fastest, 0u);
    if (v.run == 1) {
      EXPECT_EQ(v.comparison.verdict, Verdict::kFirstFaster);
    }
    if (v.run == 2) {
      EXPECT_EQ(v.comparison.verdict, Verdict::kSame);
    }
  }
  const std::string text = RenderCompareText(report);
  EXPECT_NE(text.find("slower x2.00"), std::string::npos) << text;
  EXPECT_NE(text.find("within noise"), std::string::npos) << text;
  EXPECT_NE(text.find("WRONG RESULT"), std::string::npos) << text;
}

TEST(CompareWorkloads, SizesPerDeviceAndFilters) {
  auto cpu = DefaultWorkloads(false, {}, {"matmul"});
  ASSERT_EQ(cpu.size(), 2u);  // float32 and float64
  EXPECT_EQ(cpu[0]["n"], kDefaultCpuMatmulSize);
  auto gpu = DefaultWorkloads(true, {4096}, {"matmul"});
  ASSERT_EQ(gpu.size(), 4u);  // float32, tfloat32, float16, bfloat16
  EXPECT_EQ(gpu[3]["dtype"], "bfloat16");
  EXPECT_EQ(gpu[0]["n"], 4096);
  EXPECT_EQ(DefaultWorkloads(false, {}, {}).size(), 8u);
}

// The real thing: the embedded scripts in a real interpreter, its answers checked by NumPy.
CompareReport RealCompare(const std::string& python, const std::string& framework,
                          std::vector<std::string> workloads) {
  CompareOptions o;
  o.pythons = {python};
  o.frameworks = {framework};
  o.workloads = std::move(workloads);
  o.device = "cpu";
  o.sizes = {128};
  o.threads = 1;
  o.policy = kTiny;
  o.process_deadline_seconds = 300;
  return MeasureCompare(o);
}

void ExpectAllChecked(const CompareReport& r, const std::string& framework) {
  ASSERT_EQ(r.processes.size(), 1u) << RenderCompareText(r);
  ASSERT_FALSE(r.processes[0].error) << *r.processes[0].error;
  std::size_t measured = 0;
  for (const auto& run : r.runs) {
    // dlenv's own baseline joins the matmul comparisons; its answer is checked the same way.
    if (run.framework == "dlenv") {
      EXPECT_TRUE(run.check.passed) << run.check.detail;
      continue;
    }
    EXPECT_EQ(run.framework, framework);
    EXPECT_FALSE(run.error) << run.workload << ": " << *run.error;
    if (run.skipped || run.workload == "empty") continue;
    ++measured;
    EXPECT_TRUE(run.check.done && run.check.passed)
        << run.workload << " " << run.mode << ": " << run.check.detail;
    EXPECT_GT(run.value, 0);
  }
  EXPECT_GT(measured, 0u);
}

TEST(CompareReal, NumPyInDebiansPython) {
  if (!std::filesystem::exists("/usr/bin/python3")) DLENV_SKIP_OR_FAIL("no /usr/bin/python3");
  auto r =
      RealCompare("/usr/bin/python3", "numpy", {"empty", "matmul", "mlp_train", "rnn_dynamic"});
  if (r.processes.empty()) DLENV_SKIP_OR_FAIL("numpy is not installed for /usr/bin/python3");
  ExpectAllChecked(r, "numpy");
  EXPECT_TRUE(r.native.count("128 float32")) << "the native baseline ran";
  bool shared = false, native_run = false;
  for (const auto& run : r.runs) {
    shared |= run.framework == "numpy" && run.share_of_native.has_value();
    native_run |= run.framework == "dlenv" && run.mode == "native";
  }
  EXPECT_TRUE(shared);
  EXPECT_TRUE(native_run) << "the native baseline is one of the compared runs";
}

TEST(CompareReal, DebiansPyTorchEagerAndTorchScript) {
  if (!std::filesystem::exists("/usr/bin/python3")) DLENV_SKIP_OR_FAIL("no /usr/bin/python3");
  auto r = RealCompare("/usr/bin/python3", "torch", {"matmul", "rnn_dynamic"});
  if (r.processes.empty()) DLENV_SKIP_OR_FAIL("python3-torch is not installed");
  ExpectAllChecked(r, "torch");
  bool compiled = false;
  for (const auto& run : r.runs) compiled |= run.mode.rfind("compiled", 0) == 0 && !run.skipped;
  EXPECT_TRUE(compiled);
}

TEST(CompareReal, PipTensorFlowInAVenv) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  const std::string python = std::string(dir ? dir : "/var/tmp/dlenv-test-envs") + "/tf/bin/python";
  if (!std::filesystem::exists(python))
    DLENV_SKIP_OR_FAIL(python << " missing: run scripts/make-test-envs.sh");
  auto r = RealCompare(python, "tensorflow", {"matmul", "mlp_train"});
  if (r.processes.empty()) DLENV_SKIP_OR_FAIL("tensorflow is not installed in " << python);
  ExpectAllChecked(r, "tensorflow");
}

// A real CuPy (pip's cupy-cuda12x) on this CPU-only machine: compare finds it, its script
// imports it, and the process says it was skipped, not that it failed.
TEST(CompareReal, PipCuPyOnACpuIsSkippedNotAnError) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  const std::string python =
      std::string(dir ? dir : "/var/tmp/dlenv-test-envs") + "/cupy/bin/python";
  if (!std::filesystem::exists(python))
    DLENV_SKIP_OR_FAIL(python << " missing: run scripts/make-test-envs.sh");
  auto r = RealCompare(python, "cupy", {"matmul", "copy"});
  ASSERT_EQ(r.processes.size(), 1u) << RenderCompareText(r);
  EXPECT_EQ(r.processes[0].framework, "cupy");
  EXPECT_FALSE(r.processes[0].error) << *r.processes[0].error;
  ASSERT_TRUE(r.processes[0].skipped) << RenderCompareText(r);
  EXPECT_NE(r.processes[0].skipped->find("GPU only"), std::string::npos) << *r.processes[0].skipped;
  EXPECT_NE(RenderCompareText(r).find("skipped: CuPy runs on a GPU only"), std::string::npos);
  for (const auto& run : r.runs) EXPECT_NE(run.framework, "cupy");
}

// A GPU comparison on the fake driver (tests/fake_driver), through the CLI: dlenv's own GEMMs
// in each dtype (bf16 by both cuBLAS routes) and its device copy are the baseline, the H100's
// datasheet the peaks; NumPy, CPU-only, says so once for its whole process.
TEST(CompareFakeGpu, NativeBaselineAndPeaksOnAGpu) {
  testing::TempTree tree;
  const nlohmann::json scenario = {{"driver_version", "550.54.15"},
                                   {"cuda_driver_version", 12040},
                                   {"gpus",
                                    {{{"name", "NVIDIA H100 80GB HBM3"},
                                      {"pci_bus_id", "00000000:3B:00.0"},
                                      {"cc", {9, 0}},
                                      {"memory_total", 256 << 20},
                                      {"l2_bytes", 1 << 20}}}}};
  auto config = tree.Write("scenario.json", scenario.dump());
  auto env = testing::FakeDriverEnv(config);
  util::ChildOptions child = ::dlenv::testing::ToolOptions();
  child.env = env;
  child.deadline = std::chrono::seconds(300);
  auto run = util::RunCommand(
      {DLENV_BINARY, "compare", "--device", "cuda", "--python", "/usr/bin/python3", "--framework",
       "numpy", "--workload", "matmul,copy", "--sizes", "32", "--quick", "--json"},
      child);
  ASSERT_EQ(run.outcome, util::ChildResult::Outcome::kExited) << run.Describe() << run.err;
  const auto doc = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << run.out << run.err;
  std::set<std::string> natives;
  for (const auto& r : doc["runs"]) {
    if (r["framework"] != "dlenv") continue;
    natives.insert(r["variant"].get<std::string>() + " " + r["mode"].get<std::string>());
    EXPECT_TRUE(r["check"]["passed"].get<bool>()) << r.dump();
    ASSERT_TRUE(r["share_of_peak"].is_number()) << r.dump();
    EXPECT_GT(r["share_of_peak"].get<double>(), 0);
  }
  EXPECT_EQ(natives,
            (std::set<std::string>{"32 float32 native", "32 tfloat32 native", "32 float16 native",
                                   "32 bfloat16 native", "32 bfloat16 native (cuBLASLt)",
                                   "1024 MiB native (cuMemcpyDtoD)"}))
      << doc.dump(2);
  EXPECT_EQ(doc["native"].size(), 5u) << doc["native"].dump();
  EXPECT_DOUBLE_EQ(doc["peaks"]["32 bfloat16"].get<double>(), 989e3);  // H100 SXM, dense, GFLOP/s
  EXPECT_DOUBLE_EQ(doc["peaks"]["1024 MiB"].get<double>(), 3350);      // GB/s
  if (!doc["processes"].empty()) {  // numpy is installed for /usr/bin/python3
    ASSERT_EQ(doc["processes"].size(), 1u);
    EXPECT_NE(doc["processes"][0]["skipped"].get<std::string>().find("CPU only"), std::string::npos)
        << doc["processes"].dump();
  }
}

TEST(CompareReal, MissingInterpreterIsAWarningNotACrash) {
  auto r = RealCompare("/nonexistent/python3", "numpy", {"matmul"});
  EXPECT_TRUE(r.processes.empty());
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find("/nonexistent/python3"), std::string::npos);
  // And plainly that nothing was compared.
  EXPECT_NE(r.warnings[1].find(
                "no framework to compare: none of numpy is installed for /nonexistent/python3"),
            std::string::npos)
      << r.warnings[1];
}

TEST(CompareJson, DocumentCarriesSchemaAndVerdicts) {
  CompareReport report;
  report.runs.push_back(MatmulRun("numpy", {1, 1, 1, 1, 1}));
  report.runs.push_back(MatmulRun("torch", {2, 2, 2, 2, 2}));
  Evaluate(report);
  nlohmann::json j = report;
  EXPECT_EQ(j["schema_version"], kBenchSchemaVersion);
  EXPECT_EQ(j["kind"], "compare");
  EXPECT_EQ(j["verdicts"][0]["comparison"]["verdict"], "first faster");
  EXPECT_EQ(j["runs"][1]["time"]["median"], 2.0);
}

}  // namespace
}  // namespace dlenv::bench
