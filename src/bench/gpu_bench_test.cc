#include "bench/gpu_bench.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/temp_tree.h"
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
       {{{"group", "gpu.gemm"}, {"name", "bf16 gemm 8192"}, {"unit", "GFLOP/s"}, {"work", 2.0 * 8192 * 8192 * 8192},
         {"seconds", {0.0016, 0.0015, 0.0017}}, {"peak", 989000.0}, {"peak_source", "H100 SXM datasheet (bf16)"},
         {"check", {{"done", true}, {"passed", true}, {"detail", "ok"}}}},
        {{"group", "gpu.latency"}, {"name", "kernel launch"}, {"unit", "us"}, {"work", 1000},
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
  ApplyGpuOutput(json{{"after", {{"sm_clock_mhz", 1400}, {"sm_clock_max_mhz", 1980}, {"throttle_reasons", 0x24}}}}.dump(),
                 report);
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_NE(report.warnings[0].find("0x24"), std::string::npos) << report.warnings[0];
  EXPECT_NE(report.warnings[1].find("1400 MHz"), std::string::npos) << report.warnings[1];
}

TEST(GpuBenchOutput, HostileOutputIsAWarning) {
  for (const char* text : {"", "{", "[]", R"({"measurements":[{"seconds":"x"}]})", R"({"no_gpu":"none"})"}) {
    BenchReport report;
    ApplyGpuOutput(text, report);
    EXPECT_TRUE(report.measurements.empty()) << text;
  }
}

TEST(GpuBenchPtx, AssemblesForOldAndNewArchitectures) {
  const std::filesystem::path ptxas = "/usr/local/cuda/bin/ptxas";
  if (!std::filesystem::exists(ptxas)) GTEST_SKIP() << "no CUDA toolkit ptxas";
  testing::TempTree tree;
  const auto ptx = tree.Write("bench.ptx", std::string(GpuBenchPtx()));
  // sm_75 is the oldest a CUDA 13 ptxas accepts; sm_90 is Hopper; sm_120 Blackwell.
  for (const char* arch : {"sm_75", "sm_90", "sm_120"}) {
    util::ChildOptions o;
    o.deadline = std::chrono::seconds(60);
    auto r = util::RunCommand({ptxas.string(), std::string("-arch=") + arch, ptx.string(), "-o",
                               (tree / "out.cubin").string()},
                              o);
    EXPECT_TRUE(r.ok()) << arch << ": " << r.Describe() << r.err;
  }
}

// The CLI against the fake driver: it has contexts and memory but no CUDA events, so the
// bench must say what is missing, in time, without crashing.
json RunBenchOnFakeDriver(const json& scenario, std::vector<std::string> extra = {}) {
  testing::TempTree tree;
  auto config = tree.Write("scenario.json", scenario.dump());
  auto env = util::Environment::FromProcess().vars();
  env["DLENV_FAKE_DRIVER_CONFIG"] = config.string();
  env["DLENV_NVML_LIBRARY"] = DLENV_FAKE_DRIVER;
  env["DLENV_CUDA_LIBRARY"] = DLENV_FAKE_DRIVER;
  env["DLENV_CUBLAS_LIBRARY"] = DLENV_FAKE_LIBRARIES;
  env.erase("CUDA_VISIBLE_DEVICES");
  std::vector<std::string> argv = {DLENV_BINARY, "bench", "--gpu-only", "--json", "--quick"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  util::ChildOptions options;
  options.env = env;
  options.deadline = std::chrono::seconds(120);
  auto r = util::RunCommand(argv, options);
  EXPECT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe() << r.err;
  return json::parse(r.out, nullptr, false);
}

const json kOneH100 = {{"driver_version", "550.54.15"},
                       {"cuda_driver_version", 12040},
                       {"gpus",
                        {{{"name", "NVIDIA H100 80GB HBM3"},
                          {"pci_bus_id", "00000000:3B:00.0"},
                          {"cc", {9, 0}},
                          {"memory_total", 85520809984LL},
                          {"clocks", {{"sm", 1980}, {"sm_max", 1980}, {"mem", 2619}, {"mem_max", 2619}}},
                          {"throttle_reasons", 0}}}}};

bool Mentions(const json& list, const std::string& text) {
  if (!list.is_array()) return false;
  for (const auto& s : list) {
    if (s.is_string() && s.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(GpuBenchFakeDriver, MissingEventCallsAreNamed) {
  json doc = RunBenchOnFakeDriver(kOneH100);
  ASSERT_TRUE(doc.is_object());
  EXPECT_TRUE(Mentions(doc["notes"], "CUDA event calls")) << doc.dump(2);
  EXPECT_TRUE(doc["measurements"].empty());
}

TEST(GpuBenchFakeDriver, AHangingDriverBecomesAWarningAtTheDeadline) {
  json scenario = kOneH100;
  scenario["hang"] = "cuDevicePrimaryCtxRetain";
  json doc = RunBenchOnFakeDriver(scenario, {"--timeout", "3"});
  ASSERT_TRUE(doc.is_object());
  EXPECT_TRUE(Mentions(doc["warnings"], "timed out")) << doc.dump(2);
}

}  // namespace
}  // namespace dlenv::bench
