#include <fmt/format.h>

#include "fleet/render.h"
#include "model/json.h"

namespace dlenv::fleet {

nlohmann::json FleetToJson(const FleetAnalysis& a, const RenderContext& ctx) {
  using nlohmann::json;
  json j;
  j["fleet_report_version"] = 1;
  j["dir"] = ctx.dir;
  j["reports"] = a.reports;
  j["baseline"] = {
      {"hash", a.baseline_hash}, {"source", a.baseline_source}, {"seen", a.baseline_seen}};
  j["groups"] = json::array();
  for (const auto& g : a.groups) {
    json gj = {{"hash", g.hash},         {"nodes", g.hosts.size()}, {"hostlist", g.hostlist},
               {"baseline", g.baseline}, {"grade", GroupGrade(g)},  {"summary", g.summary},
               {"hosts", g.hosts}};
    gj["diff"] = lock::DiffToJson(g.diff, "baseline", ShortHash(g.hash))["changes"];
    j["groups"].push_back(std::move(gj));
  }
  j["unhealthy"] = json::array();
  for (const auto& u : a.unhealthy)
    j["unhealthy"].push_back({{"host", u.host}, {"reasons", u.reasons}});
  j["missing"] = a.missing;
  j["missing_hostlist"] = a.missing_hostlist;
  j["unexpected"] = a.unexpected;
  auto notes = [](const std::vector<NodeNote>& v) {
    json arr = json::array();
    for (const auto& n : v) arr.push_back({{"host", n.host}, {"detail", n.detail}});
    return arr;
  };
  j["stale"] = notes(a.stale);
  j["clock_skew"] = notes(a.skewed);
  j["duplicates"] = notes(a.duplicates);
  j["file_server_skew"] = a.file_server_skew;
  j["rejected"] = json::array();
  for (const auto& r : a.rejected)
    j["rejected"].push_back({{"file", r.file}, {"reason", r.reason}});
  j["breaking_drift"] = a.BreakingDrift();
  j["exit_code"] = model::ToInt(a.ExitCode());
  return j;
}

}  // namespace dlenv::fleet
