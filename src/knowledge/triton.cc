#include "knowledge/triton.h"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "util/dotted_version.h"
#include "util/embedded.h"

namespace dlenv::knowledge {
namespace {

struct Row {
  util::DottedVersion triton;
  std::string ptxas;
  std::string ptxas_blackwell;
  int blackwell_from_sm = 0;
  bool links_unversioned = false;  // libcuda_link "-lcuda"
};

struct Names {
  util::DottedVersion ptxas;
  std::string text;
  std::vector<int> sm;
};

struct Tables {
  std::vector<Row> releases;  // oldest first, as in the file
  std::vector<Names> gpu_names;
};

const Tables& BuiltinTables() {
  static const Tables tables = [] {
    auto text = util::FindEmbeddedFile("triton_ptxas.json");
    if (!text) throw std::runtime_error("knowledge data triton_ptxas.json missing from the build");
    auto doc = nlohmann::json::parse(*text);
    Tables t;
    for (const auto& r : doc.at("releases")) {
      auto v = util::DottedVersion::Parse(r.at("triton").get<std::string>());
      if (!v) throw std::runtime_error("triton_ptxas.json: bad triton release");
      t.releases.push_back({*v, r.at("ptxas").get<std::string>(), r.value("ptxas_blackwell", ""),
                            r.value("blackwell_from_sm", 0),
                            r.at("libcuda_link").get<std::string>() == "-lcuda"});
    }
    for (const auto& n : doc.at("gpu_names")) {
      const auto text = n.at("ptxas").get<std::string>();
      auto v = util::DottedVersion::Parse(text);
      if (!v) throw std::runtime_error("triton_ptxas.json: bad ptxas release");
      t.gpu_names.push_back({*v, text, n.at("sm").get<std::vector<int>>()});
    }
    return t;
  }();
  return tables;
}

/// major.minor of a version, so that 3.9.0 and 3.9.1 read as the row 3.9.
std::optional<util::DottedVersion> MajorMinor(std::string_view version) {
  auto v = util::DottedVersion::Parse(std::string(version.substr(0, version.find_first_of("+-"))));
  if (!v) return std::nullopt;
  return util::DottedVersion::Parse(std::to_string(v->major()) + "." + std::to_string(v->minor()));
}

}  // namespace

std::optional<TritonPtxas> TritonPtxasFor(std::string_view triton_version, int sm) {
  const auto v = MajorMinor(triton_version);
  if (!v) return std::nullopt;
  const Row* row = nullptr;
  for (const auto& r : BuiltinTables().releases) {
    if (!(*v < r.triton)) row = &r;
  }
  if (!row) return std::nullopt;
  const bool blackwell = !row->ptxas_blackwell.empty() && sm >= row->blackwell_from_sm;
  return TritonPtxas{row->triton.ToString(), blackwell ? row->ptxas_blackwell : row->ptxas,
                     blackwell ? "ptxas-blackwell" : "ptxas",
                     blackwell ? "TRITON_PTXAS_BLACKWELL_PATH" : "TRITON_PTXAS_PATH"};
}

std::optional<bool> TritonLinksUnversionedLibcuda(std::string_view triton_version) {
  const auto v = MajorMinor(triton_version);
  if (!v) return std::nullopt;
  const Row* row = nullptr;
  for (const auto& r : BuiltinTables().releases) {
    if (!(*v < r.triton)) row = &r;
  }
  return row ? row->links_unversioned : true;  // before the table: -lcuda
}

std::optional<bool> PtxasKnows(std::string_view ptxas_release, int sm) {
  const auto v = util::DottedVersion::Parse(std::string(ptxas_release));
  if (!v) return std::nullopt;
  const Names* names = nullptr;
  for (const auto& n : BuiltinTables().gpu_names) {
    if (!(*v < n.ptxas)) names = &n;
  }
  if (!names) return std::nullopt;
  for (int s : names->sm) {
    if (s == sm) return true;
  }
  return false;
}

std::string FirstPtxasKnowing(int sm) {
  for (const auto& n : BuiltinTables().gpu_names) {
    for (int s : n.sm) {
      if (s == sm) return n.text;
    }
  }
  return "";
}

std::string FirstTritonKnowing(int sm) {
  for (const auto& r : BuiltinTables().releases) {
    const auto p = TritonPtxasFor(r.triton.ToString(), sm);
    if (p && PtxasKnows(p->ptxas, sm) == true) return r.triton.ToString();
  }
  return "";
}

}  // namespace dlenv::knowledge
