#include "util/conda_meta.h"

#include <nlohmann/json.hpp>
#include <set>

namespace dlenv::util {
namespace {

std::optional<std::string> StringField(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::optional<CondaMetaRecord> ParseCondaMeta(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto name = StringField(doc, "name");
  auto version = StringField(doc, "version");
  auto build = StringField(doc, "build");
  if (!name || !version || !build) return std::nullopt;
  CondaMetaRecord r{
      *name, *version, *build, StringField(doc, "channel"), StringField(doc, "requested_spec"),
      {},    {}};
  if (r.requested_spec && r.requested_spec->empty()) r.requested_spec.reset();
  if (auto files = doc.find("files"); files != doc.end() && files->is_array()) {
    std::set<std::string> dirs;
    for (const auto& f : *files) {
      if (!f.is_string()) continue;
      const std::string& path = f.get_ref<const std::string&>();
      for (std::string_view suffix : {".dist-info/", ".egg-info/"}) {
        auto at = path.find(suffix);
        if (at != std::string::npos) dirs.insert(path.substr(0, at + suffix.size() - 1));
      }
    }
    r.python_metadata_dirs.assign(dirs.begin(), dirs.end());
    for (const auto& f : *files) {
      if (!f.is_string()) continue;
      std::string_view path = f.get_ref<const std::string&>();
      if (!path.starts_with("lib/lib")) continue;
      path.remove_prefix(4);
      if (path.find('/') == std::string_view::npos && path.find(".so.") != std::string_view::npos)
        r.libraries.emplace_back(path);
    }
  }
  return r;
}

}  // namespace dlenv::util
