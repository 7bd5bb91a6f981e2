#include "testing/temp_tree.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dlenv::testing {

namespace fs = std::filesystem;

TempTree::TempTree() {
  std::string pattern = (fs::temp_directory_path() / "dlenv-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
}

TempTree::~TempTree() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

fs::path TempTree::operator/(std::string_view inside) const {
  return root_ / fs::path(inside).relative_path();
}

fs::path TempTree::Write(std::string_view inside, std::string_view contents) const {
  fs::path p = *this / inside;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return p;
}

fs::path TempTree::MakeDir(std::string_view inside) const {
  fs::path p = *this / inside;
  fs::create_directories(p);
  return p;
}

void TempTree::Symlink(std::string_view inside, std::string_view target) const {
  fs::path p = *this / inside;
  fs::create_directories(p.parent_path());
  fs::create_symlink(fs::path(target), p);
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace dlenv::testing
