#pragma once
// Test helper: a real one-node Slurm (scripts/slurm-test-cluster.sh: munged, slurmctld and
// slurmd from Debian's slurm-wlm, every file in one folder, on 127.0.0.1), started by the
// constructor and stopped by the destructor, whatever the test did. For tests that need
// srun, sinfo or scontrol: check Installed() and geteuid() == 0 first and skip otherwise.
//
//   testing::SlurmCluster cluster(dir);           // dir: a fresh, short path (munge's socket)
//   ASSERT_TRUE(cluster.start().ok()) << cluster.start().err;
//   auto r = cluster.Run({"srun", "-N1", "hostname"});

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "util/subprocess.h"

namespace dlenv::testing {

class SlurmCluster {
 public:
  /// munged, slurmctld, slurmd and srun are installed.
  static bool Installed();

  /// Starts the cluster in `dir`; slurmd runs DIR/healthcheck.sh every
  /// `health_interval_seconds` (the script's header says what it runs).
  explicit SlurmCluster(const std::filesystem::path& dir, int health_interval_seconds = 2);
  ~SlurmCluster();
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  /// How `start` went: ok() when the node is idle.
  const util::ChildResult& start() const { return start_; }
  const std::filesystem::path& dir() const { return dir_; }

  /// Runs a Slurm client (or anything) with SLURM_CONF pointing at this cluster.
  util::ChildResult Run(const std::vector<std::string>& argv, int deadline_seconds = 30) const;

  /// "STATE|REASON" as `sinfo -o %T|%E` prints them for the node: "idle|none".
  std::string StateAndReason(const std::string& node) const;

  /// How many health checks have finished (DIR/healthcheck.sh logs "exit N" after each).
  int HealthChecksRun() const;
  /// The exit status of each finished health check, oldest first.
  std::vector<int> HealthCheckExits() const;

  /// Polls StateAndReason until `pred` holds, up to 40 s; returns the last value seen.
  std::string WaitFor(const std::string& node,
                      const std::function<bool(const std::string&)>& pred) const;

  /// Waits (up to 40 s) until `more` further health checks have finished; false if they did not.
  [[nodiscard]] bool WaitForChecks(int more) const;

 private:
  std::filesystem::path dir_;
  util::ChildResult start_;
};

/// Running, and not a zombie waiting to be reaped.
bool ProcessAlive(pid_t pid);

}  // namespace dlenv::testing
