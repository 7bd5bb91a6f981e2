#include "knowledge/numpy_abi.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/embedded.h"

namespace dlenv::knowledge {

std::vector<NumpyAbiRow> ParseNumpyAbi(const std::string& json_text) {
  std::vector<NumpyAbiRow> rows;
  auto doc = nlohmann::json::parse(json_text);
  for (const auto& r : doc.at("rows")) {
    rows.push_back({r.at("framework").get<std::string>(),
                    r.at("packages").get<std::vector<std::string>>(),
                    r.at("numpy2_from").get<std::string>(), r.at("source").get<std::string>()});
  }
  return rows;
}

const std::vector<NumpyAbiRow>& BuiltinNumpyAbi() {
  static const std::vector<NumpyAbiRow> rows = [] {
    auto text = util::FindEmbeddedFile("numpy_abi.json");
    if (!text) throw std::runtime_error("knowledge data numpy_abi.json missing from the build");
    return ParseNumpyAbi(std::string(*text));
  }();
  return rows;
}

}  // namespace dlenv::knowledge
