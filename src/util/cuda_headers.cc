#include "util/cuda_headers.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "util/dotted_version.h"
#include "util/strings.h"

namespace dlenv::util {
namespace {

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::optional<long long> IntegerLiteral(std::string_view v) {
  // Drop a trailing comment, surrounding parentheses and integer suffixes.
  if (auto c = v.find("/*"); c != std::string_view::npos) v = v.substr(0, c);
  if (auto c = v.find("//"); c != std::string_view::npos) v = v.substr(0, c);
  v = Trim(v);
  while (v.size() >= 2 && v.front() == '(' && v.back() == ')') v = Trim(v.substr(1, v.size() - 2));
  while (!v.empty() && (v.back() == 'u' || v.back() == 'U' || v.back() == 'l' || v.back() == 'L')) {
    v.remove_suffix(1);
  }
  if (v.empty() || v.size() > 18) return std::nullopt;
  return ParseInt(v);
}

std::optional<std::string> Join(const std::map<std::string, long long>& m,
                                std::initializer_list<const char*> names, std::size_t required) {
  std::string out;
  std::size_t n = 0;
  for (const char* name : names) {
    auto it = m.find(name);
    if (it == m.end()) break;
    // Two appends, not "." + ...: g++ 12 at -O3 warns falsely on operator+ (-Wrestrict, GCC bug
    // 105329).
    if (n) out += '.';
    out += std::to_string(it->second);
    ++n;
  }
  if (n < required) return std::nullopt;
  return out;
}

}  // namespace

std::map<std::string, long long> ParseIntegerMacros(std::string_view text) {
  std::map<std::string, long long> out;
  for (std::string_view line : Lines(text)) {
    line = Trim(line);
    if (!line.starts_with('#')) continue;
    line = Trim(line.substr(1));
    if (!line.starts_with("define")) continue;
    line = line.substr(6);
    if (line.empty() || !std::isspace(static_cast<unsigned char>(line.front()))) continue;
    line = Trim(line);
    std::size_t end = 0;
    while (end < line.size() && IsIdentChar(line[end])) ++end;
    // A function-like macro (NAME(...)) is not a value.
    if (end == 0 || (end < line.size() && line[end] == '(')) continue;
    if (auto value = IntegerLiteral(line.substr(end)))
      out[std::string(line.substr(0, end))] = *value;
  }
  return out;
}

std::optional<std::string> VersionFromHeader(std::string_view family, std::string_view text) {
  const auto m = ParseIntegerMacros(text);
  if (family.starts_with("cudnn"))
    return Join(m, {"CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"}, 2);
  if (family.starts_with("cublas")) {
    return Join(m, {"CUBLAS_VER_MAJOR", "CUBLAS_VER_MINOR", "CUBLAS_VER_PATCH", "CUBLAS_VER_BUILD"},
                2);
  }
  if (family == "nccl") return Join(m, {"NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"}, 2);
  if (family == "nvinfer") {
    // TensorRT 10 renamed its macros; older headers use NV_TENSORRT_*.
    if (auto v = Join(m,
                      {"TRT_MAJOR_ENTERPRISE", "TRT_MINOR_ENTERPRISE", "TRT_PATCH_ENTERPRISE",
                       "TRT_BUILD_ENTERPRISE"},
                      2)) {
      return v;
    }
    if (auto v = Join(
            m, {"NV_TENSORRT_MAJOR", "NV_TENSORRT_MINOR", "NV_TENSORRT_PATCH", "NV_TENSORRT_BUILD"},
            2))
      return v;
    return Join(m, {"NV_TENSORRT_MAJOR", "NV_TENSORRT_MINOR", "NV_TENSORRT_PATCH"}, 2);
  }
  const char* int_macro = family == "cudart" ? "CUDART_VERSION"
                          : family == "cuda" ? "CUDA_VERSION"
                                             : nullptr;
  if (!int_macro) return std::nullopt;
  auto it = m.find(int_macro);
  if (it == m.end() || it->second <= 0 || it->second > 1'000'000) return std::nullopt;
  return DottedVersion::FromCudaInt(static_cast<int>(it->second)).ToString();
}

ToolkitVersionFile ParseToolkitVersionJson(std::string_view text) {
  ToolkitVersionFile out;
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_object()) continue;
    auto v = value.find("version");
    if (v == value.end() || !v->is_string()) continue;
    if (key == "cuda") {
      out.version = v->get<std::string>();
    } else {
      out.components[key] = v->get<std::string>();
    }
  }
  return out;
}

std::optional<std::string> ParseToolkitVersionTxt(std::string_view text) {
  constexpr std::string_view kPrefix = "CUDA Version ";
  for (std::string_view line : Lines(text)) {
    line = Trim(line);
    if (!line.starts_with(kPrefix)) continue;
    std::string_view v = Trim(line.substr(kPrefix.size()));
    if (DottedVersion::Parse(v)) return std::string(v);
  }
  return std::nullopt;
}

std::optional<int> HostConfigNewestGcc(std::string_view text) {
  constexpr std::string_view kIf = "#if __GNUC__ >";
  std::optional<int> out;
  bool in_check = false;
  std::optional<int> pending;
  for (std::string_view line : Lines(text)) {
    line = Trim(line);
    if (line.starts_with(kIf) && line.size() > kIf.size()) {
      std::string_view rest = Trim(line.substr(kIf.size()));
      int n = 0;
      std::size_t digits = 0;
      while (digits < rest.size() && digits < 3 &&
             std::isdigit(static_cast<unsigned char>(rest[digits]))) {
        n = n * 10 + (rest[digits] - '0');
        ++digits;
      }
      // Only the bare comparison ("> 15", "> 15 /* ... */"): a condition with more clauses
      // would need a preprocessor.
      rest = Trim(rest.substr(digits));
      if (digits > 0 && (rest.empty() || rest.starts_with("/*") || rest.starts_with("//"))) {
        pending = n;
        in_check = true;
      }
      continue;
    }
    if (!in_check) continue;
    if (line.starts_with("#error") &&
        line.find("unsupported GNU version") != std::string_view::npos) {
      out = pending;
      in_check = false;
    } else if (line.starts_with("#")) {
      in_check = false;
    }
  }
  return out;
}

std::optional<DistInfoName> ParseDistInfoName(std::string_view name) {
  constexpr std::string_view kSuffix = ".dist-info";
  if (!name.ends_with(kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  // Wheel folder names escape '-' in the project as '_', so the first '-' ends the project.
  const auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  return DistInfoName{std::string(name.substr(0, dash)), std::string(name.substr(dash + 1))};
}

}  // namespace dlenv::util
