#include "util/json_read.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

using nlohmann::json;

TEST(JsonRead, FieldsOfTheRightTypeAreRead) {
  const json j = {{"s", "text"}, {"n", 2.5},           {"i", 3},
                  {"b", true},   {"list", {"a", "b"}}, {"ints", {1, 2}}};
  EXPECT_EQ(JsonString(j, "s"), "text");
  EXPECT_EQ(JsonStringOr(j, "s", "x"), "text");
  EXPECT_DOUBLE_EQ(JsonNumberOr(j, "n", 0), 2.5);
  EXPECT_DOUBLE_EQ(JsonNumberOr(j, "i", 0), 3);
  EXPECT_TRUE(JsonBoolOr(j, "b", false));
  EXPECT_EQ(JsonStrings(j, "list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(JsonInts(j, "ints"), (std::vector<int>{1, 2}));
}

// What json::value() would throw on: every wrong type, and a document that is not an object.
TEST(JsonRead, WrongTypesAndNonObjectsReadAsTheFallback) {
  const json j = {{"s", {{"nested", 1}}},
                  {"n", "2.5"},
                  {"b", 1},
                  {"list", {"a", 1, nullptr, "b"}},
                  {"ints", {1, "2", 3.5, 1e12, -4}}};
  EXPECT_FALSE(JsonString(j, "s"));
  EXPECT_EQ(JsonStringOr(j, "s", "fallback"), "fallback");
  EXPECT_DOUBLE_EQ(JsonNumberOr(j, "n", -1), -1);
  EXPECT_FALSE(JsonBoolOr(j, "b", false));
  EXPECT_EQ(JsonStrings(j, "list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(JsonInts(j, "ints"), (std::vector<int>{1, -4}));
  for (const json& not_object : {json(nullptr), json(3), json("x"), json::array({1, 2})}) {
    EXPECT_EQ(JsonStringOr(not_object, "s", "f"), "f");
    EXPECT_DOUBLE_EQ(JsonNumberOr(not_object, "n", 7), 7);
    EXPECT_TRUE(JsonStrings(not_object, "list").empty());
  }
}

}  // namespace
}  // namespace dlenv::util
