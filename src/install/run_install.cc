// `dlenv install`'s adapter to the world: probes the machine, reads pip's and uv's
// configuration files, asks the index, and with --run runs the command and `dlenv verify`.
#include "install/install.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "doctor/doctor.h"
#include "install/live_index.h"
#include "install/live_packages.h"
#include "install/pip_config.h"
#include "install/plan.h"
#include "probe/host.h"
#include "probe/http.h"
#include "probe/probes.h"
#include "util/environment.h"
#include "util/read_file.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

// pip.conf, uv.toml, os-release: small files; never block on a FIFO planted in their place.
std::optional<std::string> ReadText(const std::string& path) {
  return util::ReadRegularFile(path, 1u << 20).data;
}

}  // namespace

static void RunPrinted(InstallOutput& out) {
  util::ChildOptions run;
  run.deadline = std::chrono::hours(2);  // a CUDA torch is gigabytes of wheels
  out.text += "\nRunning: " + out.command + "\n";
  auto installed = util::RunCommand({"/bin/sh", "-c", out.command}, run);
  out.text += installed.out + installed.err;
  if (!installed.ok()) {
    out.text += "dlenv install: the command failed: " + installed.Describe() + "\n";
    out.exit_code = 1;
    return;
  }
  // Proof that it works: dlenv verify on that environment.
  util::ChildOptions verify;
  verify.deadline = std::chrono::minutes(10);
  auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  out.text += "\nRunning: " + self + " verify --python " + out.python_exe + "\n";
  auto checked = util::RunCommand({self, "verify", "--python", out.python_exe}, verify);
  out.text += checked.out + checked.err;
  if (!checked.ok())
    out.exit_code = checked.outcome == util::ChildResult::Outcome::kExited ? checked.exit_code : 1;
}

InstallOutput RunInstall(const InstallRequest& request_in) {
  InstallRequest request = request_in;
  if (request.arch.empty()) request.arch = probe::CpuArchitecture();
  doctor::DoctorOptions options;
  if (request.python) options.pythons = {*request.python};
  model::Snapshot snapshot = probe::TakeSnapshot(doctor::MakeProbeContext(options));
  const FrameworkFacts& facts = BuiltinFrameworkFacts();
  Machine host = Describe(request, snapshot);

  // The user's own index, as their package manager would read it.
  auto env = util::Environment::FromProcess();
  std::string prefix;
  for (const auto& e : snapshot.python_envs) {
    if (e.executable && *e.executable == host.python_exe) prefix = e.prefix;
  }
  std::vector<std::pair<std::string, std::string>> files;
  auto paths = request.manager == Manager::kUv ? UvConfigPaths(env) : PipConfigPaths(env, prefix);
  for (const auto& p : paths) {
    if (auto text = ReadText(p)) files.emplace_back(p, *text);
  }
  UserIndex user =
      request.manager == Manager::kUv ? ResolveUvIndex(env, files) : ResolvePipIndex(env, files);

  std::vector<std::string> notes;
  if (!user.index_url.empty())
    notes.push_back(
        fmt::format("your index {} (from {}) is kept in the command", user.index_url, user.source));
  LiveIndex live;
  bool use_live = false;
  const bool torch = request.framework == "torch" || request.framework == "pytorch";
  std::string offline_why;
  if (request.offline) {
    offline_why = "--offline";
  } else if (!probe::HttpSupported()) {
    offline_why = "this dlenv was built without network support (the portable build)";
  } else {
    std::string cache = probe::DefaultCacheDir();
    Fetch fetch = [&](const probe::HttpRequest& r) {
      return probe::CachedHttpGet(r, cache, 3600, request.refresh);
    };
    bool reached = false;
    live = torch ? FetchTorchBuilds(request, user, facts, host, fetch, &reached)
                 : FetchFrameworkBuilds(request.framework, request, user, facts, host, fetch,
                                        &reached);
    notes.insert(notes.end(), live.notes.begin(), live.notes.end());
    use_live = reached;
    if (!reached)
      offline_why = "the index could not be reached";
    else if (!cache.empty())
      notes.push_back(
          fmt::format("index pages are cached for an hour in {} (--refresh asks again)", cache));
  }
  if (!use_live) {
    notes.push_back(fmt::format(
        "OFFLINE ANSWER ({}): from dlenv's embedded table dated {}; newer releases may exist",
        offline_why, facts.date));
  }

  InstallPlan plan = PlanInstall(request, snapshot, knowledge::BuiltinKnowledge(), facts,
                                 use_live ? &live : nullptr, user);
  InstallOutput out;
  std::string notes_text;
  for (const auto& n : notes) notes_text += "  - " + n + "\n";
  if (!plan.ok) {
    out.text = "dlenv install: " + plan.error + "\n\nIndex:\n" + notes_text;
    out.exit_code = 1;
    return out;
  }
  out.text = plan.command + "\n\nWhy:\n";
  for (const auto& r : plan.reasons) out.text += "  - " + r + "\n";
  out.text += "\nIndex:\n" + notes_text;
  out.command = plan.command;
  out.python_exe = host.python_exe;
  if (request.run) RunPrinted(out);
  return out;
}


}  // namespace dlenv::install
