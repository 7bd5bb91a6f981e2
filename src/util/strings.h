#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

std::string_view Trim(std::string_view s);
std::vector<std::string> Split(std::string_view s, char sep, bool keep_empty = false);
std::vector<std::string_view> Lines(std::string_view s);
std::string ToLower(std::string_view s);
/// ASCII case-insensitive equality, without ToLower's allocations (a deb822 or email header's
/// field names, compared for each of a file's many lines).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::optional<long long> ParseInt(std::string_view s);
/// Joins with sep; used for evidence strings.
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace dlenv::util
