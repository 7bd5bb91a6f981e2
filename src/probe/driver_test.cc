// ProbeDriver against the fake driver (tests/fake_driver): every scenario runs the real
// child process, the real dlopen and the real JSON hand-off.

#include "probe/driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "knowledge/knowledge.h"
#include "model/json.h"
#include "rules/rules.h"
#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

using nlohmann::json;

json HealthyGpu(int i) {
  return {{"name", "NVIDIA H100 80GB HBM3"},
          {"uuid", "GPU-0c1d2e3f-0000-1111-2222-33334444555" + std::to_string(i)},
          {"serial", "165022000000" + std::to_string(i)},
          {"pci_bus_id", i == 0 ? "00000000:3B:00.0" : "00000000:5E:00.0"},
          {"cc", {9, 0}},
          {"memory_total", 85520809984ull},
          {"memory_used", 1048576ull},
          {"persistence_mode", true},
          {"mig_mode", false},
          {"ecc_uncorrected_volatile", 0},
          {"ecc_uncorrected_aggregate", 0},
          {"retired_pages_sbe", 0},
          {"retired_pages_dbe", 0},
          {"retired_pages_pending", false},
          {"remapped_rows",
           {{"correctable", 0}, {"uncorrectable", 0}, {"pending", false}, {"failure", false}}},
          {"pcie", {{"gen", 5}, {"gen_max", 5}, {"width", 16}, {"width_max", 16}}},
          {"temperature_c", 35},
          {"power_limit_w", 700},
          {"power_draw_w", 71.5},
          {"clocks", {{"sm", 1980}, {"sm_max", 1980}, {"mem", 2619}, {"mem_max", 2619}}},
          {"throttle_reasons", 1}};
}

json HealthyScenario() {
  return {{"driver_version", "550.54.15"},
          {"cuda_driver_version", 12040},
          {"gpus", {HealthyGpu(0), HealthyGpu(1)}}};
}

constexpr const char* kProcVersion =
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n";

// A fixture root with the kernel module's file and device nodes, and the fake driver loaded
// through the documented overrides.
struct Scenario {
  testing::TempTree tree;
  ProbeContext ctx;

  explicit Scenario(const json& config, std::string proc_version = kProcVersion) {
    if (!proc_version.empty()) tree.Write("/proc/driver/nvidia/version", proc_version);
    for (const char* node : {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia0", "/dev/nvidia1"})
      tree.Write(node, "");
    tree.Write("/scenario.json", config.dump());
    ctx.fs = util::RootFs(tree.path());
    ctx.env = util::Environment({{"DLENV_NVML_LIBRARY", DLENV_FAKE_DRIVER},
                                 {"DLENV_CUDA_LIBRARY", DLENV_FAKE_DRIVER},
                                 {"DLENV_FAKE_DRIVER_CONFIG", (tree / "/scenario.json").string()}});
    ctx.driver_timeout = std::chrono::seconds(5);
  }

  model::Snapshot Run() const {
    model::Snapshot s;
    s.root = ctx.fs.root().string();
    ProbeDriver(ctx, s);
    s.findings = rules::Evaluate(s, knowledge::BuiltinKnowledge());
    return s;
  }
};

std::vector<std::string> Ids(const model::Snapshot& s) {
  std::vector<std::string> ids;
  for (const auto& f : s.findings) ids.push_back(f.id);
  return ids;
}

bool Has(const model::Snapshot& s, std::string_view id) {
  auto ids = Ids(s);
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

const model::Finding* Find(const model::Snapshot& s, std::string_view id) {
  for (const auto& f : s.findings)
    if (f.id == id) return &f;
  return nullptr;
}

TEST(ProbeDriver, HealthyMachineFillsEveryField) {
  Scenario sc(HealthyScenario());
  model::Snapshot s = sc.Run();
  const model::DriverInfo& d = s.driver;
  ASSERT_EQ(d.probe_status, model::ProbeStatus::kOk) << d.probe_detail.value_or("");
  EXPECT_EQ(d.kernel_module_version, "550.54.15");
  EXPECT_EQ(std::filesystem::canonical(*d.nvml_library_path),
            std::filesystem::canonical(DLENV_FAKE_DRIVER));
  EXPECT_EQ(std::filesystem::canonical(*d.cuda_library_path),
            std::filesystem::canonical(DLENV_FAKE_DRIVER));
  EXPECT_EQ(d.nvml_init_status, 0);
  EXPECT_EQ(d.nvml_driver_version, "550.54.15");
  EXPECT_EQ(d.nvml_cuda_driver_version, 12040);
  EXPECT_EQ(d.cuda_init_status, 0);
  EXPECT_EQ(d.cuda_driver_version, 12040);
  EXPECT_EQ(d.nvml_device_count, 2);
  EXPECT_EQ(d.cuda_device_count, 2);
  ASSERT_EQ(s.gpus.size(), 2u);
  const model::GpuInfo& g = s.gpus[1];
  EXPECT_EQ(g.index, 1);
  EXPECT_EQ(g.cuda_index, 1);  // matched by PCI bus id although CUDA writes it differently
  EXPECT_EQ(g.name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(g.uuid, HealthyGpu(1)["uuid"].get<std::string>());
  EXPECT_EQ(g.serial, HealthyGpu(1)["serial"].get<std::string>());
  EXPECT_EQ(g.pci_bus_id, "00000000:5E:00.0");
  EXPECT_EQ(g.cc_major, 9);
  EXPECT_EQ(g.cc_minor, 0);
  EXPECT_EQ(g.architecture, "Hopper");
  EXPECT_EQ(g.memory_total_bytes, 85520809984ull);
  EXPECT_EQ(g.memory_used_bytes, 1048576ull);
  EXPECT_EQ(g.persistence_mode, true);
  EXPECT_EQ(g.mig_mode, false);
  EXPECT_EQ(g.ecc_uncorrected_volatile, 0u);
  EXPECT_EQ(g.ecc_uncorrected_aggregate, 0u);
  EXPECT_EQ(g.retired_pages_count, 0u);
  EXPECT_EQ(g.retired_pages_pending, false);
  EXPECT_EQ(g.row_remap_failure, false);
  EXPECT_EQ(g.pcie_gen_current, 5u);
  EXPECT_EQ(g.pcie_width_max, 16u);
  EXPECT_EQ(g.temperature_c, 35u);
  EXPECT_DOUBLE_EQ(*g.power_limit_w, 700.0);
  EXPECT_DOUBLE_EQ(*g.power_draw_w, 71.5);
  EXPECT_EQ(g.sm_clock_max_mhz, 1980u);
  EXPECT_EQ(g.mem_clock_mhz, 2619u);
  EXPECT_EQ(g.throttle_reasons, 1u);
  EXPECT_TRUE(s.findings.empty()) << ::testing::PrintToString(Ids(s));
}

TEST(ProbeDriver, NotSupportedAndMissingPropertiesAreUnknown) {
  json config = HealthyScenario();
  config["gpus"][0].erase("remapped_rows");
  config["returns"] = {{"nvmlDeviceGetTemperature", 3}, {"nvmlSystemGetCudaDriverVersion_v2", 3}};
  model::Snapshot s = Scenario(config).Run();
  ASSERT_EQ(s.driver.probe_status, model::ProbeStatus::kOk);
  EXPECT_FALSE(s.driver.nvml_cuda_driver_version);
  EXPECT_FALSE(s.gpus[0].row_remap_failure);
  EXPECT_FALSE(s.gpus[0].remapped_rows_correctable);
  EXPECT_FALSE(s.gpus[0].temperature_c);
  EXPECT_EQ(s.gpus[1].row_remap_failure, false);
  EXPECT_TRUE(s.findings.empty()) << ::testing::PrintToString(Ids(s));
}

TEST(ProbeDriver, NoHostDriverSkipsTheLibraries) {
  Scenario sc(HealthyScenario());
  sc.ctx.ask_host_driver = false;
  model::Snapshot s = sc.Run();
  EXPECT_EQ(s.driver.probe_status, model::ProbeStatus::kNotRun);
  EXPECT_FALSE(s.driver.nvml_library_path);
  EXPECT_EQ(s.driver.kernel_module_version, "550.54.15");
  EXPECT_EQ(s.driver.device_nodes.size(), 4u);
}

TEST(ProbeDriver, VersionMismatchFromNvmlInit) {
  json config = HealthyScenario();
  config["returns"] = {{"nvmlInit_v2", 18}};
  model::Snapshot s = Scenario(config).Run();
  EXPECT_EQ(s.driver.nvml_init_status, 18);
  EXPECT_EQ(s.driver.nvml_init_error, "Driver/library version mismatch");
  ASSERT_TRUE(Has(s, "driver.version_mismatch")) << ::testing::PrintToString(Ids(s));
  EXPECT_NE(Find(s, "driver.version_mismatch")->fix.find("reboot"), std::string::npos);
}

TEST(ProbeDriver, VersionMismatchBetweenModuleAndLibrary) {
  json config = HealthyScenario();
  config["driver_version"] = "550.90.07";
  model::Snapshot s = Scenario(config).Run();
  ASSERT_TRUE(Has(s, "driver.version_mismatch"));
  EXPECT_NE(Find(s, "driver.version_mismatch")->evidence.find("550.90.07"), std::string::npos);
}

TEST(ProbeDriver, HangBecomesTimeoutAndTheRestStays) {
  json config = HealthyScenario();
  config["hang"] = "nvmlDeviceGetCount_v2";
  // The bound: the deadline, plus twice what the same probe takes on a healthy driver here
  // and now (a child process; slow under ASan on a busy machine), plus 0.75 s.
  Scenario healthy(HealthyScenario());
  auto t0 = std::chrono::steady_clock::now();
  healthy.Run();
  const auto own = std::chrono::steady_clock::now() - t0;
  Scenario sc(config);
  sc.ctx.driver_timeout = std::chrono::milliseconds(1000);
  const auto start = std::chrono::steady_clock::now();
  model::Snapshot s = sc.Run();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, sc.ctx.driver_timeout + 2 * own + std::chrono::milliseconds(750));
  EXPECT_GE(took, sc.ctx.driver_timeout);
  EXPECT_EQ(s.driver.probe_status, model::ProbeStatus::kTimeout);
  EXPECT_NE(s.driver.probe_detail->find("nvmlDeviceGetCount"), std::string::npos)
      << *s.driver.probe_detail;
  EXPECT_EQ(s.driver.kernel_module_version, "550.54.15");
  EXPECT_TRUE(Has(s, "driver.probe_timeout"));
  EXPECT_FALSE(Has(s, "driver.not_found"));  // not known: the driver did not answer
}

TEST(ProbeDriver, CrashBecomesCrashedWithSignalAndKeepsNvmlData) {
  json config = HealthyScenario();
  config["crash"] = "cuInit";
  model::Snapshot s = Scenario(config).Run();
  EXPECT_EQ(s.driver.probe_status, model::ProbeStatus::kCrashed);
  EXPECT_NE(s.driver.probe_detail->find("SIGSEGV"), std::string::npos) << *s.driver.probe_detail;
  EXPECT_NE(s.driver.probe_detail->find("cuInit"), std::string::npos);
  EXPECT_EQ(s.driver.nvml_driver_version, "550.54.15");
  EXPECT_EQ(s.gpus.size(), 2u);
  EXPECT_TRUE(Has(s, "driver.probe_crashed"));
}

TEST(ProbeDriver, FakeStubBehaviour) {
  json config = HealthyScenario();
  config["stub"] = true;
  model::Snapshot s = Scenario(config).Run();
  EXPECT_EQ(s.driver.cuda_init_status, 34);
  EXPECT_EQ(s.driver.cuda_init_error, "CUDA_ERROR_STUB_LIBRARY");
  EXPECT_TRUE(Has(s, "driver.stub_library"));
}

TEST(ProbeDriver, RealToolkitStubIsRecognised) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const std::string stub = (nv.lib() / "stubs/libcuda.so").string();
  Scenario sc(HealthyScenario(), "");
  sc.ctx.env.Set("DLENV_CUDA_LIBRARY", stub);
  sc.ctx.env.Set("DLENV_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1");
  model::Snapshot s = sc.Run();
  ASSERT_EQ(s.driver.probe_status, model::ProbeStatus::kOk) << s.driver.probe_detail.value_or("");
  EXPECT_EQ(s.driver.cuda_init_status, 34);  // CUDA_ERROR_STUB_LIBRARY, what a stub answers
  ASSERT_TRUE(Has(s, "driver.stub_library"));
  EXPECT_NE(Find(s, "driver.stub_library")->evidence.find("/stubs/"), std::string::npos);
}

TEST(ProbeDriver, CudaVisibleDevicesHidesEveryGpu) {
  for (const char* value : {"", "-1"}) {
    Scenario sc(HealthyScenario());
    sc.ctx.env.Set("CUDA_VISIBLE_DEVICES", value);
    model::Snapshot s = sc.Run();
    EXPECT_EQ(s.driver.cuda_visible_devices, value);
    EXPECT_EQ(s.driver.cuda_init_status, 100);  // CUDA_ERROR_NO_DEVICE, as libcuda answers
    ASSERT_TRUE(Has(s, "gpu.none_visible")) << value;
    EXPECT_NE(Find(s, "gpu.none_visible")->evidence.find("CUDA_VISIBLE_DEVICES"),
              std::string::npos);
    EXPECT_NE(Find(s, "gpu.none_visible")->fix.find("unset CUDA_VISIBLE_DEVICES"),
              std::string::npos);
  }
}

TEST(ProbeDriver, CudaVisibleDevicesNamesNoGpu) {
  Scenario sc(HealthyScenario());
  sc.ctx.env.Set("CUDA_VISIBLE_DEVICES", "4,5");
  model::Snapshot s = sc.Run();
  ASSERT_TRUE(Has(s, "gpu.none_visible"));
  EXPECT_NE(Find(s, "gpu.none_visible")->evidence.find("names no usable GPU"), std::string::npos)
      << Find(s, "gpu.none_visible")->evidence;
}

TEST(ProbeDriver, CudaVisibleDevicesSubsetMatchesByBusId) {
  Scenario sc(HealthyScenario());
  sc.ctx.env.Set("CUDA_VISIBLE_DEVICES", "1");
  model::Snapshot s = sc.Run();
  ASSERT_EQ(s.gpus.size(), 2u);
  EXPECT_FALSE(s.gpus[0].cuda_index);
  EXPECT_EQ(s.gpus[1].cuda_index, 0);
  EXPECT_FALSE(Has(s, "gpu.none_visible"));
}

TEST(ProbeDriver, HardwareHealthFindingsThroughNvml) {
  json config = HealthyScenario();
  json& g = config["gpus"][1];
  g["ecc_uncorrected_volatile"] = 2;
  g["ecc_uncorrected_aggregate"] = 7;
  g["retired_pages_dbe"] = 3;
  g["retired_pages_pending"] = true;
  g["remapped_rows"] = {
      {"correctable", 1}, {"uncorrectable", 4}, {"pending", false}, {"failure", true}};
  g["pcie"]["width"] = 8;
  model::Snapshot s = Scenario(config).Run();
  EXPECT_EQ(s.gpus[1].retired_pages_count, 3u);
  EXPECT_EQ(s.gpus[1].remapped_rows_uncorrectable, 4u);
  for (const char* id : {"gpu.ecc_uncorrected", "gpu.retired_pages_pending",
                         "gpu.row_remap_failure", "gpu.pcie_link_degraded"}) {
    ASSERT_TRUE(Has(s, id)) << id;
    EXPECT_NE(Find(s, id)->evidence.find("GPU 1"), std::string::npos) << Find(s, id)->evidence;
  }
}

TEST(ProbeDriver, NoDriverLibraries) {
  Scenario sc(HealthyScenario(), "");
  sc.ctx.env.Set("DLENV_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1");
  sc.ctx.env.Set("DLENV_CUDA_LIBRARY", "/nonexistent/libcuda.so.1");
  model::Snapshot s = sc.Run();
  if (s.driver.nvml_library_path || s.driver.cuda_library_path)
    GTEST_SKIP() << "this machine has a real NVIDIA driver";
  EXPECT_TRUE(s.driver.nvml_load_error);
  EXPECT_TRUE(s.driver.cuda_load_error);
  ASSERT_TRUE(Has(s, "driver.not_found"));
  EXPECT_EQ(Find(s, "driver.not_found")->severity, model::Severity::kInfo);  // no PCI device
}

TEST(ProbeDriver, ChildOutputWithForeignLinesStillParses) {
  model::Snapshot s;
  std::string step;
  std::string out =
      "a driver banner\n{\"step\":\"nvmlInit\"}\n{\"driver\":{\"nvml_init_status\":0},"
      "\"gpus\":[{\"index\":0,\"name\":\"X\",\"cc_major\":8,\"cc_minor\":0}],\"done\":true}\n";
  EXPECT_TRUE(ParseDriverQueryOutput(out, s, &step));
  EXPECT_EQ(step, "nvmlInit");
  EXPECT_EQ(s.gpus.at(0).architecture, "Ampere");
  EXPECT_FALSE(ParseDriverQueryOutput("garbage\n{\"driver\": 5}\n", s, &step));
}

// The acceptance scenario from the issue: the real binary, a hung and a crashing driver.
struct CliRun {
  util::ChildResult result;
  json doc;
};

CliRun RunDlenv(const json& config, double timeout_seconds) {
  testing::TempTree tree;
  tree.Write("/scenario.json", config.dump());
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.deadline = std::chrono::seconds(60);
  options.env = std::map<std::string, std::string>{
      {"PATH", "/usr/bin:/bin"},
      {"DLENV_NVML_LIBRARY", DLENV_FAKE_DRIVER},
      {"DLENV_CUDA_LIBRARY", DLENV_FAKE_DRIVER},
      {"DLENV_FAKE_DRIVER_CONFIG", (tree / "/scenario.json").string()}};
  // Under the sanitizer build the child must see the same ASan settings (handle_segv=0),
  // or ASan turns the fake's deliberate SIGSEGV into an ordinary exit.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    if (const char* v = std::getenv(name)) (*options.env)[name] = v;
  }
  CliRun run;
  run.result = util::RunCommand(
      {DLENV_BINARY, "doctor", "--json", "--timeout", std::to_string(timeout_seconds)}, options);
  run.doc = json::parse(run.result.out, nullptr, false);
  return run;
}

bool DocHas(const json& doc, std::string_view id) {
  if (!doc.is_object() || !doc.contains("findings")) return false;
  for (const auto& f : doc["findings"])
    if (f.value("id", "") == id) return true;
  return false;
}

TEST(DlenvBinary, HungDriverReturnsWithinItsTimeout) {
  json config = HealthyScenario();
  config["hang"] = "nvmlDeviceGetCount_v2";
  // The bound: the timeout, plus twice what doctor takes on a healthy driver here and now,
  // plus 0.75 s (see HangBecomesTimeoutAndTheRestStays).
  const double own = RunDlenv(HealthyScenario(), 2).result.seconds;
  CliRun run = RunDlenv(config, 2);
  EXPECT_EQ(run.result.outcome, util::ChildResult::Outcome::kExited) << run.result.Describe();
  EXPECT_EQ(run.result.exit_code, 1);  // an error finding
  EXPECT_LT(run.result.seconds, 2 + 2 * own + 0.75);
  ASSERT_TRUE(DocHas(run.doc, "driver.probe_timeout")) << run.result.out << run.result.err;
  EXPECT_EQ(run.doc["driver"]["probe_status"], "timeout");
}

TEST(DlenvBinary, CrashingDriverIsAFinding) {
  json config = HealthyScenario();
  config["crash"] = "nvmlInit_v2";
  CliRun run = RunDlenv(config, 10);
  EXPECT_EQ(run.result.exit_code, 1) << run.result.Describe() << run.result.err;
  ASSERT_TRUE(DocHas(run.doc, "driver.probe_crashed")) << run.result.out;
  EXPECT_EQ(run.doc["driver"]["probe_status"], "crashed");
  EXPECT_TRUE(run.doc.contains("host"));  // the rest of the report is still there
}

}  // namespace
}  // namespace dlenv::probe
