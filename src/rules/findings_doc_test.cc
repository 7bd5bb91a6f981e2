// Every finding id the code can emit is documented in docs/findings.md, every documented id
// exists in the code, and every documented id is asserted by a test: the ids are a public
// interface that scripts match on.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "testing/temp_tree.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;

const std::regex kIdInCode(
    R"re("((?:driver|gpu|toolkit|container|wsl|framework|env|lock|verify|bench|companion|extension|build|conda)\.[a-z0-9_]+)")re");
const std::regex kIdInDoc(R"re(^##\s+`?([a-z]+\.[a-z0-9_]+)`?\s*$)re");

std::set<std::string> IdsInCode() {
  std::set<std::string> ids;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(DLENV_SOURCE_DIR) / "src")) {
    const auto name = e.path().filename().string();
    if (e.path().extension() != ".cc" || name.find("_test") != std::string::npos ||
        name.find("_fuzz") != std::string::npos)
      continue;
    // Bench groups its measurements as "gpu.gemm", "cpu.memory": names, not findings.
    if (e.path().parent_path().filename() == "bench") continue;
    const std::string text = testing::ReadAll(e.path());
    for (std::sregex_iterator it(text.begin(), text.end(), kIdInCode), end; it != end; ++it)
      ids.insert((*it)[1]);
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
  for (const auto& id : code)
    EXPECT_TRUE(doc.count(id)) << id << " is emitted but not in docs/findings.md";
}

TEST(FindingsDoc, EveryDocumentedIdIsEmitted) {
  auto code = IdsInCode();
  for (const auto& id : IdsInDoc())
    EXPECT_TRUE(code.count(id)) << id << " is documented but no code emits it";
}

// The statement around `at` in C++ source: from the previous ';' or block brace ending a line
// to the next ';'.
std::string StatementAround(const std::string& text, std::size_t at) {
  std::size_t start = 0;
  for (std::size_t i = at; i-- > 0;) {
    const bool brace_at_eol =
        (text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == '\n';
    if (text[i] == ';' || brace_at_eol) {
      start = i + 1;
      break;
    }
  }
  const std::size_t end = text.find(';', at);
  return text.substr(start, (end == std::string::npos ? text.size() : end) - start);
}

const std::regex kAssertion(R"re(\b(EXPECT|ASSERT)_[A-Z_]+\s*\()re");

// Whether `text` (one test file) asserts on `id`: an EXPECT_/ASSERT_ statement holds the id's
// literal, or the literal picks a value (`auto f = Find(s, "id")`, `if (f.id == "id") x = &f`)
// that a later EXPECT_/ASSERT_ statement of the file checks.
bool AssertsOn(const std::string& text, const std::string& id) {
  const std::string literal = "\"" + id + "\"";
  for (std::size_t at = text.find(literal); at != std::string::npos;
       at = text.find(literal, at + 1)) {
    const std::string statement = StatementAround(text, at);
    if (std::regex_search(statement, kAssertion)) return true;
    std::smatch m;
    if (!std::regex_search(statement, m, std::regex(R"re((\w+)\s*=[^=])re"))) continue;
    const std::regex uses("\\b" + m[1].str() + "\\b");
    const std::size_t after = text.find(';', at);
    for (std::size_t next = after; next != std::string::npos && next + 1 < text.size();
         next = text.find(';', next + 1)) {
      const std::string later = StatementAround(text, next + 1);
      if (std::regex_search(later, kAssertion) && std::regex_search(later, uses)) return true;
    }
  }
  return false;
}

std::map<std::string, std::string> TestSources() {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(DLENV_SOURCE_DIR) / "src")) {
    if (e.path().filename().string().ends_with("_test.cc"))
      files[e.path().string()] = testing::ReadAll(e.path());
  }
  return files;
}

TEST(FindingsDoc, EveryDocumentedIdIsAssertedByATest) {
  const auto tests = TestSources();
  const auto ids = IdsInDoc();
  ASSERT_GT(ids.size(), 10u);
  for (const auto& id : ids) {
    bool asserted = false;
    for (const auto& [path, text] : tests) asserted = asserted || AssertsOn(text, id);
    EXPECT_TRUE(asserted) << id << " is documented but no test asserts it (EXPECT_/ASSERT_ on \""
                          << id << "\")";
  }
}

// The scan above must be able to fail: a literal only mentioned, or picked into a value no
// assertion reads, is not an assertion.
TEST(FindingsDoc, AMentionIsNotAnAssertion) {
  EXPECT_TRUE(AssertsOn("  EXPECT_TRUE(Has(s, \"gpu.x\"));\n", "gpu.x"));
  EXPECT_TRUE(AssertsOn("  auto f = Find(s, \"gpu.x\");\n  ASSERT_NE(f, nullptr);\n", "gpu.x"));
  EXPECT_FALSE(AssertsOn("  // gpu.x\n  Run(s, \"gpu.x\");\n  EXPECT_TRUE(ok);\n", "gpu.x"));
  EXPECT_FALSE(AssertsOn("  auto f = Find(s, \"gpu.x\");\n  EXPECT_TRUE(other);\n", "gpu.x"));
  EXPECT_FALSE(AssertsOn("  EXPECT_TRUE(Has(s, \"gpu.xy\"));\n", "gpu.x"));
}

}  // namespace
}  // namespace dlenv::rules
