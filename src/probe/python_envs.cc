#include "probe/python_envs.h"

#include <algorithm>
#include <filesystem>

#include "probe/extensions.h"
#include "probe/frameworks.h"
#include "probe/nvidia_wheels.h"
#include "probe/python_packages.h"
#include "util/conda_meta.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// A place an environment may be: an interpreter path or a prefix, and how we heard of it.
struct Candidate {
  std::string path;
  std::string found_via;
  bool is_prefix = false;
};

bool IsPythonName(std::string_view name) {
  // python, python3, python3.11 (not python3-config, python3.11-dbg-config, ...)
  if (name.substr(0, 6) != "python") return false;
  std::string_view rest = name.substr(6);
  if (rest.empty()) return true;
  auto dot = rest.find('.');
  auto digits = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dot == std::string_view::npos) return digits(rest);
  return digits(rest.substr(0, dot)) && digits(rest.substr(dot + 1));
}

bool LooksLikePrefix(const ProbeContext& ctx, const fs::path& prefix) {
  if (ctx.fs.IsRegularFile(prefix / "pyvenv.cfg") || ctx.fs.IsDirectory(prefix / "conda-meta"))
    return true;
  for (const std::string& e : ctx.fs.ListDir(prefix / "lib")) {
    if (e.rfind("python3", 0) == 0 || e.rfind("python2", 0) == 0) return true;
  }
  return false;
}

// pyenv's shims are shell scripts that pick a version at run time; read the same
// choice pyenv would make (PYENV_VERSION, else the global version file) without running it.
std::optional<fs::path> PyenvShimPrefix(const ProbeContext& ctx, const fs::path& shims) {
  fs::path root = shims.parent_path();
  if (shims.filename() != "shims" || !ctx.fs.IsDirectory(root / "versions")) return std::nullopt;
  std::string version = ctx.env.Get("PYENV_VERSION").value_or("");
  if (version.empty()) {
    auto text = ctx.fs.ReadFile(root / "version", 4096);
    if (text) {
      for (std::string_view line : util::Lines(*text)) {
        if (!util::Trim(line).empty() && util::Trim(line).front() != '#') {
          version = std::string(util::Trim(line));
          break;
        }
      }
    }
  }
  version = version.substr(0, version.find(':'));
  if (version.empty() || version == "system") return std::nullopt;
  fs::path prefix = root / "versions" / version;
  if (!ctx.fs.IsDirectory(prefix)) return std::nullopt;
  return prefix;
}

// The prefix (sys.prefix) of an interpreter, found from files alone.
std::optional<fs::path> PrefixOfExecutable(const ProbeContext& ctx, const fs::path& exe) {
  if (ctx.fs.IsDirectory(exe)) return LooksLikePrefix(ctx, exe) ? std::optional(exe) : std::nullopt;
  fs::path dir = exe.parent_path();
  // A venv's interpreter is a link to its base one; pyvenv.cfg beside bin/ makes it a venv
  // (still worth reading when that link is broken).
  if (ctx.fs.IsRegularFile(dir.parent_path() / "pyvenv.cfg")) return dir.parent_path();
  if (!ctx.fs.Exists(exe)) return std::nullopt;
  if (auto p = PyenvShimPrefix(ctx, dir)) return p;
  fs::path real = ctx.fs.Canonical(exe);
  if (real.parent_path().filename() != "bin") return std::nullopt;
  fs::path prefix = real.parent_path().parent_path();
  if (!LooksLikePrefix(ctx, prefix)) return std::nullopt;
  return prefix;
}

std::map<std::string, std::string> ReadPyvenvCfg(const std::string& text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : util::Lines(text)) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    out[util::ToLower(util::Trim(line.substr(0, eq)))] =
        std::string(util::Trim(line.substr(eq + 1)));
  }
  return out;
}

// "3.11.2", "3.12.1.final.0" -> "3.11.2", "3.12.1"
std::string FirstThreeParts(const std::string& v) {
  std::vector<std::string> parts = util::Split(v, '.');
  if (parts.size() > 3) parts.resize(3);
  return util::Join(parts, ".");
}

std::optional<std::string> MajorMinor(const std::optional<std::string>& v) {
  if (!v) return std::nullopt;
  std::vector<std::string> parts = util::Split(*v, '.');
  if (parts.size() < 2) return std::nullopt;
  return parts[0] + "." + parts[1];
}

std::optional<std::string> CondaPythonVersion(const ProbeContext& ctx, const fs::path& prefix) {
  for (const std::string& entry : ctx.fs.ListDir(prefix / "conda-meta")) {
    if (entry.rfind("python-", 0) != 0 || entry.size() < 12 ||
        entry.substr(entry.size() - 5) != ".json")
      continue;
    auto text = ctx.fs.ReadFile(prefix / "conda-meta" / entry);
    if (!text) continue;
    auto rec = util::ParseCondaMeta(*text);
    if (rec && rec->name == "python") return rec->version;
  }
  return std::nullopt;
}

// lib/python3.11 holding the standard library (os.py) or a venv's site-packages; the
// newest wins when an upgrade left an old folder behind.
std::optional<std::string> LibFolderVersion(const ProbeContext& ctx, const fs::path& prefix) {
  std::optional<util::Pep440Version> best;
  std::string best_text;
  for (const std::string& entry : ctx.fs.ListDir(prefix / "lib")) {
    if (entry.rfind("python", 0) != 0 || !IsPythonName(entry) ||
        entry.find('.') == std::string::npos)
      continue;
    fs::path dir = prefix / "lib" / entry;
    if (!ctx.fs.IsRegularFile(dir / "os.py") && !ctx.fs.IsDirectory(dir / "site-packages"))
      continue;
    auto v = util::Pep440Version::Parse(entry.substr(6));
    if (v && (!best || *v > *best)) {
      best = v;
      best_text = entry.substr(6);
    }
  }
  if (!best) return std::nullopt;
  return best_text;
}

std::optional<std::string> NameVersion(const ProbeContext& ctx, const fs::path& prefix) {
  std::optional<std::string> best;
  for (const char* sub : {"bin", "lib"}) {
    for (const std::string& entry : ctx.fs.ListDir(prefix / sub)) {
      std::string_view name = entry;
      if (name.rfind("libpython", 0) == 0) name.remove_prefix(3);
      if (auto so = name.find(".so"); so != std::string_view::npos) name = name.substr(0, so);
      if (IsPythonName(name) && name.find('.') != std::string_view::npos)
        best = std::string(name.substr(6));
    }
    if (best) return best;
  }
  return std::nullopt;
}

// The patch level, where a file states it: the C headers, or Debian's package database.
std::optional<std::string> PatchLevel(const ProbeContext& ctx, const fs::path& prefix,
                                      const std::string& mm) {
  if (auto h = ctx.fs.ReadFile(prefix / "include" / ("python" + mm) / "patchlevel.h", 1u << 20)) {
    auto at = h->find("#define PY_VERSION");
    if (at != std::string::npos) {
      auto q1 = h->find('"', at), q2 = q1 == std::string::npos ? q1 : h->find('"', q1 + 1);
      if (q2 != std::string::npos) return h->substr(q1 + 1, q2 - q1 - 1);
    }
  }
  if (prefix == "/usr") {
    auto status = ctx.fs.ReadFile("/var/lib/dpkg/status", 64u << 20);
    std::string key = "Package: python" + mm + "-minimal\n";
    if (status) {
      auto at = status->find(key);
      auto end = at == std::string::npos ? at : status->find("\n\n", at);
      auto ver = at == std::string::npos ? at : status->find("\nVersion: ", at);
      if (ver != std::string::npos && ver < end) {
        std::string v = status->substr(ver + 10, status->find('\n', ver + 1) - ver - 10);
        return v.substr(0, v.find_first_of("-+~"));  // 3.11.2-6+deb12u1 -> 3.11.2
      }
    }
  }
  std::string name = prefix.filename().string();  // pyenv: versions/3.11.7
  if (name.rfind(mm + ".", 0) == 0) return name;
  return std::nullopt;
}

// site-packages folders in the order site.py puts them on sys.path.
std::vector<std::string> OwnSiteDirs(const ProbeContext& ctx, const fs::path& prefix,
                                     const std::string& mm) {
  std::vector<fs::path> dirs;
  std::string py = "python" + mm;
  if (ctx.fs.IsDirectory(prefix / "lib/python3/dist-packages")) {
    // Debian's patched site.py.
    dirs = {prefix / "local/lib" / py / "dist-packages", prefix / "lib/python3/dist-packages",
            prefix / "lib" / py / "dist-packages"};
  } else {
    dirs = {prefix / "lib" / py / "site-packages", prefix / "lib64" / py / "site-packages"};
  }
  std::vector<std::string> out;
  std::vector<std::string> real;
  for (const fs::path& d : dirs) {
    if (!ctx.fs.IsDirectory(d)) continue;
    std::string c = ctx.fs.Canonical(d).string();
    if (std::find(real.begin(), real.end(), c) != real.end()) continue;
    real.push_back(c);
    out.push_back(d.string());
  }
  return out;
}

std::optional<model::PythonEnv> ReadEnvironment(const ProbeContext& ctx,
                                                const fs::path& prefix_in) {
  fs::path prefix = ctx.fs.Canonical(prefix_in);
  if (!LooksLikePrefix(ctx, prefix)) return std::nullopt;
  model::PythonEnv env;
  env.prefix = prefix.string();

  std::optional<fs::path> base_prefix;
  bool system_site = true;
  if (auto cfg_text = ctx.fs.ReadFile(prefix / "pyvenv.cfg", 1u << 20)) {
    auto cfg = ReadPyvenvCfg(*cfg_text);
    env.kind = "venv";
    std::string v = cfg.count("version")        ? cfg["version"]
                    : cfg.count("version_info") ? cfg["version_info"]
                                                : "";
    if (!v.empty()) env.python_version = FirstThreeParts(v);
    system_site = util::ToLower(cfg["include-system-site-packages"]) == "true";
    if (!cfg["home"].empty()) {
      fs::path home = ctx.fs.Canonical(cfg["home"]);
      base_prefix = home.filename() == "bin" ? home.parent_path() : home;
    }
  } else if (ctx.fs.IsDirectory(prefix / "conda-meta")) {
    env.kind = ctx.fs.IsDirectory(prefix / "condabin") || ctx.fs.IsDirectory(prefix / "envs")
                   ? "conda-base"
                   : "conda";
    env.python_version = CondaPythonVersion(ctx, prefix);
  } else {
    env.kind = "system";
  }
  if (!env.python_version) env.python_version = LibFolderVersion(ctx, prefix);
  if (!env.python_version && base_prefix) env.python_version = LibFolderVersion(ctx, *base_prefix);
  if (!env.python_version) env.python_version = NameVersion(ctx, prefix);
  auto mm = MajorMinor(env.python_version);
  if (mm && *env.python_version == *mm) {
    if (auto patch = PatchLevel(ctx, base_prefix.value_or(prefix), *mm)) env.python_version = patch;
  }

  if (mm) {
    for (std::string name : {"python" + *mm, std::string("python3"), std::string("python")}) {
      if (ctx.fs.Exists(prefix / "bin" / name)) {
        env.executable = (prefix / "bin" / name).string();
        break;
      }
    }
  }

  // sys.path order: the user site, then the environment's own folders, then (for a venv
  // made with --system-site-packages) its base interpreter's.
  std::vector<std::string> dirs;
  if (mm) {
    bool user_site = (env.kind != "venv" || system_site) && !ctx.env.Get("PYTHONNOUSERSITE");
    auto home = ctx.env.Get("HOME");
    if (user_site && home && !home->empty()) {
      fs::path user = fs::path(*home) / ".local/lib" / ("python" + *mm) / "site-packages";
      if (ctx.fs.IsDirectory(user)) dirs.push_back(user.string());
    }
    for (auto& d : OwnSiteDirs(ctx, prefix, *mm)) dirs.push_back(d);
    if (env.kind == "venv" && system_site && base_prefix) {
      for (auto& d : OwnSiteDirs(ctx, *base_prefix, *mm)) dirs.push_back(d);
    }
  }
  for (const std::string& d : dirs) {
    for (std::string& p : ExpandPthFiles(ctx, d)) {
      if (std::find(env.site_packages.begin(), env.site_packages.end(), p) ==
          env.site_packages.end()) {
        env.site_packages.push_back(std::move(p));
      }
    }
  }
  env.packages = ReadPackages(ctx, env.prefix, env.site_packages, &env.skipped_files);
  return env;
}

void AddCondaInstall(const ProbeContext& ctx, const fs::path& root, std::vector<Candidate>& out) {
  if (ctx.fs.IsDirectory(root / "conda-meta"))
    out.push_back({root.string(), "conda install " + root.string(), true});
  for (const std::string& e : ctx.fs.ListDir(root / "envs")) {
    if (ctx.fs.IsDirectory(root / "envs" / e / "conda-meta")) {
      out.push_back({(root / "envs" / e).string(), "conda envs folder", true});
    }
  }
}

std::vector<Candidate> Candidates(const ProbeContext& ctx) {
  std::vector<Candidate> out;
  for (const std::string& p : ctx.extra_pythons) out.push_back({p, "--python", false});
  if (auto v = ctx.env.Get("VIRTUAL_ENV"); v && !v->empty())
    out.push_back({*v, "VIRTUAL_ENV", true});
  if (auto v = ctx.env.Get("CONDA_PREFIX"); v && !v->empty())
    out.push_back({*v, "CONDA_PREFIX", true});
  for (const std::string& dir : ctx.env.GetList("PATH")) {
    for (const std::string& name : ctx.fs.ListDir(dir)) {
      if (IsPythonName(name)) out.push_back({(fs::path(dir) / name).string(), "PATH", false});
    }
  }
  std::optional<std::string> cwd = ctx.env.Get("PWD");
  if (!cwd && ctx.fs.is_host()) {
    std::error_code ec;
    fs::path p = fs::current_path(ec);
    if (!ec) cwd = p.string();
  }
  if (cwd) out.push_back({(fs::path(*cwd) / ".venv").string(), "./.venv", true});

  auto home = ctx.env.Get("HOME");
  if (home && !home->empty()) {
    if (auto text = ctx.fs.ReadFile(fs::path(*home) / ".conda/environments.txt", 1u << 20)) {
      for (std::string_view line : util::Lines(*text)) {
        if (!util::Trim(line).empty())
          out.push_back({std::string(util::Trim(line)), "environments.txt", true});
      }
    }
    AddCondaInstall(ctx, fs::path(*home) / ".conda", out);
  }
  // Conda, mamba, miniforge and micromamba installs, whatever their folder is called.
  std::vector<fs::path> roots;
  if (auto exe = ctx.env.Get("CONDA_EXE"))
    roots.push_back(fs::path(*exe).parent_path().parent_path());
  if (auto r = ctx.env.Get("MAMBA_ROOT_PREFIX")) roots.push_back(*r);
  for (const fs::path& parent : {home ? fs::path(*home) : fs::path(), fs::path("/opt")}) {
    if (parent.empty()) continue;
    for (const std::string& e : ctx.fs.ListDir(parent)) {
      fs::path r = parent / e;
      if (ctx.fs.IsDirectory(r / "conda-meta") || ctx.fs.IsDirectory(r / "envs"))
        roots.push_back(r);
    }
  }
  for (const fs::path& r : roots) AddCondaInstall(ctx, r, out);
  return out;
}

}  // namespace

void ProbePythonEnvs(const ProbeContext& ctx, model::Snapshot& snapshot) {
  std::vector<model::PythonEnv>& envs = snapshot.python_envs;
  for (const Candidate& c : Candidates(ctx)) {
    std::optional<fs::path> prefix =
        c.is_prefix
            ? (LooksLikePrefix(ctx, c.path) ? std::optional<fs::path>(c.path) : std::nullopt)
            : PrefixOfExecutable(ctx, c.path);
    if (!prefix) continue;
    std::string key = ctx.fs.Canonical(*prefix).string();
    auto it =
        std::find_if(envs.begin(), envs.end(), [&](const auto& e) { return e.prefix == key; });
    if (it == envs.end()) {
      auto env = ReadEnvironment(ctx, *prefix);
      if (!env) continue;
      if (!c.is_prefix) env->executable = c.path;
      envs.push_back(std::move(*env));
      it = envs.end() - 1;
    }
    if (std::find(it->found_via.begin(), it->found_via.end(), c.found_via) == it->found_via.end()) {
      it->found_via.push_back(c.found_via);
    }
  }
  for (model::PythonEnv& env : envs) {
    env.frameworks = ReadFrameworkBuilds(ctx, env, snapshot.libraries, &env.skipped_files);
    env.extensions = ReadCompiledExtensions(ctx, env);
    env.nvidia_library_gaps = ReadNvidiaLibraryGaps(ctx, env);
    env.cuda_library_variants = ReadCudaLibraryVariants(ctx, env);
  }
}

}  // namespace dlenv::probe
