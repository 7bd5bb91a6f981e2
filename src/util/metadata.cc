#include "util/metadata.h"

#include <cctype>

#include "util/strings.h"

namespace dlenv::util {
namespace {

// email.feedparser's headerRE: a field name of printable characters other than ":".
bool IsFieldNameChar(char c) { return c >= '\041' && c <= '\176' && c != ':'; }

// Splits on \n, \r\n and \r, keeping each line's text without its end.
std::vector<std::string_view> SplitLinesAnyEnding(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      out.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

// safe_extra from pkg_resources, which pip applies to requires.txt section names.
std::string SafeExtra(std::string_view extra) {
  std::string out;
  bool in_bad = false;
  for (char c : extra) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in_bad = false;
    } else if (!in_bad) {
      out += '_';
      in_bad = true;
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseEmailHeaders(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string_view> lines = SplitLinesAnyEnding(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      if (fields.empty()) break;  // a continuation with nothing to continue: body starts
      fields.back().second += "\n";
      fields.back().second += line;
      continue;
    }
    if (i == 0 && line.substr(0, 5) == "From ") continue;  // mbox "From " line
    std::size_t colon = 0;
    while (colon < line.size() && IsFieldNameChar(line[colon])) ++colon;
    if (colon >= line.size() || line[colon] != ':') break;  // not a header: body starts
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    fields.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return fields;
}

CoreMetadata ParseCoreMetadata(std::string_view text) {
  CoreMetadata md;
  for (auto& [key, value] : ParseEmailHeaders(text)) {
    if (!md.name && EqualsIgnoreCase(key, "Name")) {
      md.name = value;
    } else if (!md.version && EqualsIgnoreCase(key, "Version")) {
      md.version = value;
    } else if (EqualsIgnoreCase(key, "Requires-Dist")) {
      md.requires_dist.push_back(value);
    }
  }
  return md;
}

std::vector<std::string> RequiresTxtToRequiresDist(std::string_view text) {
  std::vector<std::string> out;
  std::string extra, marker;
  for (std::string_view raw : SplitLinesAnyEnding(text)) {
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string_view section = line;
      while (!section.empty() && (section.front() == '[' || section.front() == ']'))
        section.remove_prefix(1);
      while (!section.empty() && (section.back() == '[' || section.back() == ']'))
        section.remove_suffix(1);
      auto colon = section.find(':');
      extra = std::string(section.substr(0, colon));
      marker =
          colon == std::string_view::npos ? std::string() : std::string(section.substr(colon + 1));
      continue;
    }
    std::string condition;
    if (!extra.empty() && !marker.empty()) {
      condition = "(" + marker + ") and extra == \"" + SafeExtra(extra) + "\"";
    } else if (!extra.empty()) {
      condition = "extra == \"" + SafeExtra(extra) + "\"";
    } else {
      condition = marker;
    }
    out.push_back(condition.empty() ? std::string(line) : std::string(line) + " ; " + condition);
  }
  return out;
}

std::vector<RecordEntry> ParseRecord(std::string_view text) {
  std::vector<RecordEntry> out;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_row = [&] {
    end_field();
    if (!row.empty() && !row[0].empty()) {
      RecordEntry e;
      e.path = row[0];
      if (row.size() > 1) e.hash = row[1];
      if (row.size() > 2) e.size = ParseInt(row[2]);
      out.push_back(std::move(e));
    }
    row.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
    } else {
      field += c;
      field_started = true;
    }
  }
  if (field_started || !field.empty() || !row.empty()) end_row();
  return out;
}

}  // namespace dlenv::util
