#include "knowledge/knowledge.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "util/embedded.h"

namespace dlenv::knowledge {
namespace {

util::DottedVersion V(const nlohmann::json& j, const char* key) {
  std::string text = j.at(key).is_string() ? j.at(key).get<std::string>()
                                           : std::to_string(j.at(key).get<int>());
  auto v = util::DottedVersion::Parse(text);
  if (!v) throw std::runtime_error(std::string("bad version in knowledge data: ") + text);
  return *v;
}

}  // namespace

Knowledge ParseKnowledge(const std::string& text) {
  Knowledge k;
  auto doc = nlohmann::json::parse(text);
  k.date = doc.at("date").get<std::string>();
  const auto& tmd = doc.at("toolkit_minimum_driver");
  k.toolkit_minimum_driver_source = tmd.at("source").get<std::string>();
  for (const auto& row : tmd.at("rows")) k.toolkit_minimum_driver.push_back({V(row, "cuda"), V(row, "ga_driver")});
  const auto& mvc = doc.at("minor_version_compatibility");
  k.minor_compat_source = mvc.at("source").get<std::string>();
  for (const auto& row : mvc.at("rows")) k.minor_compat.push_back({row.at("cuda_major").get<int>(), V(row, "min_driver")});
  for (const auto& row : doc.at("architectures").at("rows")) {
    ArchRow a;
    a.name = row.at("name").get<std::string>();
    if (row.contains("cc_major")) a.cc_major = row.at("cc_major").get<int>();
    if (row.contains("cc")) a.cc = V(row, "cc");
    k.architectures.push_back(std::move(a));
  }
  return k;
}

const Knowledge& BuiltinKnowledge() {
  static const Knowledge k = [] {
    auto text = util::FindEmbeddedFile("cuda_driver.json");
    if (!text) throw std::runtime_error("knowledge data cuda_driver.json missing from the build");
    return ParseKnowledge(std::string(*text));
  }();
  return k;
}

std::optional<util::DottedVersion> Knowledge::GaDriverFor(const util::DottedVersion& cuda) const {
  for (const auto& row : toolkit_minimum_driver) {
    if (row.cuda.major() == cuda.major() && row.cuda.minor() == cuda.minor()) return row.ga_driver;
  }
  return std::nullopt;
}

std::optional<util::DottedVersion> Knowledge::MinorCompatDriverFor(int cuda_major) const {
  for (const auto& row : minor_compat) {
    if (row.cuda_major == cuda_major) return row.min_driver;
  }
  return std::nullopt;
}

std::optional<std::string> Knowledge::ArchitectureName(int cc_major, int cc_minor) const {
  util::DottedVersion cc = *util::DottedVersion::Parse(std::to_string(cc_major) + "." + std::to_string(cc_minor));
  for (const auto& row : architectures) {
    if (row.cc && *row.cc == cc) return row.name;
  }
  for (const auto& row : architectures) {
    if (row.cc_major && *row.cc_major == cc_major) return row.name;
  }
  return std::nullopt;
}

}  // namespace dlenv::knowledge
