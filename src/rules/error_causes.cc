#include "rules/error_causes.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "knowledge/frameworks.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

enum class Tri { kFalse, kTrue, kUnknown };

struct Fact {
  Tri value = Tri::kUnknown;
  std::string text;  // what was found (or not known), said either way
};

std::optional<int> DriverCuda(const model::Snapshot& s) {
  if (s.driver.cuda_driver_version) return s.driver.cuda_driver_version;
  return s.driver.nvml_cuda_driver_version;
}

bool NoDriver(const model::Snapshot& s) {
  return !s.driver.kernel_module_version && !s.driver.nvml_driver_version &&
         !s.driver.cuda_driver_version;
}

// "11040" -> 11040, "12.4" -> 12040, "12" -> 12000.
std::optional<int> ParseCuda(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto parts = util::Split(text, '.');
  try {
    if (parts.size() >= 2)
      return std::stoi(std::string(parts[0])) * 1000 + std::stoi(std::string(parts[1])) * 10;
    int v = std::stoi(text);
    return v >= 1000 ? v : v * 1000;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string GpuText(const model::GpuInfo& g) {
  if (g.cc_major && g.cc_minor)
    return fmt::format("{} (sm_{}{})", g.name, *g.cc_major, *g.cc_minor);
  return g.name;
}

std::string DriverText(const model::Snapshot& s) {
  const auto cuda = DriverCuda(s);
  std::string version = s.driver.nvml_driver_version     ? *s.driver.nvml_driver_version
                        : s.driver.kernel_module_version ? *s.driver.kernel_module_version
                                                         : "?";
  return fmt::format("NVIDIA driver {}{}", version,
                     cuda ? " (CUDA " + CudaVersionText(*cuda) + ")" : "");
}

// One condition of a cause, as the catalogue writes it (name:arg), with the message's values.
struct Condition {
  std::string name;
  std::string arg;
  const SignatureMatch& match;
  const MachineFacts& facts;
  std::string where;  // " on this machine"

  // The message's value named by arg (driver_cuda_below:version -> the {version} it captured).
  std::string Value() const {
    auto it = match.values.find(arg);
    return it == match.values.end() ? "" : it->second;
  }
};

Tri ToTri(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

Fact HasFinding(const Condition& c) {
  const auto& f = c.facts;
  if (!f.findings_known) return {Tri::kUnknown, "whether " + f.source + " has finding " + c.arg};
  for (const auto& finding : f.snapshot.findings) {
    if (finding.id == c.arg)
      return {Tri::kTrue, fmt::format("finding {}{}: {}", c.arg, c.where, finding.title)};
  }
  return {Tri::kFalse, fmt::format("no {} finding{}", c.arg, c.where)};
}

Fact DriverLoaded(const Condition& c) {
  const auto& s = c.facts.snapshot;
  if (!c.facts.driver_known) return {Tri::kUnknown, "whether an NVIDIA driver is loaded" + c.where};
  const bool none = NoDriver(s);
  const std::string text = none ? "no NVIDIA driver is loaded" + c.where +
                                      " (no kernel module; NVML and libcuda did not answer)"
                                : DriverText(s) + " is loaded" + c.where;
  return {ToTri(c.name == "no_driver" ? none : !none), text};
}

Fact DriverCudaCompare(const Condition& c) {
  const auto& s = c.facts.snapshot;
  const auto wanted = ParseCuda(c.Value());
  const auto have = c.facts.driver_known ? DriverCuda(s) : std::nullopt;
  if (!wanted) return {Tri::kUnknown, "the CUDA version in the message"};
  if (!have) {
    return {Tri::kUnknown,
            NoDriver(s) ? "the driver's CUDA version (no NVIDIA driver is loaded" + c.where + ")"
                        : "the driver's CUDA version" + c.where};
  }
  const std::string text = fmt::format("{}{}; the message names CUDA {}", DriverText(s), c.where,
                                       CudaVersionText(*wanted));
  if (c.name == "driver_cuda_is") return {ToTri(*have == *wanted), text};
  if (c.name == "driver_cuda_not") return {ToTri(*have != *wanted), text};
  if (c.name == "driver_cuda_below") return {ToTri(*have < *wanted), text};
  return {ToTri(*have >= *wanted), text};  // driver_cuda_at_least
}

Fact GpusPresent(const Condition& c) {
  const auto& s = c.facts.snapshot;
  if (!c.facts.gpus_known) return {Tri::kUnknown, "the GPUs" + c.where};
  std::vector<std::string> names;
  for (const auto& g : s.gpus) names.push_back(GpuText(g));
  const std::string text = s.gpus.empty() ? "no GPU listed" + c.where
                                          : "GPUs" + c.where + ": " + util::Join(names, ", ");
  return {ToTri(c.name == "gpus_present" ? !s.gpus.empty() : s.gpus.empty()), text};
}

Fact GpuSm(const Condition& c) {
  if (!c.facts.gpus_known) return {Tri::kUnknown, "the GPUs' compute capability" + c.where};
  const std::string sm = c.Value();
  bool any = false;
  std::vector<std::string> names;
  for (const auto& g : c.facts.snapshot.gpus) {
    names.push_back(GpuText(g));
    if (g.cc_major && g.cc_minor && std::to_string(*g.cc_major * 10 + *g.cc_minor) == sm)
      any = true;
  }
  const std::string text = fmt::format("the message names sm_{}; GPUs{}: {}", sm, c.where,
                                       names.empty() ? "none" : util::Join(names, ", "));
  return {ToTri(c.name == "gpu_sm_is" ? any : !any), text};
}

Fact GpuName(const Condition& c) {
  const auto& s = c.facts.snapshot;
  if (!c.facts.gpus_known) return {Tri::kUnknown, "the GPU models" + c.where};
  std::regex re(c.arg);
  for (const auto& g : s.gpus) {
    if (std::regex_search(g.name, re)) return {Tri::kTrue, "GPU" + c.where + ": " + g.name};
  }
  return {Tri::kFalse, s.gpus.empty() ? "no GPU listed" + c.where
                                      : "GPU" + c.where + ": " + s.gpus.front().name};
}

Fact InContainer(const Condition& c) {
  const auto& host = c.facts.snapshot.host;
  if (!c.facts.host_known)
    return {Tri::kUnknown, "whether" + c.where.substr(3) + " is a container"};
  return {ToTri(host.container.has_value()),
          host.container ? "running in a container (" + *host.container + ")" : "not a container"};
}

Fact Wsl(const Condition& c) {
  if (!c.facts.host_known) return {Tri::kUnknown, "whether it is WSL"};
  const bool wsl = c.facts.snapshot.host.wsl;
  return {ToTri(wsl), wsl ? "WSL" : "not WSL"};
}

Fact CudaVisibleDevicesSet(const Condition& c) {
  if (!c.facts.driver_known) return {Tri::kUnknown, "CUDA_VISIBLE_DEVICES" + c.where};
  const auto& v = c.facts.snapshot.driver.cuda_visible_devices;
  return {ToTri(v.has_value()), v ? "CUDA_VISIBLE_DEVICES=\"" + *v + "\"" + c.where
                                  : "CUDA_VISIBLE_DEVICES is not set" + c.where};
}

Fact HasPackage(const Condition& c) {
  if (!c.facts.envs_known) return {Tri::kUnknown, "the Python environments" + c.where};
  for (const auto& env : c.facts.snapshot.python_envs) {
    for (const auto& p : env.packages) {
      if (p.normalized_name == c.arg || p.name == c.arg)
        return {Tri::kTrue,
                fmt::format("{} {} in {}", p.name, p.version, env.executable.value_or(env.prefix))};
    }
  }
  return {Tri::kFalse, fmt::format("no environment dlenv inspected{} has {} (the job's may be "
                                   "another: --python)",
                                   c.where, c.arg)};
}

Fact HasLibraryCopy(const Condition& c) {
  if (!c.facts.libraries_known) return {Tri::kUnknown, "the CUDA libraries" + c.where};
  const std::string soname = c.Value();
  for (const auto& copy : c.facts.snapshot.libraries) {
    if (copy.is_stub) continue;
    if (std::filesystem::path(copy.path).filename() == soname ||
        (copy.real_path && std::filesystem::path(*copy.real_path).filename() == soname)) {
      return {Tri::kTrue,
              fmt::format("{} is at {} (found via {})", soname, copy.path, copy.found_via)};
    }
  }
  return {Tri::kFalse,
          fmt::format("no copy of {}{}", soname.empty() ? "the library" : soname, c.where)};
}

// The facts a cause's `when` may name (docs/explain.md lists them).
struct FactKind {
  std::string_view name;
  Fact (*evaluate)(const Condition&);
};
constexpr FactKind kFactKinds[] = {
    {"finding", HasFinding},
    {"no_driver", DriverLoaded},
    {"driver_loaded", DriverLoaded},
    {"driver_cuda_is", DriverCudaCompare},
    {"driver_cuda_not", DriverCudaCompare},
    {"driver_cuda_below", DriverCudaCompare},
    {"driver_cuda_at_least", DriverCudaCompare},
    {"gpus_present", GpusPresent},
    {"no_gpus", GpusPresent},
    {"gpu_sm_is", GpuSm},
    {"gpu_sm_not", GpuSm},
    {"gpu_name", GpuName},
    {"in_container", InContainer},
    {"wsl", Wsl},
    {"cuda_visible_devices_set", CudaVisibleDevicesSet},
    {"package", HasPackage},
    {"library_copy", HasLibraryCopy},
};

Fact Evaluate(const std::string& condition, const SignatureMatch& match, const MachineFacts& f) {
  if (condition.starts_with("not_")) {  // not_in_container, not_package:NAME
    Fact fact = Evaluate(condition.substr(4), match, f);
    if (fact.value != Tri::kUnknown)
      fact.value = fact.value == Tri::kTrue ? Tri::kFalse : Tri::kTrue;
    return fact;
  }
  const auto colon = condition.find(':');
  const Condition c{condition.substr(0, colon),
                    colon == std::string::npos ? "" : condition.substr(colon + 1), match, f,
                    " on " + f.source};
  for (const auto& kind : kFactKinds) {
    if (kind.name == c.name) return kind.evaluate(c);
  }
  return {Tri::kUnknown, "unknown fact " + condition};
}

std::string GuessFramework(const SignatureMatch& match, const std::string& given) {
  if (!given.empty()) return given;
  const std::string printed_by = util::ToLower(match.printed_by);
  for (std::string_view id :
       {knowledge::kTorch, knowledge::kTensorFlow, knowledge::kJax, knowledge::kCupy}) {
    if (printed_by.find(id) != std::string::npos) return std::string(id);
  }
  return std::string(knowledge::kTorch);
}

}  // namespace

MachineFacts MachineFacts::Unknown() {
  MachineFacts f;
  f.source = "an unknown machine";
  f.driver_known = f.gpus_known = f.host_known = f.libraries_known = f.findings_known =
      f.envs_known = false;
  return f;
}

std::string CudaVersionText(int version) {
  return fmt::format("{}.{}", version / 1000, version % 1000 / 10);
}

std::string FillTemplate(const std::string& text,
                         const std::map<std::string, std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t close = text[i] == '{' ? text.find('}', i) : std::string::npos;
    const std::string key = close == std::string::npos ? "" : text.substr(i + 1, close - i - 1);
    // Only {identifier} is a placeholder: shell braces and JSON in a fix stay as written.
    const bool placeholder =
        !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_.") == std::string::npos;
    if (!placeholder) {
      out.push_back(text[i]);
      continue;
    }
    auto it = values.find(key);
    out += it == values.end() || it->second.empty() ? "?" : it->second;
    i = close;
  }
  return out;
}

CauseVerdict DecideCause(const SignatureMatch& match, const MachineFacts& facts,
                         const std::string& framework) {
  CauseVerdict verdict;
  const auto& causes = match.signature->causes;
  std::vector<std::string> possible;  // causes the data could neither confirm nor exclude
  std::vector<std::string> unknown_facts;
  for (const auto& cause : causes) {
    std::vector<Fact> evaluated;
    for (const auto& condition : cause.when) evaluated.push_back(Evaluate(condition, match, facts));
    const Fact* against = nullptr;
    bool all_true = true;
    for (const auto& fact : evaluated) {
      if (fact.value == Tri::kFalse && !against) against = &fact;
      if (fact.value != Tri::kTrue) all_true = false;
    }
    if (all_true) {
      verdict.cause = &cause;
      for (const auto& fact : evaluated) verdict.decided_by.push_back(fact.text);
      break;
    }
    if (against) {
      verdict.ruled_out.push_back(cause.id + ": " + against->text);
    } else {
      possible.push_back(cause.id);
      for (const auto& fact : evaluated) {
        if (fact.value == Tri::kUnknown) unknown_facts.push_back(fact.text);
      }
    }
  }
  if (!verdict.cause) verdict.cause = &causes.back();  // the catalogue guarantees it holds
  if (verdict.cause == &causes.back() && !possible.empty()) {
    for (const auto& fact : unknown_facts) {
      const std::string text = "not known: " + fact;
      if (std::find(verdict.assumed.begin(), verdict.assumed.end(), text) == verdict.assumed.end())
        verdict.assumed.push_back(text);
    }
    verdict.assumed.push_back("so the general cause is given; it could also be: " +
                              util::Join(possible, ", "));
  }
  std::map<std::string, std::string> values = match.values;
  // CUDA versions as the driver API writes them (11040) read as people write them (11.4).
  for (auto& [key, value] : values) {
    if (key.find("version") != std::string::npos && value.size() >= 4 &&
        value.find_first_not_of("0123456789") == std::string::npos) {
      value = CudaVersionText(std::stoi(value));
    }
  }
  values["framework"] = GuessFramework(match, framework);
  const auto& s = facts.snapshot;
  if (facts.driver_known) {
    if (auto cuda = DriverCuda(s)) values["machine.driver_cuda"] = CudaVersionText(*cuda);
    if (s.driver.nvml_driver_version) values["machine.driver"] = *s.driver.nvml_driver_version;
    if (s.driver.cuda_visible_devices)
      values["machine.cuda_visible_devices"] = *s.driver.cuda_visible_devices;
  }
  if (facts.gpus_known && !s.gpus.empty()) values["machine.gpu"] = GpuText(s.gpus.front());
  verdict.says = FillTemplate(verdict.cause->says, values);
  verdict.finding_id = verdict.cause->finding;
  if (!verdict.finding_id.empty() && facts.findings_known) {
    for (const auto& f : s.findings) {
      if (f.id == verdict.finding_id) {
        verdict.finding = f;
        break;
      }
    }
  }
  verdict.fix = verdict.finding ? verdict.finding->fix : FillTemplate(verdict.cause->fix, values);
  return verdict;
}

}  // namespace dlenv::rules
