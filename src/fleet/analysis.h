#pragma once
// The fleet report's judgement, pure: nodes grouped by environment, each group graded
// against the baseline (the team's lock, else the majority), unhealthy, missing, stale,
// skewed and duplicated nodes, and rejected files. Renderers (render.h) only print it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleet/report_reader.h"
#include "lock/diff.h"
#include "lock/lock.h"
#include "model/command.h"

namespace dlenv::fleet {

struct AnalysisOptions {
  std::optional<lock::Lock> team_lock;               // --lock: the baseline when given
  std::string team_lock_name;                        // its path, for the output
  std::optional<std::vector<std::string>> expected;  // --expect or sinfo: nodes that should report
  std::string expected_source;                       // "--expect", "sinfo"
  std::int64_t stale_after_seconds = 3600;           // older than the newest report by more: stale
  std::int64_t skew_tolerance_seconds = 300;         // node clock vs the file server's
};

struct EnvironmentGroup {
  std::string hash;
  std::vector<std::string> hosts;  // sorted
  std::string hostlist;            // Slurm's compressed form
  bool baseline = false;
  bool diffed = false;  // the baseline's and this group's environments were both known
  lock::LockDiff diff;  // from the baseline to this group; empty for the baseline
  std::optional<lock::Impact> worst;
  std::string summary;  // "torch 2.3.1+cu121 -> 2.4.0+cu121, driver 550.54.15 -> 555.42.02"
};

struct UnhealthyNode {
  std::string host;
  std::vector<std::string> reasons;
};

struct NodeNote {
  std::string host;  // or a file name
  std::string detail;
};

struct FleetAnalysis {
  std::size_t reports = 0;  // nodes counted (after duplicates)
  std::optional<std::string> baseline_hash;
  std::string baseline_source;           // "team.lock", "majority (1,980 of 2,000 nodes)"
  bool baseline_seen = false;            // some node has the baseline environment
  std::vector<EnvironmentGroup> groups;  // baseline first, then by size
  std::vector<UnhealthyNode> unhealthy;
  std::vector<std::string> missing;  // expected, no report
  std::string missing_hostlist;
  std::vector<std::string> unexpected;  // reported, not expected
  std::vector<NodeNote> stale;
  std::vector<NodeNote> skewed;  // against the other nodes
  std::string file_server_skew;  // the nodes together against the file server; empty when agreed
  std::vector<NodeNote> duplicates;
  std::vector<Rejection> rejected;
  std::optional<std::int64_t> newest_unix;
  double slowest_snapshot_seconds = 0;

  bool BreakingDrift() const;
  /// 0 consistent and healthy; 1 breaking drift, an unhealthy node, a missing expected node
  /// or a rejected report. (2, bad input, is decided before analysis.)
  model::ExitCode ExitCode() const;
};

/// `known` holds each environment by hash (FleetInput::environments).
FleetAnalysis AnalyzeFleet(std::vector<NodeReport> nodes, std::vector<Rejection> rejected,
                           const EnvironmentCache& known, const AnalysisOptions& options);

}  // namespace dlenv::fleet
