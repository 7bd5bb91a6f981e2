#include "util/embedded.h"

namespace dlenv::util {

std::optional<std::string_view> FindEmbeddedFile(std::string_view name) {
  for (const EmbeddedFile* f = kEmbeddedFiles; !f->name.empty(); ++f) {
    if (f->name == name) return f->contents;
  }
  return std::nullopt;
}

}  // namespace dlenv::util
