#pragma once
// The machine a log is judged against when it was written elsewhere: a `dlenv doctor --json`
// report (everything known) or a `dlenv fleet snapshot` document (GPUs and findings only).

#include <nlohmann/json.hpp>
#include <string>

#include "rules/error_causes.h"

namespace dlenv::explain {

/// Throws std::runtime_error with a message for a document that is neither.
rules::MachineFacts FactsFromReport(const nlohmann::json& doc, const std::string& name);

}  // namespace dlenv::explain
