#include "util/dpkg_status.h"

#include "util/strings.h"

namespace dlenv::util {
namespace {

bool SameField(std::string_view a, std::string_view b) { return ToLower(a) == ToLower(b); }

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
  for (std::string_view raw : Lines(text)) {
    std::string_view line = raw;  // Lines() has dropped any '\r'
    if (Trim(line).empty()) {
      finish();
      continue;
    }
    // Continuation lines (Description, Conffiles) start with a space or tab: not fields.
    if (line.front() == ' ' || line.front() == '\t') continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string value(Trim(line.substr(colon + 1)));
    if (SameField(key, "Package")) {
      current.name = value;
    } else if (SameField(key, "Version")) {
      current.version = value;
    } else if (SameField(key, "Architecture")) {
      current.architecture = value;
    } else if (SameField(key, "Status")) {
      current.status = value;
    }
  }
  finish();
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
