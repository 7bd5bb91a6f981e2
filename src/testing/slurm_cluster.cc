#include "testing/slurm_cluster.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "testing/temp_tree.h"
#include "util/environment.h"
#include "util/strings.h"

namespace dlenv::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kScript = fs::path(DLENV_SOURCE_DIR) / "scripts/slurm-test-cluster.sh";

util::ChildResult Script(const std::string& action, const fs::path& dir,
                         std::map<std::string, std::string> env) {
  util::ChildOptions o;
  o.deadline = std::chrono::seconds(60);
  o.env = std::move(env);
  return util::RunCommand({kScript.string(), action, dir.string()}, o);
}

}  // namespace

bool SlurmCluster::Installed() {
  for (const char* tool :
       {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/srun"})
    if (!fs::exists(tool)) return false;
  return true;
}

SlurmCluster::SlurmCluster(const fs::path& dir, int health_interval_seconds) : dir_(dir) {
  auto env = util::Environment::FromProcess().vars();
  env["DLENV_HEALTH_INTERVAL"] = std::to_string(health_interval_seconds);
  start_ = Script("start", dir_, env);
}

SlurmCluster::~SlurmCluster() { Script("stop", dir_, util::Environment::FromProcess().vars()); }

util::ChildResult SlurmCluster::Run(const std::vector<std::string>& argv,
                                    int deadline_seconds) const {
  util::ChildOptions o;
  o.deadline = std::chrono::seconds(deadline_seconds);
  auto env = util::Environment::FromProcess().vars();
  env["SLURM_CONF"] = (dir_ / "slurm.conf").string();
  o.env = env;
  return util::RunCommand(argv, o);
}

std::string SlurmCluster::StateAndReason(const std::string& node) const {
  return std::string(util::Trim(Run({"sinfo", "-h", "-n", node, "-o", "%T|%E"}).out));
}

int SlurmCluster::HealthChecksRun() const { return static_cast<int>(HealthCheckExits().size()); }

std::vector<int> SlurmCluster::HealthCheckExits() const {
  std::ifstream in(dir_ / "log/healthcheck.log");
  std::vector<int> exits;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("exit ")) exits.push_back(std::atoi(line.c_str() + 5));
  }
  return exits;
}

std::string SlurmCluster::WaitFor(const std::string& node,
                                  const std::function<bool(const std::string&)>& pred) const {
  std::string last;
  for (int i = 0; i < 200; ++i) {
    last = StateAndReason(node);
    if (pred(last)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return last;
}

bool SlurmCluster::WaitForChecks(int more) const {
  const int target = HealthChecksRun() + more;
  for (int i = 0; i < 200 && HealthChecksRun() < target; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return HealthChecksRun() >= target;
}

bool ProcessAlive(pid_t pid) {
  std::string stat = ReadAll(fs::path("/proc") / std::to_string(pid) / "stat");
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

}  // namespace dlenv::testing
