#include "testing/error_texts.h"

#include <filesystem>
#include <stdexcept>

#include "testing/temp_tree.h"

namespace dlenv::testing {

std::string ErrorText(const std::string& name) {
  const auto path = std::filesystem::path(DLENV_SOURCE_DIR) / "tests/error-texts" / (name + ".txt");
  std::string text = ReadAll(path);
  if (text.empty() || text[0] != '#') throw std::runtime_error("no error text " + path.string());
  return text.substr(text.find('\n') + 1);
}

}  // namespace dlenv::testing
