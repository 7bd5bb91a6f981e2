#include "knowledge/knowledge.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "knowledge/framework_images.h"
#include "util/embedded.h"
#include "util/strings.h"

namespace dlenv::knowledge {
namespace {

util::DottedVersion V(const nlohmann::json& j, const char* key) {
  std::string text =
      j.at(key).is_string() ? j.at(key).get<std::string>() : std::to_string(j.at(key).get<int>());
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
  for (const auto& row : tmd.at("rows"))
    k.toolkit_minimum_driver.push_back({V(row, "cuda"), V(row, "ga_driver")});
  const auto& mvc = doc.at("minor_version_compatibility");
  k.minor_compat_source = mvc.at("source").get<std::string>();
  for (const auto& row : mvc.at("rows"))
    k.minor_compat.push_back({row.at("cuda_major").get<int>(), V(row, "min_driver")});
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
  util::DottedVersion cc =
      *util::DottedVersion::Parse(std::to_string(cc_major) + "." + std::to_string(cc_minor));
  for (const auto& row : architectures) {
    if (row.cc && *row.cc == cc) return row.name;
  }
  for (const auto& row : architectures) {
    if (row.cc_major && *row.cc_major == cc_major) return row.name;
  }
  return std::nullopt;
}

// ---- framework images (framework_images.h) ----------------------------------------------------

FrameworkImageTable ParseFrameworkImages(const std::string& text) {
  FrameworkImageTable table;
  auto doc = nlohmann::json::parse(text);
  table.date = doc.at("framework_images_date").get<std::string>();
  const auto& sources = doc.at("framework_images_sources");
  for (const auto& row : doc.at("framework_images")) {
    FrameworkImage image;
    image.framework = row.at("framework").get<std::string>();
    image.family = row.at("family").get<std::string>();
    image.version = row.at("version").get<std::string>();
    image.image = row.at("image").get<std::string>();
    image.cuda = V(row, "cuda");
    if (row.contains("compat_drivers")) {
      for (const auto& d : row.at("compat_drivers")) {
        auto v = util::DottedVersion::Parse(d.get<std::string>());
        if (!v) throw std::runtime_error("bad compat driver in framework_images: " + row.dump());
        image.compat_drivers.push_back(*v);
      }
    }
    const std::string key = row.at("source").get<std::string>();
    if (!sources.contains(key)) {
      throw std::runtime_error("framework_images row without a known source: " + row.dump());
    }
    image.source = sources.at(key).get<std::string>();
    table.images.push_back(std::move(image));
  }
  return table;
}

const FrameworkImageTable& BuiltinFrameworkImages() {
  static const FrameworkImageTable table = [] {
    auto text = util::FindEmbeddedFile("cuda_images.json");
    if (!text) throw std::runtime_error("knowledge data cuda_images.json missing from the build");
    return ParseFrameworkImages(std::string(*text));
  }();
  return table;
}

namespace {

// Data center parts by model (NVIDIA data center GPU pages; Tesla is the old brand).
constexpr std::string_view kDatacenterModels[] = {
    "A2",   "A10",  "A10G",  "A16",  "A30",  "A40",  "A100",  "A800",  "H20", "H100",
    "H200", "H800", "GH200", "B100", "B200", "B300", "GB200", "GB300", "L4",  "L20",
    "L40",  "L40S", "T4",    "V100", "P100", "P40",  "P4",    "K80",   "M60", "M40"};

std::vector<std::string> Tokens(std::string_view name) {
  std::vector<std::string> out;
  std::string token;
  for (char c : name) {
    if (c == ' ' || c == '-' || c == '_') {
      if (!token.empty()) out.push_back(std::move(token));
      token.clear();
    } else {
      token += c;
    }
  }
  if (!token.empty()) out.push_back(std::move(token));
  return out;
}

}  // namespace

bool IsDatacenterGpu(const std::string& name) {
  const std::string upper = [&] {
    std::string u(name);
    for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
  }();
  if (upper.find("RTX") != std::string::npos || upper.find("GEFORCE") != std::string::npos ||
      upper.find("QUADRO") != std::string::npos || upper.find("TITAN") != std::string::npos) {
    return false;
  }
  const auto tokens = Tokens(upper);
  if (!tokens.empty() && tokens.front() == "TESLA") return true;
  for (const auto& t : tokens) {
    for (std::string_view model : kDatacenterModels) {
      if (t == model) return true;
    }
  }
  return false;
}

std::vector<ImagePick> PickFrameworkImages(const FrameworkImageTable& table,
                                           const std::string& framework,
                                           const util::DottedVersion& driver_cuda,
                                           const std::optional<util::DottedVersion>& driver,
                                           bool datacenter) {
  std::vector<ImagePick> picks;
  auto picked = [&](const std::string& family) {
    return std::any_of(picks.begin(), picks.end(),
                       [&](const ImagePick& p) { return p.image->family == family; });
  };
  for (const auto& image : table.images) {
    if (image.framework != framework || picked(image.family)) continue;
    const util::DottedVersion need = *util::DottedVersion::Parse(
        std::to_string(image.cuda.major()) + "." + std::to_string(image.cuda.minor()));
    if (driver_cuda >= need) {
      picks.push_back({&image, false});
      continue;
    }
    // The release notes' list: "470.57 (or later R470)": same branch, at or above.
    const bool compat = datacenter && driver &&
                        std::any_of(image.compat_drivers.begin(), image.compat_drivers.end(),
                                    [&](const util::DottedVersion& floor) {
                                      return driver->major() == floor.major() && *driver >= floor;
                                    });
    if (compat) picks.push_back({&image, true});
  }
  return picks;
}

}  // namespace dlenv::knowledge
