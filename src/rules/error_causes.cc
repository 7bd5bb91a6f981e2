#include "rules/error_causes.h"

#include <algorithm>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

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
  return !s.driver.kernel_module_version && !s.driver.nvml_driver_version && !s.driver.cuda_driver_version;
}

// "11040" -> 11040, "12.4" -> 12040, "12" -> 12000.
std::optional<int> ParseCuda(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto parts = util::Split(text, '.');
  try {
    if (parts.size() >= 2) return std::stoi(std::string(parts[0])) * 1000 + std::stoi(std::string(parts[1])) * 10;
    int v = std::stoi(text);
    return v >= 1000 ? v : v * 1000;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string GpuText(const model::GpuInfo& g) {
  if (g.cc_major && g.cc_minor) return fmt::format("{} (sm_{}{})", g.name, *g.cc_major, *g.cc_minor);
  return g.name;
}

std::string DriverText(const model::Snapshot& s) {
  const auto cuda = DriverCuda(s);
  std::string version = s.driver.nvml_driver_version ? *s.driver.nvml_driver_version
                        : s.driver.kernel_module_version ? *s.driver.kernel_module_version
                                                          : "?";
  return fmt::format("NVIDIA driver {}{}", version, cuda ? " (CUDA " + CudaVersionText(*cuda) + ")" : "");
}

Fact Evaluate(const std::string& condition, const SignatureMatch& match, const MachineFacts& f) {
  if (condition.starts_with("not_")) {  // not_in_container, not_package:NAME
    Fact fact = Evaluate(condition.substr(4), match, f);
    if (fact.value != Tri::kUnknown) fact.value = fact.value == Tri::kTrue ? Tri::kFalse : Tri::kTrue;
    return fact;
  }
  const auto& s = f.snapshot;
  const auto colon = condition.find(':');
  const std::string name = condition.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : condition.substr(colon + 1);
  auto value = [&]() -> std::string {
    auto it = match.values.find(arg);
    return it == match.values.end() ? "" : it->second;
  };
  auto tri = [](bool b) { return b ? Tri::kTrue : Tri::kFalse; };
  const std::string where = " on " + f.source;
  if (name == "finding") {
    if (!f.findings_known) return {Tri::kUnknown, "whether " + f.source + " has finding " + arg};
    for (const auto& finding : s.findings) {
      if (finding.id == arg) return {Tri::kTrue, fmt::format("finding {}{}: {}", arg, where, finding.title)};
    }
    return {Tri::kFalse, fmt::format("no {} finding{}", arg, where)};
  }
  if (name == "no_driver" || name == "driver_loaded") {
    if (!f.driver_known) return {Tri::kUnknown, "whether an NVIDIA driver is loaded" + where};
    const bool none = NoDriver(s);
    const std::string text = none ? "no NVIDIA driver is loaded" + where + " (no kernel module; NVML and libcuda did not answer)"
                                  : DriverText(s) + " is loaded" + where;
    return {tri(name == "no_driver" ? none : !none), text};
  }
  if (name.starts_with("driver_cuda_")) {
    const auto wanted = ParseCuda(value());
    const auto have = f.driver_known ? DriverCuda(s) : std::nullopt;
    if (!wanted) return {Tri::kUnknown, "the CUDA version in the message"};
    if (!have) {
      return {Tri::kUnknown, NoDriver(s) ? "the driver's CUDA version (no NVIDIA driver is loaded" + where + ")"
                                         : "the driver's CUDA version" + where};
    }
    const std::string text = fmt::format("{}{}; the message names CUDA {}", DriverText(s), where, CudaVersionText(*wanted));
    if (name == "driver_cuda_is") return {tri(*have == *wanted), text};
    if (name == "driver_cuda_not") return {tri(*have != *wanted), text};
    if (name == "driver_cuda_below") return {tri(*have < *wanted), text};
    if (name == "driver_cuda_at_least") return {tri(*have >= *wanted), text};
  }
  if (name == "gpus_present" || name == "no_gpus") {
    if (!f.gpus_known) return {Tri::kUnknown, "the GPUs" + where};
    std::vector<std::string> names;
    for (const auto& g : s.gpus) names.push_back(GpuText(g));
    const std::string text = s.gpus.empty() ? "no GPU listed" + where : "GPUs" + where + ": " + util::Join(names, ", ");
    return {tri(name == "gpus_present" ? !s.gpus.empty() : s.gpus.empty()), text};
  }
  if (name == "gpu_sm_is" || name == "gpu_sm_not") {
    if (!f.gpus_known) return {Tri::kUnknown, "the GPUs' compute capability" + where};
    const std::string sm = value();
    bool any = false;
    std::vector<std::string> names;
    for (const auto& g : s.gpus) {
      names.push_back(GpuText(g));
      if (g.cc_major && g.cc_minor && std::to_string(*g.cc_major * 10 + *g.cc_minor) == sm) any = true;
    }
    const std::string text = fmt::format("the message names sm_{}; GPUs{}: {}", sm, where,
                                         names.empty() ? "none" : util::Join(names, ", "));
    return {tri(name == "gpu_sm_is" ? any : !any), text};
  }
  if (name == "gpu_name") {
    if (!f.gpus_known) return {Tri::kUnknown, "the GPU models" + where};
    std::regex re(arg);
    for (const auto& g : s.gpus) {
      if (std::regex_search(g.name, re)) return {Tri::kTrue, "GPU" + where + ": " + g.name};
    }
    return {Tri::kFalse, s.gpus.empty() ? "no GPU listed" + where : "GPU" + where + ": " + s.gpus.front().name};
  }
  if (name == "in_container") {
    if (!f.host_known) return {Tri::kUnknown, "whether" + where.substr(3) + " is a container"};
    return {tri(s.host.container.has_value()),
            s.host.container ? "running in a container (" + *s.host.container + ")" : "not a container"};
  }
  if (name == "wsl") {
    if (!f.host_known) return {Tri::kUnknown, "whether it is WSL"};
    return {tri(s.host.wsl), s.host.wsl ? "WSL" : "not WSL"};
  }
  if (name == "cuda_visible_devices_set") {
    if (!f.driver_known) return {Tri::kUnknown, "CUDA_VISIBLE_DEVICES" + where};
    const auto& v = s.driver.cuda_visible_devices;
    const bool set = v.has_value();
    return {tri(set), set ? "CUDA_VISIBLE_DEVICES=\"" + *v + "\"" + where : "CUDA_VISIBLE_DEVICES is not set" + where};
  }
  if (name == "package") {
    if (!f.envs_known) return {Tri::kUnknown, "the Python environments" + where};
    for (const auto& env : s.python_envs) {
      for (const auto& p : env.packages) {
        if (p.normalized_name == arg || p.name == arg)
          return {Tri::kTrue, fmt::format("{} {} in {}", p.name, p.version, env.executable.value_or(env.prefix))};
      }
    }
    return {Tri::kFalse, fmt::format("no environment dlenv inspected{} has {} (the job's may be another: --python)", where, arg)};
  }
  if (name == "library_copy") {
    if (!f.libraries_known) return {Tri::kUnknown, "the CUDA libraries" + where};
    const std::string soname = value();
    for (const auto& copy : s.libraries) {
      if (copy.is_stub) continue;
      if (std::filesystem::path(copy.path).filename() == soname ||
          (copy.real_path && std::filesystem::path(*copy.real_path).filename() == soname)) {
        return {Tri::kTrue, fmt::format("{} is at {} (found via {})", soname, copy.path, copy.found_via)};
      }
    }
    return {Tri::kFalse, fmt::format("no copy of {}{}", soname.empty() ? "the library" : soname, where)};
  }
  return {Tri::kUnknown, "unknown fact " + condition};
}

std::string GuessFramework(const SignatureMatch& match, const std::string& given) {
  if (!given.empty()) return given;
  for (const char* name : {"torch", "tensorflow", "jax", "cupy"}) {
    if (util::ToLower(match.printed_by).find(name) != std::string::npos) return name;
  }
  return "torch";
}

}  // namespace

MachineFacts MachineFacts::Unknown() {
  MachineFacts f;
  f.source = "an unknown machine";
  f.driver_known = f.gpus_known = f.host_known = f.libraries_known = f.findings_known = f.envs_known = false;
  return f;
}

std::string CudaVersionText(int version) {
  return fmt::format("{}.{}", version / 1000, version % 1000 / 10);
}

std::string FillTemplate(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t close = text[i] == '{' ? text.find('}', i) : std::string::npos;
    const std::string key = close == std::string::npos ? "" : text.substr(i + 1, close - i - 1);
    // Only {identifier} is a placeholder: shell braces and JSON in a fix stay as written.
    const bool placeholder = !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_.") == std::string::npos;
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

CauseVerdict DecideCause(const SignatureMatch& match, const MachineFacts& facts, const std::string& framework) {
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
    verdict.assumed.push_back("so the general cause is given; it could also be: " + util::Join(possible, ", "));
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
    if (s.driver.cuda_visible_devices) values["machine.cuda_visible_devices"] = *s.driver.cuda_visible_devices;
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
