#pragma once
// Test helper: unattended-upgrades' own functions as the oracle (tests/oracles/
// unattended_upgrade.py over the package unpacked by scripts/make-test-envs.sh).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace dlenv::testing {

/// The unpacked /usr/bin/unattended-upgrade, or nullopt with `why` when it is not there.
std::optional<std::string> UnattendedUpgradeScript(std::string* why);

/// Runs the oracle on `request` (see the script's docstring); nullopt with `why` on failure.
std::optional<nlohmann::json> AskUnattendedUpgrade(const std::string& script,
                                                   const nlohmann::json& request, std::string* why);

}  // namespace dlenv::testing
