#pragma once
// For tests: every version a finding compares is printed on both sides. A title such as
// "will load libcudnn.so.9 9.19.0 ... instead of " with nothing after, an empty version, or a
// pin such as `==.*` is a bug in the rule that wrote it.

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace dlenv::rules {

inline void ExpectComparisonsComplete(const std::vector<model::Finding>& findings) {
  static const std::regex bad(
      R"((instead of|needs|requires|version|>=|<=|==)\s*($|[;,)'"])|==\.\*|\(\)|'')");
  for (const auto& f : findings) {
    for (const std::string* text : {&f.title, &f.evidence, &f.fix}) {
      EXPECT_FALSE(std::regex_search(*text, bad)) << f.id << ": " << *text;
    }
    EXPECT_FALSE(f.fix.empty()) << f.id << ": no fix";
  }
}

}  // namespace dlenv::rules
