#pragma once
// The fleet report for people (text, Markdown, one self-contained HTML page) and for
// programs (JSON). Each only prints a FleetAnalysis.

#include <nlohmann/json.hpp>
#include <string>

#include "fleet/analysis.h"

namespace dlenv::fleet {

struct RenderContext {
  std::string dir;  // the folder read
};

std::string RenderFleetText(const FleetAnalysis& a, const RenderContext& ctx);
std::string RenderFleetMarkdown(const FleetAnalysis& a, const RenderContext& ctx);
nlohmann::json FleetToJson(const FleetAnalysis& a, const RenderContext& ctx);
/// One page, no external resources: styles inline, charts as inline SVG.
std::string RenderFleetHtml(const FleetAnalysis& a, const RenderContext& ctx);

/// "sha256:1a2b3c4d5e6f" -> "1a2b3c4d5e6f" (first 12 hex digits), for tables.
std::string ShortHash(const std::string& hash);
/// "breaking", "notable", "cosmetic", "same" (the baseline), "unknown" (no environment to diff).
std::string GroupGrade(const EnvironmentGroup& g);

}  // namespace dlenv::fleet
