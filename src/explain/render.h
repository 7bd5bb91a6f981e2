#pragma once
// explain's renderings, all from its JSON document (so --redact covers every format alike),
// and the catalogue page that docs/explain.md carries.

#include <nlohmann/json.hpp>
#include <string>

#include "knowledge/error_signatures.h"

namespace dlenv::explain {

std::string RenderText(const nlohmann::json& doc, bool color);
std::string RenderMarkdown(const nlohmann::json& doc);

/// The catalogue as Markdown: per signature its wordings with sources, what it extracts, the
/// causes with the deciding facts and findings. docs/explain.md ends with exactly this.
std::string RenderCatalogue(const knowledge::ErrorSignatures& catalogue);

}  // namespace dlenv::explain
