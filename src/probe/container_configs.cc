#include "probe/container_configs.h"

#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace dlenv::probe {
namespace {

void AddUnique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

// ---- docker ---------------------------------------------------------------------------

void ReadDockerRuntimes(const nlohmann::json& runtimes, model::DockerConfig& out) {
  if (!runtimes.is_object()) return;
  for (const auto& [name, value] : runtimes.items()) {
    model::ContainerRuntimeEntry entry;
    entry.name = name;
    if (value.is_object() && value.contains("path") && value["path"].is_string()) {
      entry.path = value["path"].get<std::string>();
    }
    out.runtimes.push_back(std::move(entry));
  }
}

// ---- TOML -----------------------------------------------------------------------------

std::string TomlError(const toml::parse_error& e) {
  const auto& where = e.source().begin;
  return "line " + std::to_string(where.line) + ", column " + std::to_string(where.column) + ": " +
         std::string(e.description());
}

// containerd's CRI plugin table (enable_cdi), whose "containerd" table holds the runtimes and
// the default runtime's name: where each layout keeps them.
const toml::table* CriPlugin(const toml::table& root, int version) {
  const toml::table* plugins = root["plugins"].as_table();
  if (!plugins) return nullptr;
  const char* plugin = version >= 3   ? "io.containerd.cri.v1.runtime"
                       : version == 2 ? "io.containerd.grpc.v1.cri"
                                      : "cri";
  return (*plugins)[plugin].as_table();
}

const toml::table* ContainerdCri(const toml::table& root, int version) {
  const toml::table* cri = CriPlugin(root, version);
  return cri ? (*cri)["containerd"].as_table() : nullptr;
}

bool NamesCri(const std::string& plugin) {
  // Docker's packages ship containerd with `disabled_plugins = ["cri"]`; version 2 and 3
  // layouts may name it by its full id.
  return plugin == "cri" || plugin == "io.containerd.grpc.v1.cri" ||
         plugin == "io.containerd.cri.v1.runtime";
}

// ---- YAML (CDI) -----------------------------------------------------------------------

// A spec's nodes are visited through a few fixed paths, but YAML aliases let a small file name
// one long list many times; a budget of visits keeps a hostile file from taking forever.
class Visits {
 public:
  bool Take() { return ++count_ <= kLimit; }
  bool exhausted() const { return count_ > kLimit; }

 private:
  static constexpr int kLimit = 200000;
  int count_ = 0;
};

// A missing key of a const map is an "invalid" node in yaml-cpp, on which IsMap() and the like
// throw; this returns a null node instead.
YAML::Node Child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node();
  const YAML::Node value = map[key];
  return value.IsDefined() ? value : YAML::Node();
}

std::optional<std::string> Scalar(const YAML::Node& map, const char* key) {
  const YAML::Node value = Child(map, key);
  if (!value.IsScalar()) return std::nullopt;
  return value.Scalar();
}

// libcuda.so.550.54.15, libnvidia-ml.so.550.54.15: the driver's version is the soname's suffix
// (two or three dotted numbers). Read without std::regex, whose recursion a long path could
// turn into a stack overflow.
std::optional<std::string> DriverVersionOfLibrary(const std::string& path) {
  const std::string name =
      path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string_view rest;
  for (std::string_view prefix : {"libcuda.so.", "libnvidia-ml.so."}) {
    if (name.starts_with(prefix)) rest = std::string_view(name).substr(prefix.size());
  }
  if (rest.empty()) return std::nullopt;
  int parts = 1;
  bool digit_before = false;
  for (char c : rest) {
    if (c >= '0' && c <= '9') {
      digit_before = true;
    } else if (c == '.' && digit_before) {
      ++parts;
      digit_before = false;
    } else {
      return std::nullopt;
    }
  }
  if (!digit_before || parts < 2 || parts > 3) return std::nullopt;
  return std::string(rest);
}

void ReadContainerEdits(const YAML::Node& edits, model::CdiSpec& out, Visits& visits) {
  if (!edits.IsMap()) return;
  const YAML::Node nodes = Child(edits, "deviceNodes");
  if (nodes.IsSequence()) {
    for (const YAML::Node& node : nodes) {
      if (!visits.Take()) return;
      // hostPath, when given, is the node on the host; path is where the container sees it
      // and the host's too when hostPath is absent (CDI spec, "deviceNodes").
      auto host = Scalar(node, "hostPath");
      if (!host) host = Scalar(node, "path");
      if (host) AddUnique(out.device_nodes, *host);
    }
  }
  const YAML::Node mounts = Child(edits, "mounts");
  if (mounts.IsSequence()) {
    for (const YAML::Node& mount : mounts) {
      if (!visits.Take()) return;
      auto host = Scalar(mount, "hostPath");
      if (!host) continue;
      if (auto version = DriverVersionOfLibrary(*host)) AddUnique(out.driver_versions, *version);
    }
  }
  const YAML::Node hooks = Child(edits, "hooks");
  if (hooks.IsSequence()) {
    for (const YAML::Node& hook : hooks) {
      if (!visits.Take()) return;
      if (!hook.IsMap()) continue;
      const YAML::Node args = Child(hook, "args");
      if (!args.IsSequence()) continue;
      for (const YAML::Node& arg : args) {
        if (!visits.Take()) return;
        constexpr std::string_view kFlag = "--host-driver-version=";
        if (arg.IsScalar() && arg.Scalar().starts_with(kFlag)) {
          AddUnique(out.driver_versions, arg.Scalar().substr(kFlag.size()));
        }
      }
    }
  }
}

}  // namespace

void ParseDockerDaemonJson(std::string_view text, model::DockerConfig& out) {
  // dockerd refuses an empty file as well as a malformed one ("unexpected end of JSON input").
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    out.file.error = std::string("not valid JSON: ") + e.what();
    return;
  }
  if (!doc.is_object()) {
    out.file.error = "not a JSON object";
    return;
  }
  if (doc.contains("runtimes")) ReadDockerRuntimes(doc["runtimes"], out);
  if (doc.contains("default-runtime") && doc["default-runtime"].is_string()) {
    out.default_runtime = doc["default-runtime"].get<std::string>();
  }
  if (doc.contains("exec-opts") && doc["exec-opts"].is_array()) {
    for (const auto& opt : doc["exec-opts"]) {
      if (!opt.is_string()) continue;
      const std::string s = opt.get<std::string>();
      constexpr std::string_view kKey = "native.cgroupdriver=";
      if (s.starts_with(kKey)) out.cgroup_driver = s.substr(kKey.size());
    }
  }
}

void ParseContainerdToml(std::string_view text, model::ContainerdConfig& out) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    out.file.error = "not valid TOML: " + TomlError(e);
    return;
  }
  // containerd reads a file without `version` as version 1.
  const int version = static_cast<int>(root["version"].value<std::int64_t>().value_or(1));
  out.version = version;
  if (const toml::array* disabled = root["disabled_plugins"].as_array()) {
    for (const toml::node& plugin : *disabled) {
      if (auto name = plugin.value<std::string>(); name && NamesCri(*name)) out.cri_disabled = true;
    }
  }
  if (const toml::table* cri = CriPlugin(root, version))
    out.enable_cdi = (*cri)["enable_cdi"].value<bool>();
  const toml::table* containerd = ContainerdCri(root, version);
  if (!containerd) return;
  out.default_runtime = (*containerd)["default_runtime_name"].value<std::string>();
  const toml::table* runtimes = (*containerd)["runtimes"].as_table();
  if (!runtimes) return;
  for (const auto& [name, node] : *runtimes) {
    model::ContainerRuntimeEntry entry;
    entry.name = std::string(name.str());
    const toml::table* runtime = node.as_table();
    const toml::table* options = runtime ? (*runtime)["options"].as_table() : nullptr;
    if (options) {
      auto binary = (*options)["BinaryName"].value<std::string>();
      if (binary && !binary->empty()) entry.path = binary;
      if (entry.name == out.default_runtime.value_or("runc")) {
        out.systemd_cgroup = (*options)["SystemdCgroup"].value<bool>();
      }
    }
    out.runtimes.push_back(std::move(entry));
  }
}

void ParseCrioToml(std::string_view text, model::ConfigFile& file, model::CrioConfig& out) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    file.error = "not valid TOML: " + TomlError(e);
    return;
  }
  const toml::table* runtime = root["crio"]["runtime"].as_table();
  if (!runtime) return;
  if (auto d = (*runtime)["default_runtime"].value<std::string>()) out.default_runtime = d;
  const toml::table* runtimes = (*runtime)["runtimes"].as_table();
  if (!runtimes) return;
  for (const auto& [name, node] : *runtimes) {
    const toml::table* r = node.as_table();
    auto path = r ? (*r)["runtime_path"].value<std::string>() : std::nullopt;
    const std::string key(name.str());  // clang 14 does not capture a structured binding
    auto it = std::find_if(out.runtimes.begin(), out.runtimes.end(),
                           [&](const auto& e) { return e.name == key; });
    if (it == out.runtimes.end()) {
      out.runtimes.push_back({key, std::nullopt, false});
      it = out.runtimes.end() - 1;
    }
    // An empty runtime_path is CRI-O's own lookup of the name on PATH.
    if (path && !path->empty()) it->path = path;
  }
}

void ParseToolkitToml(std::string_view text, model::ToolkitConfig& out) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    out.file.error = "not valid TOML: " + TomlError(e);
    return;
  }
  out.mode = root["nvidia-container-runtime"]["mode"].value<std::string>();
  out.no_cgroups = root["nvidia-container-cli"]["no-cgroups"].value<bool>();
}

void ParseCdiSpec(std::string_view text, model::CdiSpec& out) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    out.file.error = std::string("not valid YAML: ") + e.what();
    return;
  }
  try {
    if (!doc.IsMap()) {
      out.file.error = "not a CDI spec (no mapping at the top)";
      return;
    }
    out.kind = Scalar(doc, "kind");
    Visits visits;
    ReadContainerEdits(Child(doc, "containerEdits"), out, visits);
    const YAML::Node devices = Child(doc, "devices");
    if (devices.IsSequence()) {
      for (const YAML::Node& device : devices) {
        if (!visits.Take()) break;
        if (auto name = Scalar(device, "name")) AddUnique(out.devices, *name);
        ReadContainerEdits(Child(device, "containerEdits"), out, visits);
      }
    }
    if (visits.exhausted()) out.file.error = "too many entries for a CDI spec; read in part";
    if (!out.kind) out.file.error = "not a CDI spec (no `kind`)";
  } catch (const YAML::Exception& e) {
    // A node of another type than the spec's (a map where a list belongs) is the file's fault.
    out.file.error = std::string("not a valid CDI spec: ") + e.what();
  }
}

}  // namespace dlenv::probe

namespace dlenv::probe {

std::optional<std::uint64_t> ParseShmSize(std::string_view mounts) {
  std::optional<std::uint64_t> size;
  bool mounted = false;
  std::size_t start = 0;
  while (start < mounts.size()) {
    std::size_t end = mounts.find('\n', start);
    if (end == std::string_view::npos) end = mounts.size();
    const std::string_view line = mounts.substr(start, end - start);
    start = end + 1;
    // fstab(5) fields: source, mount point, type, options, ...
    std::vector<std::string_view> fields;
    for (std::size_t pos = 0; pos < line.size() && fields.size() < 4;) {
      std::size_t next = line.find(' ', pos);
      if (next == std::string_view::npos) next = line.size();
      if (next > pos) fields.push_back(line.substr(pos, next - pos));
      pos = next + 1;
    }
    if (fields.size() < 4 || fields[1] != "/dev/shm") continue;
    mounted = true;
    size.reset();
    for (std::size_t pos = 0; pos <= fields[3].size();) {
      std::size_t next = fields[3].find(',', pos);
      if (next == std::string_view::npos) next = fields[3].size();
      const std::string_view option = fields[3].substr(pos, next - pos);
      pos = next + 1;
      if (!option.starts_with("size=")) continue;
      // The kernel prints tmpfs sizes in KiB ("size=65536k"); mount(8) accepts k, m, g.
      std::uint64_t value = 0;
      std::size_t i = 5;
      for (; i < option.size() && option[i] >= '0' && option[i] <= '9'; ++i) {
        if (value > (UINT64_MAX - 9) / 10) return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(option[i] - '0');
      }
      if (i == 5) continue;
      std::uint64_t unit = 1;
      if (i < option.size()) {
        const char suffix = static_cast<char>(option[i] | 0x20);
        unit = suffix == 'k'   ? 1ull << 10
               : suffix == 'm' ? 1ull << 20
               : suffix == 'g' ? 1ull << 30
                               : 0;
      }
      if (unit == 0 || value > UINT64_MAX / unit) continue;
      size = value * unit;
    }
  }
  return mounted ? size : std::nullopt;
}

}  // namespace dlenv::probe
