#include "install/facts.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/embedded.h"

namespace dlenv::install {
namespace {

using nlohmann::json;
using util::DottedVersion;

DottedVersion V(const json& j) {
  auto v = DottedVersion::Parse(j.get<std::string>());
  if (!v) throw std::runtime_error("bad version in frameworks.json: " + j.get<std::string>());
  return *v;
}

std::vector<std::string> Strings(const json& j) { return j.get<std::vector<std::string>>(); }

CudaPackage Package(const json& row, const char* name_key) {
  return {row.at(name_key).get<std::string>(), V(row.at("cuda")), V(row.at("min_driver")),
          V(row.at("min_compute_capability")), row.value("pin", "")};
}

}  // namespace

std::optional<DottedVersion> VariantCuda(const std::string& variant) {
  if (!variant.starts_with("cu") || variant.size() < 5) return std::nullopt;
  for (std::size_t i = 2; i < variant.size(); ++i) {
    if (variant[i] < '0' || variant[i] > '9') return std::nullopt;
  }
  std::string digits = variant.substr(2);
  return DottedVersion::Parse(digits.substr(0, digits.size() - 1) + "." +
                              digits.substr(digits.size() - 1));
}

std::string CudaVariant(const DottedVersion& cuda) {
  return "cu" + std::to_string(cuda.major()) + std::to_string(cuda.minor());
}

std::optional<DottedVersion> FrameworkFacts::DriverFloorFor(int cuda_major) const {
  for (const auto& f : driver_floors) {
    if (f.cuda_major == cuda_major) return f.min_driver;
  }
  return std::nullopt;
}

std::vector<std::string> FrameworkFacts::TorchArchesFor(const std::string& release,
                                                        const std::string& variant) const {
  for (const auto& row : torch_arches) {
    bool r = std::find(row.releases.begin(), row.releases.end(), release) != row.releases.end();
    bool v = std::find(row.variants.begin(), row.variants.end(), variant) != row.variants.end();
    if (r && v) return row.archs;
  }
  return {};
}

FrameworkFacts ParseFrameworkFacts(const std::string& text) {
  FrameworkFacts f;
  json doc = json::parse(text);
  f.date = doc.at("date").get<std::string>();
  for (const auto& row : doc.at("cuda_minor_version_compatibility")) {
    f.driver_floors.push_back({row.at("cuda_major").get<int>(), V(row.at("min_driver")),
                               row.at("source").get<std::string>()});
  }
  const json& torch = doc.at("pytorch");
  f.torch_index_url = torch.at("index_url").get<std::string>();
  if (f.torch_index_url.find("{variant}") == std::string::npos)
    throw std::runtime_error("pytorch.index_url lacks {variant}");
  for (const auto& row : torch.at("releases")) {
    TorchRelease r{row.at("version").get<std::string>(),
                   Strings(row.at("variants")),
                   row.value("default", ""),
                   V(row.at("python").at(0)),
                   V(row.at("python").at(1)),
                   row.at("source").get<std::string>()};
    for (const auto& v : r.variants) {
      if (!VariantCuda(v)) throw std::runtime_error("bad PyTorch variant in frameworks.json: " + v);
    }
    f.torch.push_back(std::move(r));
  }
  for (const auto& row : torch.at("arches")) {
    f.torch_arches.push_back({Strings(row.at("releases")), Strings(row.at("variants")),
                              Strings(row.at("archs")), row.at("source").get<std::string>()});
  }
  const json& tf = doc.at("tensorflow");
  f.tensorflow_source = tf.at("source").get<std::string>();
  f.tensorflow_min_cc = V(tf.at("min_compute_capability"));
  for (const auto& row : tf.at("releases")) {
    f.tensorflow.push_back({row.at("version").get<std::string>(), V(row.at("python").at(0)),
                            V(row.at("python").at(1)), V(row.at("cuda")), V(row.at("cudnn")),
                            row.at("and_cuda").get<bool>()});
  }
  const json& jax = doc.at("jax");
  f.jax_source = jax.at("source").get<std::string>();
  f.jax_python_min = V(jax.at("python").at(0));
  f.jax_python_max = V(jax.at("python").at(1));
  for (const auto& row : jax.at("variants")) f.jax.push_back(Package(row, "extra"));
  const json& cupy = doc.at("cupy");
  f.cupy_source = cupy.at("source").get<std::string>();
  for (const auto& row : cupy.at("packages")) f.cupy.push_back(Package(row, "package"));
  return f;
}

const FrameworkFacts& BuiltinFrameworkFacts() {
  static const FrameworkFacts facts = [] {
    auto text = util::FindEmbeddedFile("frameworks.json");
    if (!text) throw std::runtime_error("knowledge data frameworks.json missing from the build");
    return ParseFrameworkFacts(std::string(*text));
  }();
  return facts;
}

}  // namespace dlenv::install
