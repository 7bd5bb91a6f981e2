// `dlenv health` end to end, the binary against the fake driver: the verdict line, the exit
// code, the time it takes, and a hung driver cut off by --timeout.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "testing/fake_driver_env.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::health {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kGpu =
    R"("name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-0f0e0d0c-0b0a-0908-0706-050403020100", "pci_bus_id": "00000000:3B:00.0",
    "pcie": {"gen": 5, "gen_max": 5, "width": 16, "width_max": 16}, "throttle_reasons": 1)";

util::ChildResult Dlenv(const std::string& scenario, std::vector<std::string> args) {
  testing::TempTree tree;
  auto file = tree.Write("scenario.json", scenario);
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(120);
  o.env = testing::FakeDriverEnv(file);
  args.insert(args.begin(), DLENV_BINARY);
  return util::RunCommand(args, o);
}

util::ChildResult Health(const std::string& scenario, std::vector<std::string> args) {
  args.insert(args.begin(), "health");
  return Dlenv(scenario, args);
}

// The venv scripts/make-test-envs.sh builds (tensorflow-cpu and jax from PyPI).
std::optional<std::filesystem::path> TestEnvPython(const std::string& name) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  auto python =
      std::filesystem::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") / name / "bin/python";
  if (std::filesystem::exists(python)) return python;
  return std::nullopt;
}

TEST(HealthCommand, HealthyNodeInWellUnderASecond) {
  auto r = Health(std::string(R"({"driver_version": "550.54.15", "gpus": [{)") + kGpu + "}]}", {});
  EXPECT_TRUE(r.ok()) << r.Describe() << r.err;
  EXPECT_EQ(r.out, "healthy: 1 GPU(s), driver 550.54.15\n");
  // Well under a second on an idle machine; the bound leaves room for a loaded CI machine.
  EXPECT_LT(r.seconds, 2.0) << "took " << r.seconds << " s";
  RecordProperty("seconds", std::to_string(r.seconds));
}

TEST(HealthCommand, UncorrectableEccIsUnhealthy) {
  auto r = Health(std::string(R"({"gpus": [{"ecc_uncorrected_volatile": 4, )") + kGpu + "}]}", {});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(
      r.out,
      "unhealthy: GPU 0: 4 uncorrectable ECC error(s) since the driver loaded (reset the GPU)\n");
}

// The bound on a run cut off by its timeout: the timeout, plus what the same command takes on
// a healthy node here and now (process start, the fake driver; slow under ASan on a busy
// machine), twice, plus 0.75 s. A deadline that misses a step (scontrol's minute of
// retries, a second driver call with a timeout of its own) overshoots it by far more.
double TimeoutBound(double timeout_seconds) {
  auto healthy =
      Health(std::string(R"({"driver_version": "550.54.15", "gpus": [{)") + kGpu + "}]}", {});
  EXPECT_TRUE(healthy.ok()) << healthy.Describe() << healthy.err;
  return timeout_seconds + 2 * healthy.seconds + 0.75;
}

TEST(HealthCommand, HungDriverIsCutOffByTheTimeout) {
  const double bound = TimeoutBound(1.5);
  auto r = Health(std::string(R"({"hang": "nvmlDeviceGetCount_v2", "gpus": [{)") + kGpu + "}]}",
                  {"--timeout", "1.5"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe() << r.err;
  EXPECT_THAT(r.out, StartsWith("unhealthy: the NVIDIA driver did not answer"));
  EXPECT_GE(r.seconds, 1.5) << "returned before its timeout: the hang was not waited for";
  EXPECT_LT(r.seconds, bound);
}

// The deadline covers scontrol too: here slurm.conf is missing and scontrol would retry for
// a minute.
TEST(HealthCommand, HungDriverWithDrainStaysWithinTheTimeout) {
  const double bound = TimeoutBound(2);
  auto r = Health(std::string(R"({"hang": "nvmlDeviceGetCount_v2", "gpus": [{)") + kGpu + "}]}",
                  {"--timeout", "2", "--drain", "--slurm-conf", "/nonexistent/slurm.conf"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe() << r.err;
  EXPECT_THAT(r.out, StartsWith("unhealthy: the NVIDIA driver did not answer"));
  EXPECT_THAT(r.err, HasSubstr("cannot read node"));
  EXPECT_LT(r.seconds, bound);
}

TEST(HealthCommand, CrashingDriverIsUnhealthy) {
  auto r =
      Health(std::string(R"({"crash": "nvmlDeviceGetCount_v2", "gpus": [{)") + kGpu + "}]}", {});
  EXPECT_EQ(r.exit_code, 1) << r.Describe() << r.err;
  EXPECT_THAT(r.out, StartsWith("unhealthy: the NVIDIA driver library crashed"));
}

TEST(HealthCommand, DrainWithoutSlurmSaysSoAndKeepsTheVerdict) {
  auto r = Health(std::string(R"({"gpus": [{)") + kGpu + "}]}",
                  {"--drain", "--slurm-conf", "/nonexistent/slurm.conf", "--timeout", "5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot read node"));
}

TEST(HealthCommand, UnreadableLockIsBadInput) {
  auto r =
      Health(std::string(R"({"gpus": [{)") + kGpu + "}]}", {"--lock", "/nonexistent/team.lock"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/team.lock"));
}

// The team locked the tf venv; this node's jobs run Debian's python3 (torch, no tensorflow):
// breaking drift. Against the tf venv itself: healthy.
TEST(HealthCommand, BreakingDriftAgainstTheLockIsUnhealthy) {
  auto tf = TestEnvPython("tf");
  if (!tf) {
    DLENV_SKIP_OR_FAIL(
        "test environment 'tf' missing: run scripts/make-test-envs.sh (or set DLENV_TEST_ENVS)");
  }
  const std::string scenario =
      std::string(R"({"driver_version": "550.54.15", "gpus": [{)") + kGpu + "}]}";
  testing::TempTree tree;
  const std::string lock = (tree / "team.lock").string();
  auto locked = Dlenv(scenario, {"lock", "--python", tf->string(), "-o", lock});
  ASSERT_TRUE(locked.ok()) << locked.Describe() << locked.err;

  auto same = Health(scenario, {"--lock", lock, "--python", tf->string()});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_EQ(same.out, "healthy: 1 GPU(s), driver 550.54.15\n");

  if (!std::filesystem::exists("/usr/bin/python3")) return;
  auto drifted = Health(scenario, {"--lock", lock, "--python", "/usr/bin/python3"});
  EXPECT_EQ(drifted.exit_code, 1) << drifted.out << drifted.err;
  EXPECT_THAT(drifted.out, StartsWith("unhealthy: breaking drift against " + lock + ": "));
}

}  // namespace
}  // namespace dlenv::health
