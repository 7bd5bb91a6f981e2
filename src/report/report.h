#pragma once
// Renderers: each turns a finished snapshot (findings evaluated) into one format.
// They decide nothing; redaction happens before them (report/redact.h).

#include <nlohmann/json.hpp>
#include <string>

#include "model/snapshot.h"

namespace dlenv::report {

struct TextStyle {
  bool color = false;
};

/// The versioned document described by schema/doctor.schema.json.
nlohmann::json ToJson(const model::Snapshot& snapshot);
std::string RenderText(const model::Snapshot& snapshot, const TextStyle& style);
std::string RenderMarkdown(const model::Snapshot& snapshot);

}  // namespace dlenv::report
