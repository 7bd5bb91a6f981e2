#include "install/pip_config.h"

#include <cctype>

#include "util/strings.h"

namespace dlenv::install {
namespace {

std::string Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

/// pip reads its files with configparser: [section], key = value (or key: value), values
/// continued on indented lines, # and ; comments. Keys: dashes and underscores alike.
// Hand-written: configparser's subset that pip.conf uses; no Debian C++ INI library
// matches its continuation-line rule.
void ReadIni(std::string_view text, const std::string& path, UserIndex& out) {
  std::string section, key;
  std::string value;
  auto flush = [&] {
    if (key.empty()) return;
    if (section == "global" || section == "install") {
      if (key == "index-url") {
        out.index_url = Trim(value);
        out.source = path;
      } else if (key == "extra-index-url") {
        out.extra_index_urls = Words(value);
      }
    }
    key.clear();
    value.clear();
  };
  // [install] wins over [global] whatever their order: apply global first, then install.
  for (const char* pass : {"global", "install"}) {
    section.clear();
    for (const auto& raw : util::Split(text, '\n', true)) {
      std::string_view line = raw;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::string t = Trim(line);
      bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t') && !key.empty();
      if (continuation && !t.empty() && t[0] != '#' && t[0] != ';') {
        value += "\n" + t;
        continue;
      }
      if (section == pass) flush();
      key.clear();
      value.clear();
      if (t.empty() || t[0] == '#' || t[0] == ';') continue;
      if (t[0] == '[') {
        section = Trim(std::string_view(t).substr(
            1, t.find(']') == std::string::npos ? std::string::npos : t.find(']') - 1));
        continue;
      }
      auto sep = t.find_first_of("=:");
      if (sep == std::string::npos || section != pass) continue;
      key = Trim(std::string_view(t).substr(0, sep));
      for (auto& c : key)
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      value = Trim(std::string_view(t).substr(sep + 1));
    }
    if (section == pass) flush();
  }
}

/// uv.toml: `index-url = "..."`, `extra-index-url = ["...", ...]`, and [[index]] tables with
/// `url` and `default = true`. Only these keys; anything else is ignored.
// Hand-written: Debian has no C++ TOML -dev package in the project's dependency set.
void ReadUvToml(std::string_view text, const std::string& path, UserIndex& out) {
  auto strings = [](std::string_view v) {
    std::vector<std::string> s;
    std::size_t i = 0;
    while ((i = v.find('"', i)) != std::string_view::npos) {
      auto e = v.find('"', i + 1);
      if (e == std::string_view::npos) break;
      s.emplace_back(v.substr(i + 1, e - i - 1));
      i = e + 1;
    }
    return s;
  };
  std::string table, index_url;
  bool index_default = false;
  auto end_table = [&] {
    if (table == "[[index]]" && !index_url.empty()) {
      if (index_default) {
        out.index_url = index_url;
        out.source = path;
      } else {
        out.extra_index_urls.push_back(index_url);
      }
    }
    index_url.clear();
    index_default = false;
  };
  for (const auto& raw : util::Split(text, '\n', true)) {
    std::string t = Trim(raw);
    if (t.empty() || t[0] == '#') continue;
    if (t[0] == '[') {
      end_table();
      table = t;
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    std::string k = Trim(std::string_view(t).substr(0, eq));
    std::string_view v = std::string_view(t).substr(eq + 1);
    if (table.empty() && k == "index-url" && !strings(v).empty()) {
      out.index_url = strings(v).front();
      out.source = path;
    } else if (table.empty() && k == "extra-index-url") {
      out.extra_index_urls = strings(v);
    } else if (table == "[[index]]" && k == "url" && !strings(v).empty()) {
      index_url = strings(v).front();
    } else if (table == "[[index]]" && k == "default") {
      index_default = Trim(v) == "true";
    }
  }
  end_table();
}

}  // namespace

std::vector<std::string> PipConfigPaths(const util::Environment& env,
                                        const std::string& env_prefix) {
  std::vector<std::string> paths;
  auto xdg_dirs = env.GetList("XDG_CONFIG_DIRS");
  if (xdg_dirs.empty()) xdg_dirs = {"/etc/xdg"};
  for (const auto& d : xdg_dirs) paths.push_back(d + "/pip/pip.conf");
  paths.push_back("/etc/pip.conf");
  auto home = env.Get("HOME");
  if (home) paths.push_back(*home + "/.pip/pip.conf");
  auto xdg = env.Get("XDG_CONFIG_HOME");
  if (xdg && !xdg->empty())
    paths.push_back(*xdg + "/pip/pip.conf");
  else if (home)
    paths.push_back(*home + "/.config/pip/pip.conf");
  if (!env_prefix.empty())
    paths.push_back(env_prefix + "/pip.conf");
  else if (auto venv = env.Get("VIRTUAL_ENV"))
    paths.push_back(*venv + "/pip.conf");
  if (auto file = env.Get("PIP_CONFIG_FILE"); file && *file != "os.devnull") paths.push_back(*file);
  return paths;
}

std::vector<std::string> UvConfigPaths(const util::Environment& env) {
  std::vector<std::string> paths{"/etc/uv/uv.toml"};
  auto xdg = env.Get("XDG_CONFIG_HOME");
  if (xdg && !xdg->empty())
    paths.push_back(*xdg + "/uv/uv.toml");
  else if (auto home = env.Get("HOME"))
    paths.push_back(*home + "/.config/uv/uv.toml");
  return paths;
}

UserIndex ResolvePipIndex(const util::Environment& env,
                          const std::vector<std::pair<std::string, std::string>>& files) {
  UserIndex out;
  if (env.Get("PIP_CONFIG_FILE") != std::optional<std::string>("os.devnull")) {
    for (const auto& [path, text] : files) ReadIni(text, path, out);
  }
  if (auto v = env.Get("PIP_INDEX_URL"); v && !Trim(*v).empty()) {
    out.index_url = Trim(*v);
    out.source = "PIP_INDEX_URL";
  }
  if (auto v = env.Get("PIP_EXTRA_INDEX_URL"); v && !Trim(*v).empty())
    out.extra_index_urls = Words(*v);
  return out;
}

UserIndex ResolveUvIndex(const util::Environment& env,
                         const std::vector<std::pair<std::string, std::string>>& files) {
  UserIndex out;
  for (const auto& [path, text] : files) ReadUvToml(text, path, out);
  for (const char* var : {"UV_INDEX_URL", "UV_DEFAULT_INDEX"}) {
    if (auto v = env.Get(var); v && !Trim(*v).empty()) {
      out.index_url = Trim(*v);
      out.source = var;
    }
  }
  if (auto v = env.Get("UV_EXTRA_INDEX_URL"); v && !Trim(*v).empty())
    out.extra_index_urls = Words(*v);
  return out;
}

}  // namespace dlenv::install
