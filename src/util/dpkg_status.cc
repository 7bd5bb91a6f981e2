#include "util/dpkg_status.h"

#include <cctype>

#include "util/strings.h"

namespace dlenv::util {
namespace {

void AppendRelations(std::string& to, std::string_view value) {
  if (value.empty()) return;
  if (!to.empty()) to += ", ";
  to += value;
}

}  // namespace

bool DpkgPackage::installed() const {
  // "want flag status": the last word is the state; "installed" is the only configured one
  // (half-installed, unpacked, config-files, ... leave files or versions that do not run).
  auto words = Split(status, ' ');
  return words.size() == 3 && words[2] == "installed";
}

std::vector<DpkgPackage> ParseDpkgStatus(std::string_view text) {
  std::vector<DpkgPackage> out;
  DpkgPackage current;
  auto finish = [&] {
    if (!current.name.empty() && !current.version.empty()) out.push_back(std::move(current));
    current = DpkgPackage{};
  };
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      finish();
      continue;
    }
    // Continuation lines (Description, Conffiles) start with a space or tab: not fields.
    if (line.front() == ' ' || line.front() == '\t') continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(key, "Package")) {
      current.name = value;
    } else if (EqualsIgnoreCase(key, "Version")) {
      current.version = value;
    } else if (EqualsIgnoreCase(key, "Architecture")) {
      current.architecture = value;
    } else if (EqualsIgnoreCase(key, "Status")) {
      current.status = value;
    } else if (EqualsIgnoreCase(key, "Depends") || EqualsIgnoreCase(key, "Pre-Depends") ||
               EqualsIgnoreCase(key, "Provides")) {
      AppendRelations(current.relations, value);
    }
  }
  finish();
  return out;
}

std::vector<std::string_view> RelationNames(std::string_view relations) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= relations.size()) {
    std::size_t end = relations.find_first_of(",|", start);
    if (end == std::string_view::npos) end = relations.size();
    std::string_view item = Trim(relations.substr(start, end - start));
    // "python3:any (>= 3.11) [amd64] <!nocheck>": the name ends at the first of these.
    item = item.substr(0, item.find_first_of(" \t(:[<"));
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

std::optional<DpkgListName> ParseDpkgListName(std::string_view file_name) {
  constexpr std::string_view kSuffix = ".list";
  if (file_name.size() <= kSuffix.size() ||
      file_name.substr(file_name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  std::string_view stem = file_name.substr(0, file_name.size() - kSuffix.size());
  DpkgListName out;
  auto colon = stem.find(':');
  out.package = std::string(stem.substr(0, colon));
  if (colon != std::string_view::npos) out.architecture = std::string(stem.substr(colon + 1));
  if (out.package.empty() || (colon != std::string_view::npos && out.architecture.empty()))
    return std::nullopt;
  return out;
}

}  // namespace dlenv::util
