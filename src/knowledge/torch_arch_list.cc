#include "knowledge/torch_arch_list.h"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "util/embedded.h"
#include "util/strings.h"

namespace dlenv::knowledge {
namespace {

struct Tables {
  std::vector<std::pair<std::string, std::string>> named;  // in torch's order of replacement
  std::vector<std::string> supported;
};

const Tables& BuiltinTables() {
  static const Tables tables = [] {
    auto text = util::FindEmbeddedFile("torch_arch_list.json");
    if (!text)
      throw std::runtime_error("knowledge data torch_arch_list.json missing from the build");
    auto doc = nlohmann::json::parse(*text);
    Tables t;
    for (const auto& row : doc.at("named"))
      t.named.emplace_back(row.at(0).get<std::string>(), row.at(1).get<std::string>());
    t.supported = doc.at("supported").get<std::vector<std::string>>();
    return t;
  }();
  return tables;
}

bool Supported(const Tables& t, std::string_view arch) {
  for (const auto& s : t.supported) {
    if (arch == s) return true;
  }
  return false;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

}  // namespace

TorchArchList ParseTorchArchList(std::string_view value) {
  const Tables& t = BuiltinTables();
  TorchArchList out;
  if (value.empty()) return out;  // torch treats an empty variable as unset
  std::string list(value);
  ReplaceAll(list, " ", ";");
  // Plain string replacement in torch's order, so "Kepler+Tesla" goes before "Kepler".
  for (const auto& [name, arches] : t.named) ReplaceAll(list, name, arches);
  // Empty entries stay ("8.0;;8.6"): torch rejects them too.
  for (const std::string& entry : util::Split(list, ';', /*keep_empty=*/true)) {
    std::string_view arch = entry;
    const bool ptx = arch.ends_with("+PTX");
    if (ptx) arch.remove_suffix(4);
    const auto dot = arch.find('.');
    if (!Supported(t, arch) || dot == std::string_view::npos) {
      out.unknown.push_back(entry);
      continue;
    }
    TorchArch a;
    a.text = entry;
    a.ptx = ptx;
    a.specific = arch.ends_with('a');
    a.major = std::stoi(std::string(arch.substr(0, dot)));
    a.minor = std::stoi(std::string(arch.substr(dot + 1, 1)));
    out.arches.push_back(std::move(a));
  }
  return out;
}

const TorchArch* ArchRunningOn(const TorchArchList& list, int major, int minor) {
  for (const auto& a : list.arches) {
    if (a.specific ? a.major == major && a.minor == minor : a.major == major && a.minor <= minor)
      return &a;
  }
  for (const auto& a : list.arches) {
    if (a.ptx && !a.specific && (a.major < major || (a.major == major && a.minor <= minor)))
      return &a;
  }
  return nullptr;
}

std::string TorchArchFor(int major, int minor) {
  std::string arch = std::to_string(major) + "." + std::to_string(minor);
  return Supported(BuiltinTables(), arch) ? arch : "";
}

}  // namespace dlenv::knowledge
