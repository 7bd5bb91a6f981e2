#include "report/prometheus.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "lock/prometheus.h"
#include "lock/test_locks.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/environment.h"
#include "util/subprocess.h"

namespace dlenv::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// This machine's lock as doctor takes it: the snapshot and its selected Python environment.
PrometheusEnvironment Env(const lock::Lock& l) { return lock::PrometheusEnvironmentOf(l); }

lock::Lock Here(const model::Snapshot& s) {
  return lock::BuildLock(s,
                         lock::SelectPythonEnv(s, std::nullopt, util::Environment::FromProcess()));
}

model::Snapshot Fixture() {
  auto s = lock::testing::GpuMachineSnapshot();
  s.driver.probe_status = model::ProbeStatus::kOk;
  auto& g = s.gpus[1];
  g.ecc_uncorrected_volatile = 2;
  g.ecc_uncorrected_aggregate = 5;
  g.retired_pages_count = 4;
  g.retired_pages_pending = false;
  g.remapped_rows_correctable = 1;
  g.remapped_rows_uncorrectable = 0;
  g.row_remap_pending = false;
  g.row_remap_failure = false;
  g.pcie_gen_current = 4;
  g.pcie_gen_max = 4;
  g.pcie_width_current = 8;
  g.pcie_width_max = 16;
  g.temperature_c = 71;
  g.sm_clock_mhz = 1410;
  g.sm_clock_max_mhz = 1410;
  g.power_draw_w = 251.5;
  g.throttle_reasons = 0x44;  // sw power cap + hw thermal slowdown
  s.findings.push_back({"gpu.ecc_uncorrected", model::Severity::kError, "t", "e", "f"});
  s.findings.push_back({"gpu.pcie_link_degraded", model::Severity::kWarning, "t", "e", "f"});
  s.findings.push_back({"env.something", model::Severity::kWarning, "t", "e", "f"});
  return s;
}

std::string Render(const std::optional<PrometheusDrift>& drift = std::nullopt) {
  auto s = Fixture();
  return RenderPrometheus(s, Env(lock::BuildLock(s, &s.python_envs.front())), drift,
                          {1796000000, 0.25});
}

TEST(Prometheus, InfoCarriesVersionsAndHash) {
  auto s = Fixture();
  auto here = lock::BuildLock(s, &s.python_envs.front());
  std::string text = RenderPrometheus(s, Env(here), std::nullopt, {1796000000, 0.25});
  EXPECT_THAT(text, HasSubstr("# TYPE dlenv_info gauge\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "dlenv_info{dlenv_version=\"0.1.0\",environment_hash=\"" + here.content_hash +
          "\",driver_version=\"550.54.15\",cuda_driver_version=\"12.4\",cuda_toolkit_version=\"12."
          "4.1\","
          "cudnn_version=\"8.9.7\",nccl_version=\"\",python_version=\"3.10.12\",cupy_version=\"\","
          "jax_version=\"\",tensorflow_version=\"\",torch_version=\"2.3.1+cu121\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_framework_info{framework=\"torch\",version=\"2.3.1+cu121\","
                              "cuda_version=\"12.1\",cudnn_version=\"8.9.2\"} 1\n"));
}

TEST(Prometheus, FindingsBySeverityAndId) {
  std::string text = Render();
  EXPECT_THAT(text, HasSubstr("dlenv_findings{severity=\"error\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_findings{severity=\"warning\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_findings{severity=\"info\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("dlenv_finding{id=\"gpu.pcie_link_degraded\",severity=\"warning\"} 1\n"));
}

TEST(Prometheus, GpuGaugesInBaseUnits) {
  std::string text = Render();
  const std::string gpu1 = "gpu=\"1\",uuid=\"GPU-1\",name=\"NVIDIA A100-SXM4-40GB\"";
  EXPECT_THAT(
      text,
      HasSubstr("dlenv_gpu_healthy{gpu=\"0\",uuid=\"GPU-0\",name=\"NVIDIA A100-SXM4-40GB\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_healthy{" + gpu1 + "} 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE dlenv_gpu_ecc_uncorrected_errors_total counter\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_ecc_uncorrected_errors_total{" + gpu1 +
                              ",scope=\"volatile\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_ecc_uncorrected_errors_total{" + gpu1 +
                              ",scope=\"aggregate\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_retired_pages{" + gpu1 + "} 4\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_remapped_rows{" + gpu1 + ",cause=\"correctable\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_pcie_link_width_lanes{" + gpu1 + "} 8\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_pcie_link_width_max_lanes{" + gpu1 + "} 16\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_temperature_celsius{" + gpu1 + "} 71\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_sm_clock_hertz{" + gpu1 + "} 1410000000\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_power_draw_watts{" + gpu1 + "} 251.5\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_gpu_throttle_reason{" + gpu1 +
                              ",reason=\"hw_thermal_slowdown\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("dlenv_gpu_throttle_reason{" + gpu1 + ",reason=\"hw_slowdown\"} 0\n"));
  // GPU 0 reported no temperature: no sample rather than a made-up 0.
  EXPECT_THAT(text, Not(HasSubstr("dlenv_gpu_temperature_celsius{gpu=\"0\"")));
  EXPECT_THAT(text, HasSubstr("dlenv_last_run_timestamp_seconds 1796000000\n"));
  EXPECT_THAT(text, HasSubstr("dlenv_last_run_duration_seconds 0.25\n"));
}

TEST(Prometheus, DriftByImpact) {
  auto team = lock::testing::GpuMachineLock();
  auto s = Fixture();
  s.python_envs.front().frameworks.front().version = "2.4.0+cu121";  // a framework upgrade
  s.python_envs.front().packages[1].version = "2.0.0";               // numpy major
  PrometheusDrift drift = lock::MakeDrift(team, "/etc/dlenv/team.lock", Here(s));
  ASSERT_GT(drift.breaking, 0u);
  std::string text =
      RenderPrometheus(s, Env(lock::BuildLock(s, &s.python_envs.front())), drift, {1, 1});
  EXPECT_THAT(text, HasSubstr("dlenv_lock_info{lock_file=\"/etc/dlenv/team.lock\",lock_hash=\"" +
                              team.content_hash + "\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(fmt::format("dlenv_lock_drift_changes{{impact=\"breaking\"}} {}\n",
                                          drift.breaking)));
  EXPECT_THAT(text, HasSubstr("dlenv_lock_drift_changes{impact=\"cosmetic\"} 0\n"));
}

TEST(Prometheus, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  auto s = Fixture();
  s.gpus[0].name = "evil\"} 1\nfake_metric 2";
  std::string text = RenderPrometheus(s, Env(lock::BuildLock(s, nullptr)), std::nullopt, {1, 1});
  EXPECT_THAT(text, Not(HasSubstr("\nfake_metric 2")));
  EXPECT_THAT(text, HasSubstr("name=\"evil\\\"} 1\\nfake_metric 2\""));
}

TEST(Prometheus, EveryFamilyHasHelpAndTypeOnce) {
  std::string text = Render();
  std::map<std::string, int> types;
  std::size_t pos = 0;
  while ((pos = text.find("# TYPE ", pos)) != std::string::npos) {
    pos += 7;
    ++types[text.substr(pos, text.find(' ', pos) - pos)];
  }
  EXPECT_GT(types.size(), 20u);
  for (const auto& [name, n] : types) {
    EXPECT_EQ(n, 1) << name;
    EXPECT_THAT(text, HasSubstr("# HELP " + name + " ")) << name;
    EXPECT_EQ(name.ends_with("_total"), name == "dlenv_gpu_ecc_uncorrected_errors_total") << name;
  }
}

TEST(Prometheus, EveryMetricIsDocumented) {
  std::string docs = testing::ReadAll(std::filesystem::path(DLENV_SOURCE_DIR) / "docs/fleet.md");
  auto s = Fixture();
  s.gpus[0].memory_total_bytes = 1;
  s.gpus[0].power_limit_w = 700;
  s.gpus[0].mem_clock_mhz = s.gpus[0].mem_clock_max_mhz = 2619;
  s.gpus[0].retired_pages_pending = s.gpus[0].row_remap_pending = s.gpus[0].row_remap_failure =
      false;
  s.gpus[0].pcie_gen_max = 5;
  std::string text = RenderPrometheus(
      s, Env(lock::BuildLock(s, &s.python_envs.front())),
      lock::MakeDrift(lock::testing::GpuMachineLock(), "team.lock", Here(s)), {1, 1});
  int n = 0;
  for (std::size_t pos = 0; (pos = text.find("# TYPE ", pos)) != std::string::npos; ++n) {
    pos += 7;
    std::string name = text.substr(pos, text.find(' ', pos) - pos);
    EXPECT_THAT(docs, HasSubstr("| `" + name + "` |")) << name << " is not in docs/fleet.md";
  }
  EXPECT_GE(n, 30);
}

// promtool, Prometheus's own linter, as the oracle for the format and naming conventions.
TEST(Prometheus, PromtoolAcceptsIt) {
  if (!std::filesystem::exists("/usr/bin/promtool"))
    DLENV_SKIP_OR_FAIL("promtool not installed (apt-get install prometheus)");
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.stdin_data =
      Render(lock::MakeDrift(lock::testing::GpuMachineLock(), "team.lock", Here(Fixture())));
  auto r = util::RunCommand({"/usr/bin/promtool", "check", "metrics"}, opts);
  EXPECT_TRUE(r.ok()) << r.Describe() << "\n" << r.out << r.err;
}

TEST(Prometheus, WritesAtomicallyAndReadably) {
  testing::TempTree tree;
  auto path = tree / "dlenv.prom";
  auto s = Fixture();
  ASSERT_EQ(lock::WritePrometheusTextfile(path, s, Here(s), std::nullopt, {1796000000, 2, true}),
            "");
  std::string text = testing::ReadAll(path);
  EXPECT_THAT(text, HasSubstr("dlenv_last_run_duration_seconds 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("GPU-1")));  // redacted
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);  // node_exporter runs as another user
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tree.path())) ++files;
  EXPECT_EQ(files, 1);  // no temporary file left beside it
  EXPECT_THAT(
      lock::WritePrometheusTextfile(tree / "missing/dlenv.prom", s, Here(s), std::nullopt, {}),
      HasSubstr("missing/dlenv.prom"));
}

}  // namespace
}  // namespace dlenv::report
