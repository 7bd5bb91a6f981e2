#include "knowledge/runtime_libraries.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/embedded.h"

namespace dlenv::knowledge {

RuntimeLibraries ParseRuntimeLibraries(const std::string& text) {
  RuntimeLibraries r;
  auto doc = nlohmann::json::parse(text);
  r.date = doc.at("date").get<std::string>();
  const auto& providers = doc.at("providers");
  r.providers_source = providers.at("source").get<std::string>();
  for (const auto& row : providers.at("rows")) {
    LibraryProviderRow p;
    p.soname = row.at("soname").get<std::string>();
    p.dists = row.at("dists").get<std::vector<std::string>>();
    if (row.contains("cuda_toolkit_extra"))
      p.cuda_toolkit_extra = row.at("cuda_toolkit_extra").get<std::string>();
    if (p.soname.empty() || p.dists.empty())
      throw std::runtime_error("runtime_libraries: provider row without soname or dists");
    r.providers.push_back(std::move(p));
  }
  for (const auto& row : doc.at("dlopened").at("rows")) {
    DlopenRow d;
    d.framework = row.at("framework").get<std::string>();
    d.cuda_major = row.at("cuda_major").get<int>();
    d.sonames = row.at("sonames").get<std::vector<std::string>>();
    d.source = row.at("source").get<std::string>();
    if (d.source.empty())
      throw std::runtime_error("runtime_libraries: dlopen row for " + d.framework +
                               " has no source");
    r.dlopened.push_back(std::move(d));
  }
  return r;
}

const RuntimeLibraries& BuiltinRuntimeLibraries() {
  static const RuntimeLibraries r = [] {
    auto text = util::FindEmbeddedFile("runtime_libraries.json");
    if (!text)
      throw std::runtime_error("knowledge data runtime_libraries.json missing from the build");
    return ParseRuntimeLibraries(std::string(*text));
  }();
  return r;
}

const LibraryProviderRow* RuntimeLibraries::ProviderOf(std::string_view soname) const {
  for (const auto& row : providers) {
    if (row.soname == soname) return &row;
  }
  return nullptr;
}

const DlopenRow* RuntimeLibraries::DlopenedBy(std::string_view framework, int cuda_major) const {
  for (const auto& row : dlopened) {
    if (row.framework == framework && row.cuda_major == cuda_major) return &row;
  }
  return nullptr;
}

}  // namespace dlenv::knowledge
