// The textfile that `dlenv doctor --prometheus` writes, served by a real node_exporter
// (Debian's prometheus-node-exporter) on a loopback port and scraped as Prometheus would;
// and checked by promtool. Skips where they are not installed.

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "testing/fake_driver_env.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

extern char** environ;

namespace dlenv::report {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* kNodeExporter = "/usr/bin/prometheus-node-exporter";

int FreePort() {
  auto r = util::RunCommand(
      {"python3", "-c",
       "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"},
      {});
  return r.ok() ? std::stoi(r.out) : 0;
}

// A daemon the test starts, killed (and reaped) when the test ends, whatever happened.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& argv, const fs::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Daemon() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

util::ChildResult Curl(const std::string& url) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(10);
  return util::RunCommand({"curl", "-sf", "--max-time", "5", url}, o);
}

TEST(NodeExporter, ServesDlenvTextfileWithTheRightValues) {
  if (!fs::exists(kNodeExporter)) DLENV_SKIP_OR_FAIL("prometheus-node-exporter is not installed");
  testing::TempTree tree;
  const fs::path textdir = tree.MakeDir("textfile");
  const fs::path scenario =
      tree.Write("scenario.json", R"({"driver_version": "550.54.15", "cuda_driver_version": 12040,
    "gpus": [{"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-0f0e0d0c-0b0a-0908-0706-050403020100", "pci_bus_id": "00000000:3B:00.0",
      "ecc_uncorrected_volatile": 2, "ecc_uncorrected_aggregate": 7, "temperature_c": 64,
      "pcie": {"gen": 5, "gen_max": 5, "width": 8, "width_max": 16},
      "clocks": {"sm": 1980, "sm_max": 1980, "mem": 2619, "mem_max": 2619}, "throttle_reasons": 1}]})");

  // The command docs/fleet.md's timer runs, through the fake driver.
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(120);
  o.env = testing::FakeDriverEnv(scenario);
  auto doctor = util::RunCommand(
      {DLENV_BINARY, "doctor", "--prometheus", (textdir / "dlenv.prom").string()}, o);
  ASSERT_EQ(doctor.outcome, util::ChildResult::Outcome::kExited) << doctor.Describe();
  EXPECT_EQ(doctor.exit_code, 1) << "the ECC errors are an error finding\n" << doctor.err;
  ASSERT_TRUE(fs::exists(textdir / "dlenv.prom")) << doctor.err;

  util::ChildOptions check = ::dlenv::testing::ToolOptions();
  check.stdin_data = testing::ReadAll(textdir / "dlenv.prom");
  if (fs::exists("/usr/bin/promtool")) {
    auto lint = util::RunCommand({"/usr/bin/promtool", "check", "metrics"}, check);
    EXPECT_TRUE(lint.ok()) << lint.out << lint.err;
  }

  const int port = FreePort();
  ASSERT_GT(port, 0);
  Daemon exporter({kNodeExporter, "--collector.disable-defaults", "--collector.textfile",
                   "--collector.textfile.directory=" + textdir.string(),
                   fmt::format("--web.listen-address=127.0.0.1:{}", port)},
                  tree / "node_exporter.log");
  ASSERT_TRUE(exporter.started());
  const std::string url = fmt::format("http://127.0.0.1:{}/metrics", port);
  util::ChildResult scrape;
  for (int i = 0; i < 100; ++i) {
    scrape = Curl(url);
    if (scrape.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(scrape.ok()) << scrape.Describe() << "\n"
                           << testing::ReadAll(tree / "node_exporter.log");
  // Only dlenv's and the textfile collector's own lines, so that a failure shows what matters.
  std::string m;
  std::istringstream lines(scrape.out);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("dlenv_") || line.starts_with("node_textfile_scrape_error") ||
        line.starts_with("# TYPE dlenv_"))
      m += line + "\n";
  // node_exporter sorts the labels by name.
  auto gpu = [](std::string extra = "") {
    return "{gpu=\"0\",name=\"NVIDIA H100 80GB HBM3\"," + extra +
           "uuid=\"GPU-0f0e0d0c-0b0a-0908-0706-050403020100\"}";
  };
  EXPECT_THAT(m, HasSubstr("node_textfile_scrape_error 0\n"));
  EXPECT_THAT(
      m, HasSubstr("dlenv_gpu_ecc_uncorrected_errors_total" + gpu("scope=\"volatile\",") + " 2\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_gpu_ecc_uncorrected_errors_total" + gpu("scope=\"aggregate\",") +
                           " 7\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_gpu_healthy" + gpu() + " 0\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_gpu_pcie_link_width_lanes" + gpu() + " 8\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_gpu_temperature_celsius" + gpu() + " 64\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_gpu_sm_clock_hertz" + gpu() + " 1.98e+09\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_finding{id=\"gpu.ecc_uncorrected\",severity=\"error\"} 1\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_driver_responding 1\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_gpus 1\n"));
  EXPECT_THAT(m, HasSubstr("driver_version=\"550.54.15\""));
  EXPECT_THAT(m, HasSubstr("# TYPE dlenv_gpu_ecc_uncorrected_errors_total counter\n"));
  EXPECT_THAT(m, HasSubstr("dlenv_last_run_timestamp_seconds "));
}

}  // namespace
}  // namespace dlenv::report
