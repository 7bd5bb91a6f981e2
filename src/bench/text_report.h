#pragma once
// Renderers of bench and compare results: a terminal table and a self-contained HTML page.
// They only render; every number was measured and every verdict decided before.

#include <string>

#include "bench/result.h"

namespace dlenv::bench {

std::string RenderBenchText(const BenchReport& report);
std::string RenderCompareText(const CompareReport& report);

/// One page, no network, no script: tables plus inline SVG bar and box charts.
std::string RenderBenchHtml(const BenchReport& report);
std::string RenderCompareHtml(const CompareReport& report);

/// "180 ms", "12.3 us", "1.20 s".
std::string FormatSeconds(double s);
/// "95.1 GFLOP/s", "0.16 us".
std::string FormatValue(double value, const std::string& unit);
/// Half the IQR relative to the median, as "±1.2%".
std::string FormatSpread(const Summary& s);

}  // namespace dlenv::bench
