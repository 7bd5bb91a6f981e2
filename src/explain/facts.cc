#include "explain/facts.h"

#include <stdexcept>

#include "model/json.h"
#include "util/json_read.h"

namespace dlenv::explain {

rules::MachineFacts FactsFromReport(const nlohmann::json& doc, const std::string& name) {
  rules::MachineFacts facts;
  facts.source = "the machine of " + name;
  if (!doc.is_object()) throw std::runtime_error(name + " is not a JSON object");
  if (doc.contains("schema_version") && doc.contains("driver")) {
    try {
      facts.snapshot = doc.get<model::Snapshot>();
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(name + " is not a `dlenv doctor --json` report: " + e.what());
    }
    return facts;
  }
  if (doc.contains("fleet_snapshot_version")) {
    // A fleet snapshot keeps GPUs (index, name) and findings; the driver, libraries and host
    // are not in it, so facts about them are assumed, and said to be.
    facts.driver_known = facts.host_known = facts.libraries_known = facts.envs_known = false;
    facts.snapshot.host.hostname = util::JsonStringOr(doc, "hostname", "");
    if (auto gpus = doc.find("gpus"); gpus != doc.end() && gpus->is_array()) {
      for (const auto& g : *gpus) {
        model::GpuInfo gpu;
        gpu.index = static_cast<int>(util::JsonNumberOr(g, "index", 0));
        gpu.name = util::JsonStringOr(g, "name", "");
        facts.snapshot.gpus.push_back(gpu);
      }
    }
    if (auto findings = doc.find("findings"); findings != doc.end() && findings->is_array()) {
      for (const auto& f : *findings) {
        try {
          facts.snapshot.findings.push_back(f.get<model::Finding>());
        } catch (const nlohmann::json::exception&) {
          // a finding of an unknown shape is skipped, not fatal
        }
      }
    }
    return facts;
  }
  throw std::runtime_error(
      name + " is neither a `dlenv doctor --json` report nor a `dlenv fleet snapshot`");
}

}  // namespace dlenv::explain
