#include "install/index_parser.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "util/json_read.h"
#include "util/pep508.h"

namespace dlenv::install {
namespace {

using nlohmann::json;

std::string StripFragment(std::string url) {
  if (auto hash = url.find('#'); hash != std::string::npos) url.resize(hash);
  return url;
}

/// The few entities a PEP 503 page uses in attribute values (&gt; in data-requires-python).
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    char c = 0;
    if (name == "lt")
      c = '<';
    else if (name == "gt")
      c = '>';
    else if (name == "amp")
      c = '&';
    else if (name == "quot")
      c = '"';
    else if (name == "apos" || name == "#39" || name == "#x27")
      c = '\'';
    else if (name == "#61" || name == "#x3D" || name == "#x3d")
      c = '=';
    if (!c) {
      out += s[i];
      continue;
    }
    out += c;
    i = semi;
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void AddMetadata(IndexFile& f, bool advertised) {
  if (advertised && !f.url.empty()) f.metadata_url = f.url + ".metadata";
}

}  // namespace

std::string ResolveUrl(std::string_view base, std::string_view link) {
  if (link.find("://") != std::string_view::npos && link.find("://") < link.find('/'))
    return StripFragment(std::string(link));
  auto scheme_end = base.find("://");
  if (scheme_end == std::string_view::npos) return StripFragment(std::string(link));
  if (link.starts_with("//"))
    return StripFragment(std::string(base.substr(0, scheme_end + 1)) + std::string(link));
  auto host_end = base.find('/', scheme_end + 3);
  std::string_view origin = base.substr(0, host_end);
  if (link.starts_with("/")) return StripFragment(std::string(origin) + std::string(link));
  std::string_view path = host_end == std::string_view::npos ? "/" : base.substr(host_end);
  if (auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  std::string dir(path.substr(0, path.rfind('/') + 1));
  std::string joined = dir + std::string(link);
  // Remove "./" and "name/../" segments.
  std::vector<std::string> out;
  std::size_t start = 1;
  std::string_view j = joined;
  while (start <= j.size()) {
    auto slash = j.find('/', start);
    std::string seg(
        j.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    bool last = slash == std::string_view::npos;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      if (last) out.emplace_back("");
    } else if (seg == ".") {
      if (last) out.emplace_back("");
    } else {
      out.push_back(seg);
    }
    if (last) break;
    start = slash + 1;
  }
  std::string result(origin);
  for (const auto& seg : out) result += "/" + seg;
  return StripFragment(result);
}

ProjectPage ParseSimpleJson(std::string_view body, std::string_view page_url) {
  ProjectPage page;
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    page.error = "the index answered with malformed JSON";
    return page;
  }
  auto meta = doc.find("meta");
  std::string api = meta != doc.end() ? util::JsonStringOr(*meta, "api-version", "") : "";
  if (!api.empty() && !api.starts_with("1.")) {
    page.error = "unsupported simple API version " + api;
    return page;
  }
  auto files = doc.find("files");
  if (files == doc.end() || !files->is_array()) {
    page.error = "the index's JSON has no files list";
    return page;
  }
  for (const auto& f : *files) {
    if (!f.is_object()) continue;
    auto name = util::JsonString(f, "filename");
    auto url = util::JsonString(f, "url");
    if (!name || !url || name->empty()) continue;
    IndexFile file;
    file.filename = *name;
    file.url = ResolveUrl(page_url, *url);
    file.requires_python = util::JsonString(f, "requires-python");
    if (file.requires_python && file.requires_python->empty()) file.requires_python.reset();
    // "yanked" is false or true or a reason string.
    if (auto y = f.find("yanked"); y != f.end())
      file.yanked = y->is_string() || (y->is_boolean() && y->get<bool>());
    for (const char* key : {"core-metadata", "dist-info-metadata", "data-dist-info-metadata"}) {
      auto m = f.find(key);
      if (m == f.end()) continue;
      AddMetadata(file, m->is_object() || (m->is_boolean() && m->get<bool>()));
      break;
    }
    page.files.push_back(std::move(file));
  }
  return page;
}

namespace {

// The attributes of an <a> tag that PEP 503 and PEP 658/714 define.
struct AnchorAttributes {
  std::optional<std::string> href;
  std::optional<std::string> requires_python;
  bool yanked = false;
  bool metadata = false;
};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)); }

// One attribute value from body[i] on: quoted or bare, unescaped. nullopt (i at the end) for
// an unterminated quote.
std::optional<std::string> ReadValue(std::string_view body, std::size_t& i) {
  if (body[i] == '"' || body[i] == '\'') {
    const char quote = body[i++];
    auto end = body.find(quote, i);
    if (end == std::string_view::npos) {
      i = body.size();
      return std::nullopt;
    }
    std::string value = Unescape(body.substr(i, end - i));
    i = end + 1;
    return value;
  }
  std::size_t start = i;
  while (i < body.size() && !IsSpace(body[i]) && body[i] != '>') ++i;
  return Unescape(body.substr(start, i - start));
}

// Scans name[=value] attributes from body[i] to the tag's closing '>' (outside quotes).
// Returns that '>''s position, or npos for a truncated tag.
std::size_t ScanAttributes(std::string_view body, std::size_t i, AnchorAttributes& a) {
  while (i < body.size()) {
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i >= body.size()) break;
    if (body[i] == '>') return i;
    if (body[i] == '/') {
      ++i;
      continue;
    }
    std::size_t name_start = i;
    while (i < body.size() && !IsSpace(body[i]) && body[i] != '=' && body[i] != '>') ++i;
    std::string name = Lower(body.substr(name_start, i - name_start));
    std::optional<std::string> value;
    while (i < body.size() && IsSpace(body[i])) ++i;
    if (i < body.size() && body[i] == '=') {
      ++i;
      while (i < body.size() && IsSpace(body[i])) ++i;
      if (i < body.size()) {
        value = ReadValue(body, i);
        if (!value && i >= body.size()) break;
      }
    }
    if (name == "href" && value)
      a.href = value;
    else if (name == "data-requires-python" && value && !value->empty())
      a.requires_python = value;
    else if (name == "data-yanked")
      a.yanked = true;
    else if ((name == "data-dist-info-metadata" || name == "data-core-metadata") &&
             (!value || *value != "false"))
      a.metadata = true;
  }
  return std::string::npos;
}

}  // namespace

// Hand-written: pip reads these pages with Python's html.parser; the only Debian C++ option
// (libxml2's HTML parser) would pull a large library into the portable build for the one
// element PEP 503 defines, <a href=... data-*=...>filename</a>.
ProjectPage ParseSimpleHtml(std::string_view body, std::string_view page_url) {
  ProjectPage page;
  std::string lower = Lower(body);
  std::size_t pos = 0;
  bool saw_html = lower.find("<html") != std::string::npos ||
                  lower.find("<a") != std::string::npos ||
                  lower.find("<!doctype") != std::string::npos;
  while ((pos = lower.find("<a", pos)) != std::string::npos) {
    std::size_t tag_end = pos + 2;
    if (tag_end < lower.size() && !IsSpace(lower[tag_end]) && lower[tag_end] != '>') {
      pos = tag_end;
      continue;
    }
    AnchorAttributes attributes;
    const std::size_t close = ScanAttributes(body, tag_end, attributes);
    if (close == std::string::npos) break;  // truncated tag
    auto text_end = lower.find("</a", close);
    if (text_end == std::string::npos) break;
    std::string text = Unescape(body.substr(close + 1, text_end - close - 1));
    pos = text_end;
    if (!attributes.href) continue;
    IndexFile file;
    file.requires_python = attributes.requires_python;
    file.yanked = attributes.yanked;
    // Trim whitespace around the file name.
    auto b = text.find_first_not_of(" \t\r\n");
    auto e = text.find_last_not_of(" \t\r\n");
    file.filename = b == std::string::npos ? "" : text.substr(b, e - b + 1);
    file.url = ResolveUrl(page_url, *attributes.href);
    if (file.filename.empty()) {
      // Fall back to the last path segment of the link.
      auto slash = file.url.rfind('/');
      file.filename = file.url.substr(slash == std::string::npos ? 0 : slash + 1);
    }
    if (file.filename.empty()) continue;
    AddMetadata(file, attributes.metadata);
    page.files.push_back(std::move(file));
  }
  if (page.files.empty() && !saw_html)
    page.error = "the index answered with something that is not an index page";
  return page;
}

ProjectPage ParseProjectPage(std::string_view body, std::string_view content_type,
                             std::string_view page_url) {
  std::string type = Lower(content_type);
  auto first = body.find_first_not_of(" \t\r\n");
  if (type.find("application/vnd.pypi.simple.v1+json") != std::string::npos ||
      type.find("application/json") != std::string::npos ||
      (first != std::string_view::npos && body[first] == '{')) {
    return ParseSimpleJson(body, page_url);
  }
  return ParseSimpleHtml(body, page_url);
}

std::optional<std::string> CudaFromRequiresDist(const std::vector<std::string>& requires_dist) {
  std::optional<std::string> major_only;
  for (const auto& line : requires_dist) {
    auto req = util::ParseRequirement(line);
    if (!req) continue;
    std::string name = util::NormalizeProjectName(req->name);
    // The exact runtime pin: nvidia-cuda-runtime-cu12==12.8.90, cuda-toolkit==13.2.2.
    bool runtime = name == "nvidia-cuda-runtime-cu11" || name == "nvidia-cuda-runtime-cu12" ||
                   name == "nvidia-cuda-runtime" || name == "cuda-toolkit" ||
                   name == "nvidia-cuda-runtime-cu13";
    if (runtime) {
      for (const auto& spec : req->specifier.specifiers()) {
        if (spec.op != "==" && spec.op != "~=" && spec.op != ">=") continue;
        auto v = util::Pep440Version::Parse(spec.version.substr(0, spec.version.find(".*")));
        if (!v || v->release().size() < 2) continue;
        return v->release()[0] + "." + v->release()[1];
      }
    }
    // A -cuNN suffix names the CUDA major.
    auto cu = name.rfind("-cu");
    if (name.starts_with("nvidia-") && cu != std::string::npos && cu + 3 < name.size()) {
      std::string digits = name.substr(cu + 3);
      bool all_digits = !digits.empty() && digits.size() <= 3;
      for (char c : digits) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
      if (all_digits && !major_only) major_only = digits;
    }
  }
  return major_only;
}

std::string LocalLabel(std::string_view version) {
  auto plus = version.find('+');
  return plus == std::string_view::npos ? "" : Lower(version.substr(plus + 1));
}

}  // namespace dlenv::install
