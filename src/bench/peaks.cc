#include "bench/peaks.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/embedded.h"
#include "util/strings.h"

namespace dlenv::bench {

std::vector<GpuPeaks> ParseGpuPeaks(const std::string& json_text) {
  std::vector<GpuPeaks> out;
  try {
    const auto doc = nlohmann::json::parse(json_text);
    for (const auto& row : doc.at("gpus")) {
      GpuPeaks p;
      p.name = row.at("name").get<std::string>();
      p.match = row.at("match").get<std::vector<std::string>>();
      if (p.match.empty()) throw std::runtime_error("row " + p.name + " matches nothing");
      if (row.contains("exclude")) p.exclude = row.at("exclude").get<std::vector<std::string>>();
      for (const auto& [k, v] : row.at("tflops").items()) {
        const double t = v.get<double>();
        if (!(t > 0))
          throw std::runtime_error("row " + p.name + ": peak " + k + " is not positive");
        p.tflops[k] = t;
      }
      if (row.contains("memory_gbps")) p.memory_gbps = row.at("memory_gbps").get<double>();
      p.source = row.at("source").get<std::string>();
      out.push_back(std::move(p));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("malformed gpu_peaks.json: ") + e.what());
  }
  return out;
}

const std::vector<GpuPeaks>& BuiltinGpuPeaks() {
  static const std::vector<GpuPeaks> table = [] {
    auto text = util::FindEmbeddedFile("gpu_peaks.json");
    return text ? ParseGpuPeaks(std::string(*text)) : std::vector<GpuPeaks>{};
  }();
  return table;
}

std::optional<GpuPeaks> FindGpuPeaks(const std::vector<GpuPeaks>& table,
                                     std::string_view device_name) {
  const std::string name = util::ToLower(device_name);
  const auto contains = [&](const std::string& s) {
    return name.find(util::ToLower(s)) != std::string::npos;
  };
  for (const auto& row : table) {
    bool hit = false, excluded = false;
    for (const auto& m : row.match) hit |= contains(m);
    for (const auto& x : row.exclude) excluded |= contains(x);
    if (hit && !excluded) return row;
  }
  return std::nullopt;
}

}  // namespace dlenv::bench
