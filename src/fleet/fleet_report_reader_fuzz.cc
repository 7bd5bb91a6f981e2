// libFuzzer target for the fleet report reader: any bytes must give a node or a named
// rejection, never a crash, a hang or unbounded memory; a node that reads must also go
// through the analysis and every renderer.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fleet/analysis.h"
#include "fleet/render.h"
#include "fleet/report_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  dlenv::fleet::EnvironmentCache locks;
  auto r = dlenv::fleet::ParseFleetReport(text, "fuzz.json", locks);
  if (r.node.has_value() == r.rejection.has_value()) __builtin_trap();  // exactly one of them
  if (r.rejection && r.rejection->reason.empty()) __builtin_trap();     // a refusal must say why
  if (r.node) {
    std::vector<dlenv::fleet::NodeReport> nodes = {*r.node, *r.node};
    nodes[1].hostname += "x";
    auto a = dlenv::fleet::AnalyzeFleet(nodes, {}, locks, {});
    (void)dlenv::fleet::RenderFleetText(a, {"d"});
    (void)dlenv::fleet::RenderFleetHtml(a, {"d"});
    (void)dlenv::fleet::FleetToJson(a, {"d"}).dump();
  }
  return 0;
}
