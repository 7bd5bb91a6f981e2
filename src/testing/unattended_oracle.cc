#include "testing/unattended_oracle.h"

#include <filesystem>

#include "testing/require.h"
#include "util/subprocess.h"

namespace dlenv::testing {

std::optional<std::string> UnattendedUpgradeScript(std::string* why) {
  const std::string script = TestEnvsDir() + "/unattended-upgrades/usr/bin/unattended-upgrade";
  std::error_code ec;
  if (!std::filesystem::exists(script, ec)) {
    *why = script + " is not there (scripts/make-test-envs.sh unpacks it)";
    return std::nullopt;
  }
  return script;
}

std::optional<nlohmann::json> AskUnattendedUpgrade(const std::string& script,
                                                   const nlohmann::json& request,
                                                   std::string* why) {
  util::ChildOptions o;
  o.deadline = std::chrono::seconds(120);
  o.stdin_data = request.dump();
  auto run = util::RunCommand(
      {"/usr/bin/python3", std::string(DLENV_SOURCE_DIR) + "/tests/oracles/unattended_upgrade.py",
       script},
      o);
  if (!run.ok()) {
    *why = "the oracle failed: " + run.Describe() + "\n" + run.err;
    return std::nullopt;
  }
  auto answer = nlohmann::json::parse(run.out, nullptr, false);
  if (answer.is_discarded()) {
    *why = "the oracle printed no JSON: " + run.out.substr(0, 500);
    return std::nullopt;
  }
  return answer;
}

}  // namespace dlenv::testing
