#pragma once
// JSON of the bench and compare results (`--json`), versioned like doctor's document.

#include <nlohmann/json.hpp>

#include "bench/result.h"

namespace dlenv::bench {

/// Bumped whenever a field changes meaning or disappears; additions keep the version.
inline constexpr int kBenchSchemaVersion = 1;

void to_json(nlohmann::json& j, const Summary& v);
void to_json(nlohmann::json& j, const Check& v);
void to_json(nlohmann::json& j, const Measurement& v);
void to_json(nlohmann::json& j, const GpuState& v);
void to_json(nlohmann::json& j, const BenchReport& v);
void to_json(nlohmann::json& j, const FrameworkRun& v);
void to_json(nlohmann::json& j, const FrameworkProcess& v);
void to_json(nlohmann::json& j, const RatioInterval& v);
void to_json(nlohmann::json& j, const Comparison& v);
void to_json(nlohmann::json& j, const RunVerdict& v);
void to_json(nlohmann::json& j, const CompareReport& v);

}  // namespace dlenv::bench
