// The files under contrib/ that run `dlenv doctor --prometheus` and alert on its metrics,
// checked with the tools that read them: systemd-analyze, the cron line's command run as
// written, promtool check/test rules. Each skips where its tool is not installed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "testing/fake_driver_env.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::report {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kContrib = fs::path(DLENV_SOURCE_DIR) / "contrib";
constexpr const char* kInstalledPath = "/usr/local/bin/dlenv";
constexpr const char* kTextfile = "/var/lib/prometheus/node-exporter/dlenv.prom";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
    s.replace(p, from.size(), to);
  return s;
}

util::ChildResult RunTool(const std::vector<std::string>& argv,
                          const std::optional<std::string>& cwd = std::nullopt) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  o.cwd = cwd;
  return util::RunCommand(argv, o);
}

TEST(TextfileContrib, SystemdUnitsVerify) {
  if (!fs::exists("/usr/bin/systemd-analyze")) DLENV_SKIP_OR_FAIL("systemd-analyze not installed");
  testing::TempTree tree;
  // The units name the installed binary; verify checks that it exists, so point at ours.
  const std::string service = testing::ReadAll(kContrib / "systemd/dlenv-textfile.service");
  ASSERT_THAT(service,
              HasSubstr(std::string(kInstalledPath) + " doctor --prometheus " + kTextfile));
  tree.Write("dlenv-textfile.service", Replace(service, kInstalledPath, DLENV_BINARY));
  tree.Write("dlenv-textfile.timer", testing::ReadAll(kContrib / "systemd/dlenv-textfile.timer"));
  auto r = RunTool({"systemd-analyze", "verify", (tree / "dlenv-textfile.service").string(),
                    (tree / "dlenv-textfile.timer").string()});
  EXPECT_TRUE(r.ok()) << r.Describe() << "\n" << r.out << r.err;
}

// The cron line's command, run as written but for the binary's and the file's paths.
TEST(TextfileContrib, CronLineWritesAValidTextfile) {
  testing::TempTree tree;
  std::string cron = testing::ReadAll(kContrib / "cron/dlenv");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      cron, m, std::regex(R"(\n\*/5 \* \* \* \* root (/usr/local/bin/dlenv [^>]*?) >)")));
  std::string command = Replace(Replace(m[1].str(), kInstalledPath, DLENV_BINARY), kTextfile,
                                (tree / "dlenv.prom").string());
  auto scenario = tree.Write(
      "scenario.json",
      R"({"driver_version": "550.54.15", "gpus": [{"name": "NVIDIA H100 80GB HBM3", "pci_bus_id": "00000000:3B:00.0"}]})");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(120);
  o.env = testing::FakeDriverEnv(scenario);
  auto r = util::RunCommand({"/bin/sh", "-c", command}, o);
  ASSERT_EQ(r.outcome, util::ChildResult::Outcome::kExited) << r.Describe();
  EXPECT_LE(r.exit_code, 1) << r.err;
  std::string text = testing::ReadAll(tree / "dlenv.prom");
  EXPECT_THAT(text, HasSubstr("dlenv_gpus 1\n"));
  if (fs::exists("/usr/bin/promtool")) {
    util::ChildOptions check = ::dlenv::testing::ToolOptions();
    check.stdin_data = text;
    auto lint = util::RunCommand({"/usr/bin/promtool", "check", "metrics"}, check);
    EXPECT_TRUE(lint.ok()) << lint.out << lint.err;
  }
}

TEST(TextfileContrib, AlertRulesPassPromtoolAndTheirUnitTests) {
  if (!fs::exists("/usr/bin/promtool"))
    DLENV_SKIP_OR_FAIL("promtool not installed (apt-get install prometheus)");
  const std::string dir = (kContrib / "prometheus").string();
  auto check = RunTool({"/usr/bin/promtool", "check", "rules", "dlenv-alerts.yml"}, dir);
  EXPECT_TRUE(check.ok()) << check.out << check.err;
  EXPECT_THAT(check.out + check.err, HasSubstr("SUCCESS: 6 rules found"));
  auto test = RunTool({"/usr/bin/promtool", "test", "rules", "dlenv-alerts.test.yml"}, dir);
  EXPECT_TRUE(test.ok()) << test.out << test.err;
}

// The alerts use the metric names dlenv writes.
TEST(TextfileContrib, AlertRulesNameRealMetrics) {
  std::string rules = testing::ReadAll(kContrib / "prometheus/dlenv-alerts.yml");
  std::string docs = testing::ReadAll(fs::path(DLENV_SOURCE_DIR) / "docs/fleet.md");
  std::regex metric(R"(dlenv_[a-z_]+)");
  int n = 0;
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), metric);
       it != std::sregex_iterator(); ++it, ++n)
    EXPECT_THAT(docs, HasSubstr("`" + it->str() + "`")) << it->str();
  EXPECT_GT(n, 5);
}

}  // namespace
}  // namespace dlenv::report
