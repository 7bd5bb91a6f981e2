#include "knowledge/frameworks.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/build_label.h"
#include "util/embedded.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::knowledge {
namespace {

using nlohmann::json;

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool StartsWithAny(const std::vector<std::string>& prefixes, std::string_view name) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return name.starts_with(p); });
}

std::vector<std::string> Names(const json& row, const char* key) {
  std::vector<std::string> out;
  if (!row.contains(key)) return out;
  for (const auto& n : row.at(key)) {
    // Entries are either names or {"name": ..., "what": ...}.
    std::string name = n.is_object() ? n.at("name").get<std::string>() : n.get<std::string>();
    if (name.empty() || util::NormalizeProjectName(name) != name)
      throw std::runtime_error("framework_identity: '" + name + "' in " + key +
                               " is not a PEP 503 name");
    out.push_back(std::move(name));
  }
  return out;
}

CompanionPin ParsePin(const std::string& s) {
  if (s == "exact") return CompanionPin::kExact;
  if (s == "minor") return CompanionPin::kMinor;
  if (s == "range") return CompanionPin::kRange;
  if (s == "built-for") return CompanionPin::kBuiltFor;
  if (s == "from-framework") return CompanionPin::kFromFramework;
  throw std::runtime_error("framework_identity: unknown pin '" + s + "'");
}

Companion ParseCompanion(const json& row) {
  Companion c;
  c.name = row.at("name").get<std::string>();
  c.pin = ParsePin(row.at("pins").get<std::string>());
  c.on_framework_index = row.value("on_framework_index", false);
  if (row.contains("release")) {
    c.release = ReleaseRule{row.at("release").at("major").get<int>(),
                            row.at("release").at("minor_offset").get<int>()};
  }
  if (row.contains("cuda_library")) {
    const auto& l = row.at("cuda_library");
    c.cuda_library = CudaLibraryChoice{
        l.at("path_prefix").get<std::string>(), l.at("override_variable").get<std::string>(),
        l.value("same_major_fallback_from", ""), l.at("source").get<std::string>()};
    if (c.cuda_library->source.empty())
      throw std::runtime_error("framework_identity: " + c.name + "'s cuda_library has no source");
  }
  c.source = row.at("source").get<std::string>();
  if (c.source.empty())
    throw std::runtime_error("framework_identity: companion " + c.name + " has no source");
  return c;
}

FrameworkIdentity ParseFramework(const json& row) {
  FrameworkIdentity f;
  f.id = row.at("id").get<std::string>();
  f.display = row.at("display").get<std::string>();
  f.core = row.value("core", false);
  f.gpu = row.value("gpu", false);
  f.distributions = Names(row, "distributions");
  f.distribution_prefixes = Names(row, "distribution_prefixes");
  f.not_it = Names(row, "not_it");
  f.import_providers = Names(row, "import_providers");
  f.import_names = row.at("import_names").get<std::vector<std::string>>();
  f.conda_names = Names(row, "conda_names");
  f.plugin_prefixes = Names(row, "plugin_prefixes");
  for (const auto& c : row.at("companions")) f.companions.push_back(ParseCompanion(c));
  f.source = row.at("source").get<std::string>();
  f.cuda_reinstall = row.value("cuda_reinstall", "");
  f.cuda_reinstall_source = row.value("cuda_reinstall_source", "");
  if (f.core && (f.cuda_reinstall.empty() || f.cuda_reinstall_source.empty()))
    throw std::runtime_error("framework_identity: core framework " + f.id +
                             " needs cuda_reinstall with its source");
  if (f.distributions.empty() || f.import_names.empty() || f.source.empty())
    throw std::runtime_error("framework_identity: " + f.id +
                             " needs distributions, import_names and a source");
  for (const auto& n : f.not_it) {
    if (f.IsDistribution(n))
      throw std::runtime_error("framework_identity: " + n + " is both " + f.id + " and not it");
  }
  return f;
}

}  // namespace

bool FrameworkIdentity::IsDistribution(std::string_view name) const {
  const std::string n = util::NormalizeProjectName(name);
  if (Contains(not_it, n)) return false;
  return Contains(distributions, n) || StartsWithAny(distribution_prefixes, n);
}

bool FrameworkIdentity::IsPlugin(std::string_view name) const {
  return StartsWithAny(plugin_prefixes, util::NormalizeProjectName(name));
}

bool FrameworkIdentity::ProvidesImport(std::string_view name) const {
  if (import_providers.empty()) return IsDistribution(name);
  return Contains(import_providers, util::NormalizeProjectName(name));
}

const Companion* FrameworkIdentity::FindCompanion(std::string_view name) const {
  const std::string n = util::NormalizeProjectName(name);
  for (const auto& c : companions) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

const FrameworkIdentity* FrameworkIdentities::Find(std::string_view id) const {
  for (const auto& f : frameworks) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const FrameworkIdentity* FrameworkIdentities::Resolve(std::string_view name) const {
  const std::string lower = util::ToLower(name);
  for (const auto& f : frameworks) {
    if (f.id == lower || util::ToLower(f.display) == lower || Contains(f.conda_names, lower))
      return &f;
  }
  return nullptr;
}

const FrameworkIdentity* FrameworkIdentities::FrameworkOf(std::string_view distribution) const {
  for (const auto& f : frameworks) {
    if (f.IsDistribution(distribution)) return &f;
  }
  return nullptr;
}

const FrameworkIdentity* FrameworkIdentities::PluginOf(std::string_view distribution) const {
  for (const auto& f : frameworks) {
    if (f.IsPlugin(distribution)) return &f;
  }
  return nullptr;
}

std::optional<CompanionOf> FrameworkIdentities::FindCompanion(std::string_view distribution) const {
  for (const auto& f : frameworks) {
    if (const auto* c = f.FindCompanion(distribution)) return CompanionOf{&f, c};
  }
  return std::nullopt;
}

bool FrameworkIdentities::VersionedWithFramework(std::string_view distribution) const {
  if (FrameworkOf(distribution) || PluginOf(distribution)) return true;
  auto c = FindCompanion(distribution);
  return c && c->companion->on_framework_index;
}

std::optional<std::string> FrameworkIdentities::PypiNameOfConda(std::string_view conda_name) const {
  const std::string n = util::NormalizeProjectName(conda_name);
  for (const auto& f : frameworks) {
    if (!Contains(f.conda_names, n) || f.IsDistribution(n)) continue;
    return f.distributions.front();
  }
  return std::nullopt;
}

std::vector<std::string> FrameworkIdentities::CoreIds() const {
  std::vector<std::string> out;
  for (const auto& f : frameworks) {
    if (f.core) out.push_back(f.id);
  }
  return out;
}

FrameworkIdentities ParseFrameworkIdentities(const std::string& json_text) {
  FrameworkIdentities t;
  auto doc = json::parse(json_text);
  t.date = doc.at("date").get<std::string>();
  for (const auto& row : doc.at("frameworks")) t.frameworks.push_back(ParseFramework(row));
  // A name may belong to one framework only, or the answer would depend on table order.
  for (std::size_t i = 0; i < t.frameworks.size(); ++i) {
    for (std::size_t j = 0; j < t.frameworks.size(); ++j) {
      if (i == j) continue;
      for (const auto& d : t.frameworks[i].distributions) {
        if (t.frameworks[j].IsDistribution(d) || t.frameworks[j].IsPlugin(d))
          throw std::runtime_error("framework_identity: " + d + " belongs to both " +
                                   t.frameworks[i].id + " and " + t.frameworks[j].id);
      }
    }
  }
  return t;
}

const FrameworkIdentities& Frameworks() {
  static const FrameworkIdentities t = [] {
    auto text = util::FindEmbeddedFile("framework_identity.json");
    if (!text)
      throw std::runtime_error("knowledge data framework_identity.json missing from the build");
    return ParseFrameworkIdentities(std::string(*text));
  }();
  return t;
}

std::string PairedRelease(const Companion& c, std::string_view framework_version) {
  auto fv = util::Pep440Version::Parse(framework_version);
  if (!c.release || !fv || fv->release().size() < 2 || fv->release()[0] != "2") return "";
  const std::string& minor = fv->release()[1];
  if (minor.empty() || minor.size() > 6 ||
      !std::all_of(minor.begin(), minor.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return "";
  return std::to_string(c.release->major) + "." +
         std::to_string(std::stoi(minor) + c.release->minor_offset);
}

std::optional<std::string> CompanionMismatch(const Companion& c, std::string_view framework_id,
                                             std::string_view framework_version,
                                             std::string_view companion_version) {
  const std::string paired = PairedRelease(c, framework_version);
  auto cv = util::Pep440Version::Parse(companion_version);
  if (!paired.empty() && cv && cv->release().size() >= 2 &&
      cv->release()[0] + "." + cv->release()[1] != paired) {
    return c.name + " " + paired + ".x pairs with " + std::string(framework_id) + " " +
           std::string(framework_version.substr(0, framework_version.find('+')));
  }
  auto fl = util::ParseBuildLabel(framework_version);
  auto cl = util::ParseBuildLabel(companion_version);
  if (c.on_framework_index && fl && cl && fl->kind == util::BuildLabel::Kind::kCuda &&
      cl->kind == util::BuildLabel::Kind::kCuda && fl->cuda_major != cl->cuda_major) {
    return c.name + " is a CUDA " + cl->CudaVersion() + " build, " + std::string(framework_id) +
           " a CUDA " + fl->CudaVersion() + " one";
  }
  return std::nullopt;
}

}  // namespace dlenv::knowledge
