#include "knowledge/error_signatures.h"

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "util/embedded.h"

namespace dlenv::knowledge {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key, const std::string& where, bool required = true) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    if (!required && it == j.end()) return "";
    throw std::runtime_error("error_signatures: " + where + " has no string \"" + key + "\"");
  }
  return it->get<std::string>();
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end()) out = it->get<std::vector<std::string>>();
  return out;
}

ErrorLayer ParseLayer(const std::string& name, const std::string& where) {
  for (auto layer : {ErrorLayer::kDriver, ErrorLayer::kContainer, ErrorLayer::kLibrary,
                     ErrorLayer::kBuild, ErrorLayer::kRuntime}) {
    if (ErrorLayerName(layer) == name) return layer;
  }
  throw std::runtime_error("error_signatures: " + where + " has an unknown layer " + name);
}

ErrorSignature ParseSignature(const json& s) {
  ErrorSignature sig;
  sig.id = Str(s, "id", "a signature");
  const std::string where = "signature " + sig.id;
  sig.title = Str(s, "title", where);
  sig.layer = ParseLayer(Str(s, "layer", where), where);
  sig.configuration = s.at("configuration").get<bool>();
  sig.decided_by = Str(s, "decided_by", where);
  sig.confirm = Str(s, "confirm", where, false);
  sig.hint = Str(s, "hint", where, false);
  for (const auto& p : s.at("patterns")) {
    ErrorPattern pattern{Str(p, "literal", where),  Str(p, "regex", where),
                         Strings(p, "extracts"),    Str(p, "framework", where),
                         Str(p, "versions", where), Str(p, "source", where)};
    if (pattern.literal.empty() || pattern.source.empty())
      throw std::runtime_error("error_signatures: " + where +
                               " has a pattern without literal or source");
    sig.patterns.push_back(std::move(pattern));
  }
  for (const auto& c : s.at("causes")) {
    ErrorCause cause{Str(c, "id", where), Str(c, "says", where), Strings(c, "when"),
                     Str(c, "finding", where, false), Str(c, "fix", where, false)};
    if (cause.finding.empty() && cause.fix.empty() && sig.configuration)
      throw std::runtime_error("error_signatures: cause " + sig.id + "/" + cause.id +
                               " has neither a finding nor a fix");
    sig.causes.push_back(std::move(cause));
  }
  if (sig.patterns.empty() || sig.causes.empty())
    throw std::runtime_error("error_signatures: " + where + " needs patterns and causes");
  if (!sig.causes.back().when.empty())
    throw std::runtime_error("error_signatures: the last cause of " + sig.id +
                             " must hold always (an empty \"when\")");
  return sig;
}

}  // namespace

std::string_view ErrorLayerName(ErrorLayer layer) {
  switch (layer) {
    case ErrorLayer::kDriver:
      return "driver";
    case ErrorLayer::kContainer:
      return "container";
    case ErrorLayer::kLibrary:
      return "library";
    case ErrorLayer::kBuild:
      return "build";
    case ErrorLayer::kRuntime:
      return "runtime";
  }
  return "runtime";
}

const ErrorSignature* ErrorSignatures::Find(std::string_view id) const {
  for (const auto& s : signatures) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

ErrorSignatures ParseErrorSignatures(const std::string& text) {
  ErrorSignatures out;
  const json doc = json::parse(text);
  out.date = doc.at("date").get<std::string>();
  out.source = doc.at("source").get<std::string>();
  std::set<std::string> ids;
  for (const auto& s : doc.at("signatures")) {
    auto sig = ParseSignature(s);
    if (!ids.insert(sig.id).second)
      throw std::runtime_error("error_signatures: signature " + sig.id + " appears twice");
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

const ErrorSignatures& BuiltinErrorSignatures() {
  static const ErrorSignatures catalogue = [] {
    auto text = util::FindEmbeddedFile("error_signatures.json");
    if (!text)
      throw std::runtime_error("knowledge data error_signatures.json missing from the build");
    return ParseErrorSignatures(std::string(*text));
  }();
  return catalogue;
}

}  // namespace dlenv::knowledge
