#include "util/json_read.h"

#include <limits>

namespace dlenv::util {
namespace {

const nlohmann::json* Field(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

}  // namespace

std::optional<std::string> JsonString(const nlohmann::json& j, std::string_view key) {
  const auto* f = Field(j, key);
  if (!f || !f->is_string()) return std::nullopt;
  return f->get<std::string>();
}

std::string JsonStringOr(const nlohmann::json& j, std::string_view key, std::string_view fallback) {
  if (auto s = JsonString(j, key)) return *s;
  return std::string(fallback);
}

double JsonNumberOr(const nlohmann::json& j, std::string_view key, double fallback) {
  const auto* f = Field(j, key);
  return f && f->is_number() ? f->get<double>() : fallback;
}

bool JsonBoolOr(const nlohmann::json& j, std::string_view key, bool fallback) {
  const auto* f = Field(j, key);
  return f && f->is_boolean() ? f->get<bool>() : fallback;
}

std::vector<std::string> JsonStrings(const nlohmann::json& j, std::string_view key) {
  std::vector<std::string> out;
  const auto* f = Field(j, key);
  if (!f || !f->is_array()) return out;
  for (const auto& x : *f) {
    if (x.is_string()) out.push_back(x.get<std::string>());
  }
  return out;
}

std::vector<int> JsonInts(const nlohmann::json& j, std::string_view key) {
  std::vector<int> out;
  const auto* f = Field(j, key);
  if (!f || !f->is_array()) return out;
  for (const auto& x : *f) {
    if (!x.is_number_integer()) continue;
    const auto v = x.get<long long>();
    if (v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max())
      out.push_back(static_cast<int>(v));
  }
  return out;
}

}  // namespace dlenv::util
