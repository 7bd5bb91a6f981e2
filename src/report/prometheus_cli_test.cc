// `dlenv doctor --prometheus FILE [--lock F]` end to end, through the fake driver.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "testing/fake_driver_env.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::report {
namespace {

using ::testing::HasSubstr;

class DoctorPrometheus : public ::testing::Test {
 protected:
  util::ChildResult Dlenv(std::vector<std::string> args) {
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.deadline = std::chrono::seconds(120);
    o.env = testing::FakeDriverEnv(scenario_);
    args.insert(args.begin(), DLENV_BINARY);
    return util::RunCommand(args, o);
  }
  testing::TempTree tree_;
  std::filesystem::path scenario_ = tree_.Write(
      "scenario.json",
      R"({"driver_version": "550.54.15", "gpus": [{"name": "NVIDIA H100 80GB HBM3", "pci_bus_id": "00000000:3B:00.0"}]})");
};

TEST_F(DoctorPrometheus, LockOfThisMachineMeansNoDrift) {
  const std::string lock = (tree_ / "team.lock").string();
  auto locked = Dlenv({"lock", "-o", lock});
  ASSERT_TRUE(locked.ok()) << locked.err;
  const std::string prom = (tree_ / "dlenv.prom").string();
  auto r = Dlenv({"doctor", "--prometheus", prom, "--lock", lock});
  ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe();
  EXPECT_LE(r.exit_code, 1) << r.err;
  std::string text = testing::ReadAll(prom);
  EXPECT_THAT(text, HasSubstr("dlenv_lock_info{lock_file=\"" + lock + "\",lock_hash=\"sha256:"));
  for (const char* impact : {"breaking", "notable", "cosmetic"})
    EXPECT_THAT(text,
                HasSubstr(std::string("dlenv_lock_drift_changes{impact=\"") + impact + "\"} 0\n"));
  // The environment hash in dlenv_info is the lock's own.
  auto hash = text.substr(text.find("lock_hash=\"") + 11, 71);
  EXPECT_THAT(text, HasSubstr("environment_hash=\"" + hash + "\""));
}

TEST_F(DoctorPrometheus, UnreadableLockOrFolderIsBadInput) {
  auto r = Dlenv({"doctor", "--prometheus", (tree_ / "dlenv.prom").string(), "--lock",
                  "/nonexistent/team.lock"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/team.lock"));
  EXPECT_FALSE(std::filesystem::exists(tree_ / "dlenv.prom"));
  r = Dlenv({"doctor", "--prometheus", (tree_ / "missing/dlenv.prom").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing/dlenv.prom"));
  r = Dlenv({"doctor", "--lock", "team.lock"});
  EXPECT_EQ(r.exit_code, 2) << "--lock needs --prometheus";
}

}  // namespace
}  // namespace dlenv::report
