#pragma once

#include <optional>
#include <string_view>

namespace dlenv::util {

struct EmbeddedFile {
  std::string_view name;
  std::string_view contents;
};

/// Table generated at build time from src/knowledge/data and src/python; ends with an
/// entry whose name is empty.
extern const EmbeddedFile kEmbeddedFiles[];

/// The contents of the embedded file with this base name, if the build carried one.
std::optional<std::string_view> FindEmbeddedFile(std::string_view name);

}  // namespace dlenv::util
