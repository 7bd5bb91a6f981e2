#pragma once
// Typed reads of JSON that another process printed (a framework script, dlenv's own GPU
// child, a probe): a missing field, a field of the wrong type, or a "document" that is not an
// object all read as the fallback. nlohmann's json::value() throws on a type mismatch, and
// dlenv must never crash on what a child prints.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

std::optional<std::string> JsonString(const nlohmann::json& j, std::string_view key);
std::string JsonStringOr(const nlohmann::json& j, std::string_view key, std::string_view fallback);
double JsonNumberOr(const nlohmann::json& j, std::string_view key, double fallback);
bool JsonBoolOr(const nlohmann::json& j, std::string_view key, bool fallback);
/// The array's elements of the right type; anything else is left out.
std::vector<std::string> JsonStrings(const nlohmann::json& j, std::string_view key);
std::vector<int> JsonInts(const nlohmann::json& j, std::string_view key);

}  // namespace dlenv::util
