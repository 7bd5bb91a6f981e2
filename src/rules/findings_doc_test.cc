// Every finding id the code can emit is documented in docs/findings.md, and every documented
// id exists in the code: the ids are a public interface that scripts match on.

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "testing/temp_tree.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;

const std::regex kIdInCode(
    R"re("((?:driver|gpu|toolkit|container|wsl|framework|env|lock|verify|bench|companion|extension|build)\.[a-z0-9_]+)")re");
const std::regex kIdInDoc(R"re(^##\s+`?([a-z]+\.[a-z0-9_]+)`?\s*$)re");

std::set<std::string> IdsInCode() {
  std::set<std::string> ids;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(DLENV_SOURCE_DIR) / "src")) {
    const auto name = e.path().filename().string();
    if (e.path().extension() != ".cc" || name.find("_test") != std::string::npos ||
        name.find("_fuzz") != std::string::npos) continue;
    // Bench groups its measurements as "gpu.gemm", "cpu.memory": names, not findings.
    if (e.path().parent_path().filename() == "bench") continue;
    const std::string text = testing::ReadAll(e.path());
    for (std::sregex_iterator it(text.begin(), text.end(), kIdInCode), end; it != end; ++it) ids.insert((*it)[1]);
  }
  return ids;
}

std::set<std::string> IdsInDoc() {
  std::set<std::string> ids;
  const std::string text = testing::ReadAll(fs::path(DLENV_SOURCE_DIR) / "docs/findings.md");
  std::istringstream in(text);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, m, kIdInDoc)) ids.insert(m[1]);
  }
  return ids;
}

TEST(FindingsDoc, EveryEmittedIdIsDocumented) {
  auto doc = IdsInDoc();
  auto code = IdsInCode();
  ASSERT_FALSE(code.empty());
  for (const auto& id : code) EXPECT_TRUE(doc.count(id)) << id << " is emitted but not in docs/findings.md";
}

TEST(FindingsDoc, EveryDocumentedIdIsEmitted) {
  auto code = IdsInCode();
  for (const auto& id : IdsInDoc()) EXPECT_TRUE(code.count(id)) << id << " is documented but no code emits it";
}

}  // namespace
}  // namespace dlenv::rules
