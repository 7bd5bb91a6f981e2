#include "bench/gpu_bench.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing/fake_driver_env.h"
#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::bench {
namespace {

using nlohmann::json;

TEST(GpuBenchOutput, MeasurementsAndPeaksAreRead) {
  BenchReport report;
  const json doc = {
      {"gpu", "NVIDIA H100 80GB HBM3 (compute capability 9)"},
      {"measurements",
       {{{"group", "gpu.gemm"},
         {"name", "bf16 gemm 8192"},
         {"unit", "GFLOP/s"},
         {"work", 2.0 * 8192 * 8192 * 8192},
         {"seconds", {0.0016, 0.0015, 0.0017}},
         {"peak", 989000.0},
         {"peak_source", "H100 SXM datasheet (bf16)"},
         {"check", {{"done", true}, {"passed", true}, {"detail", "ok"}}}},
        {{"group", "gpu.latency"},
         {"name", "kernel launch"},
         {"unit", "us"},
         {"work", 1000},
         {"seconds", {2e-6, 3e-6, 2.5e-6}}}}},
      {"before", {{"sm_clock_mhz", 1980}, {"throttle_reasons", 1}}},
      {"after", {{"sm_clock_mhz", 1980}, {"sm_clock_max_mhz", 1980}, {"throttle_reasons", 1}}}};
  ApplyGpuOutput(doc.dump(), report);
  ASSERT_EQ(report.measurements.size(), 2u);
  const auto& gemm = report.measurements[0];
  // 2 * 8192^3 FLOP in the median 1.6 ms.
  EXPECT_NEAR(gemm.value, 2.0 * 8192 * 8192 * 8192 / 0.0016 / 1e9, 1e-6);
  EXPECT_DOUBLE_EQ(*gemm.peak, 989000.0);
  EXPECT_TRUE(gemm.check.passed);
  EXPECT_NEAR(report.measurements[1].value, 2.5, 1e-9);  // microseconds per launch
  EXPECT_TRUE(report.warnings.empty()) << "idle (0x1) is not throttling";
  EXPECT_EQ(*report.gpu, "NVIDIA H100 80GB HBM3 (compute capability 9)");
}

TEST(GpuBenchOutput, ThrottlingIsWarnedAbout) {
  BenchReport report;
  // 0x4 software power cap, 0x20 software thermal slowdown; SM clock 1400 of 1980 MHz.
  ApplyGpuOutput(
      json{{"after",
            {{"sm_clock_mhz", 1400}, {"sm_clock_max_mhz", 1980}, {"throttle_reasons", 0x24}}}}
          .dump(),
      report);
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_NE(report.warnings[0].find("0x24"), std::string::npos) << report.warnings[0];
  EXPECT_NE(report.warnings[1].find("1400 MHz"), std::string::npos) << report.warnings[1];
}

TEST(GpuBenchOutput, HostileOutputIsAWarning) {
  for (const char* text :
       {"", "{", "[]", R"({"measurements":[{"seconds":"x"}]})", R"({"no_gpu":"none"})"}) {
    BenchReport report;
    ApplyGpuOutput(text, report);
    EXPECT_TRUE(report.measurements.empty()) << text;
  }
}

TEST(GpuBenchPtx, AssemblesForOldAndNewArchitectures) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const std::filesystem::path ptxas = nv.bin() / "ptxas";
  testing::TempTree tree;
  const auto ptx = tree.Write("bench.ptx", std::string(GpuBenchPtx()));
  // sm_75 is the oldest a CUDA 13 ptxas accepts; sm_90 is Hopper; sm_120 Blackwell.
  for (const char* arch : {"sm_75", "sm_90", "sm_120"}) {
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.deadline = std::chrono::seconds(60);
    auto r = util::RunCommand({ptxas.string(), std::string("-arch=") + arch, ptx.string(), "-o",
                               (tree / "out.cubin").string()},
                              o);
    EXPECT_TRUE(r.ok()) << arch << ": " << r.Describe() << r.err;
  }
}

// The CLI against the fake driver (tests/fake_driver): its "device memory" is host memory and
// its cuBLAS/cuBLASLt compute on the CPU, so every measurement runs for real at small sizes
// and every check compares real results.
struct BenchRun {
  json doc;
  int exit_code = -1;
};

BenchRun RunBenchOnFakeDriver(const json& scenario, std::vector<std::string> extra = {},
                              bool json_output = true) {
  testing::TempTree tree;
  auto config = tree.Write("scenario.json", scenario.dump());
  auto env = testing::FakeDriverEnv(config);
  std::vector<std::string> argv = {DLENV_BINARY, "bench", "--gpu-only", "--quick"};
  if (json_output) argv.push_back("--json");
  argv.insert(argv.end(), extra.begin(), extra.end());
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.env = env;
  options.deadline = std::chrono::seconds(120);
  auto r = util::RunCommand(argv, options);
  EXPECT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe() << r.err;
  if (!json_output) return {json(r.out), r.exit_code};
  return {json::parse(r.out, nullptr, false), r.exit_code};
}

// An H100 with 256 MiB of (host) memory, so that copies stay small.
json FakeGpu(const char* name, int cc_major, int cc_minor) {
  return {{"driver_version", "550.54.15"},
          {"cuda_driver_version", 12040},
          {"gpus",
           {{{"name", name},
             {"pci_bus_id", "00000000:3B:00.0"},
             {"cc", {cc_major, cc_minor}},
             {"memory_total", 256 << 20},
             {"l2_bytes", 1 << 20},
             {"clocks", {{"sm", 1980}, {"sm_max", 1980}, {"mem", 2619}, {"mem_max", 2619}}},
             {"throttle_reasons", 0}}}}};
}
const json kOneH100 = FakeGpu("NVIDIA H100 80GB HBM3", 9, 0);

bool Mentions(const json& list, const std::string& text) {
  if (!list.is_array()) return false;
  for (const auto& s : list) {
    if (s.is_string() && s.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

const json* Find(const json& doc, const std::string& name) {
  for (const auto& m : doc["measurements"]) {
    if (m.value("name", "") == name) return &m;
  }
  return nullptr;
}

std::vector<std::string> Names(const json& doc) {
  std::vector<std::string> names;
  for (const auto& m : doc["measurements"]) names.push_back(m.value("name", ""));
  return names;
}

TEST(GpuBenchFakeDriver, EveryMeasurementRunsAndIsCheckedOnAnH100) {
  BenchRun run = RunBenchOnFakeDriver(kOneH100, {"--sizes", "32"});
  ASSERT_TRUE(run.doc.is_object());
  EXPECT_EQ(run.exit_code, 0) << run.doc.dump(2);
  const std::vector<std::string> want = {"fp32 gemm 32",
                                         "tf32 gemm 32",
                                         "fp16 gemm 32",
                                         "bf16 gemm 32",
                                         "bf16 gemm 32 (cuBLASLt)",
                                         "fp8 gemm 32 (cuBLASLt)",
                                         "device copy (cuMemcpyDtoD)",
                                         "kernel launch",
                                         "streaming kernel (float4 copy)",
                                         "host to device pageable",
                                         "device to host pageable",
                                         "host to device pinned",
                                         "device to host pinned"};
  EXPECT_EQ(Names(run.doc), want);
  for (const auto& m : run.doc["measurements"]) {
    const std::string name = m.value("name", "");
    EXPECT_TRUE(m.value("error", json()).is_null()) << name << ": " << m.dump();
    EXPECT_GE(m["seconds"].size(), 5u) << name;
    if (name != "kernel launch") {
      EXPECT_TRUE(m["check"]["passed"].get<bool>()) << name << ": " << m["check"].dump();
    }
  }
  // Peaks come from the datasheet table: the H100 SXM's dense fp8 figure, in GFLOP/s.
  const json* fp8 = Find(run.doc, "fp8 gemm 32 (cuBLASLt)");
  ASSERT_NE(fp8, nullptr);
  EXPECT_DOUBLE_EQ((*fp8)["peak"].get<double>(), 1979e3);
  EXPECT_EQ((*fp8)["params"]["library"], "cuBLASLt");
  EXPECT_NE(
      (*Find(run.doc, "fp32 gemm 32"))["check"]["detail"].get<std::string>().find("1024 entries"),
      std::string::npos);  // 32 x 32: checked whole
  EXPECT_TRUE(Mentions(run.doc["notes"], "32 MiB workspace")) << run.doc["notes"].dump(2);
  EXPECT_TRUE(Mentions(run.doc["notes"], "cuBLASLt 12.4.2")) << run.doc["notes"].dump(2);
}

// --json-file: the table on stdout for the person, the document in a file for the script.
TEST(GpuBenchFakeDriver, TextOnStdoutAndTheDocumentInAFile) {
  testing::TempTree tree;
  const auto file = tree / "bench.json";
  BenchRun run =
      RunBenchOnFakeDriver(kOneH100, {"--sizes", "32", "--json-file", file.string()}, false);
  ASSERT_TRUE(run.doc.is_string());
  const std::string text = run.doc.get<std::string>();
  EXPECT_NE(text.find("fp8 gemm 32 (cuBLASLt)"), std::string::npos) << text;
  EXPECT_NE(text.find("of 1979 TFLOP/s"), std::string::npos) << text;
  std::ifstream in(file);
  const json doc = json::parse(in, nullptr, false);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["kind"], "bench");
  EXPECT_EQ(doc["measurements"].size(), 13u);
}

TEST(GpuBenchFakeDriver, AnAmpereGpuHasNoFp8) {
  BenchRun run = RunBenchOnFakeDriver(FakeGpu("NVIDIA A100-SXM4-80GB", 8, 0), {"--sizes", "32"});
  ASSERT_TRUE(run.doc.is_object());
  EXPECT_EQ(Find(run.doc, "fp8 gemm 32 (cuBLASLt)"), nullptr);
  EXPECT_NE(Find(run.doc, "bf16 gemm 32 (cuBLASLt)"), nullptr);
  EXPECT_TRUE(Mentions(run.doc["notes"], "compute capability 8.0 has no fp8"))
      << run.doc["notes"].dump(2);
  EXPECT_TRUE(Mentions(run.doc["notes"], "4 MiB workspace")) << run.doc["notes"].dump(2);
}

TEST(GpuBenchFakeDriver, AWrongGemmIsAFailureNotASpeed) {
  json scenario = kOneH100;
  scenario["gemm_wrong"] = true;  // one element of every product is off by 100
  BenchRun run = RunBenchOnFakeDriver(scenario, {"--sizes", "32"});
  ASSERT_TRUE(run.doc.is_object());
  EXPECT_EQ(run.exit_code, 1);
  for (const auto& name : {"fp32 gemm 32", "bf16 gemm 32", "fp8 gemm 32 (cuBLASLt)"}) {
    const json* m = Find(run.doc, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_FALSE((*m)["check"]["passed"].get<bool>()) << name;
    EXPECT_NE((*m)["check"]["detail"].get<std::string>().find("C[7][0]"), std::string::npos)
        << (*m)["check"].dump();
  }
  EXPECT_TRUE(Mentions(run.doc["warnings"], "wrong result")) << run.doc["warnings"].dump(2);
  EXPECT_TRUE((*Find(run.doc, "device copy (cuMemcpyDtoD)"))["check"]["passed"].get<bool>());
}

TEST(GpuBenchFakeDriver, AShortCopyIsCaughtAtItsEnd) {
  json scenario = kOneH100;
  scenario["wrong_copy"] = true;  // the last byte is never written
  BenchRun run = RunBenchOnFakeDriver(scenario, {"--sizes", "32"});
  ASSERT_TRUE(run.doc.is_object());
  EXPECT_EQ(run.exit_code, 1);
  for (const auto& name : {"device copy (cuMemcpyDtoD)", "streaming kernel (float4 copy)"}) {
    const json* m = Find(run.doc, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_FALSE((*m)["check"]["passed"].get<bool>()) << name;
  }
}

TEST(GpuBenchFakeDriver, NoCublasLtAlgorithmIsAnErrorForThoseGemmsOnly) {
  json scenario = kOneH100;
  scenario["lt_no_algorithm"] = true;
  BenchRun run = RunBenchOnFakeDriver(scenario, {"--sizes", "32"});
  ASSERT_TRUE(run.doc.is_object());
  EXPECT_EQ(run.exit_code, 0);
  const json* fp8 = Find(run.doc, "fp8 gemm 32 (cuBLASLt)");
  ASSERT_NE(fp8, nullptr);
  EXPECT_NE((*fp8)["error"].get<std::string>().find("no algorithm"), std::string::npos)
      << fp8->dump();
  EXPECT_TRUE(!fp8->contains("seconds") || (*fp8)["seconds"].empty()) << fp8->dump();
  EXPECT_TRUE((*Find(run.doc, "bf16 gemm 32"))["check"]["passed"].get<bool>());
}

TEST(GpuBenchFakeDriver, FailingEventsAreNamed) {
  json scenario = kOneH100;
  scenario["returns"] = {{"cuEventCreate", 801}};  // CUDA_ERROR_NOT_SUPPORTED
  BenchRun run = RunBenchOnFakeDriver(scenario);
  ASSERT_TRUE(run.doc.is_object());
  EXPECT_TRUE(Mentions(run.doc["notes"], "no CUDA events")) << run.doc.dump(2);
  EXPECT_TRUE(Mentions(run.doc["warnings"], "cuEventCreate failed")) << run.doc.dump(2);
  EXPECT_TRUE(run.doc["measurements"].empty());
}

TEST(GpuBenchFakeDriver, AHangingDriverBecomesAWarningAtTheDeadline) {
  json scenario = kOneH100;
  scenario["hang"] = "cuDevicePrimaryCtxRetain";
  BenchRun run = RunBenchOnFakeDriver(scenario, {"--timeout", "3"});
  ASSERT_TRUE(run.doc.is_object());
  EXPECT_TRUE(Mentions(run.doc["warnings"], "timed out")) << run.doc.dump(2);
}

}  // namespace
}  // namespace dlenv::bench
