#include "fleet/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "fleet/hostlist.h"

namespace dlenv::fleet {
namespace {

std::string Describe(const lock::Change& c) {
  std::string what = c.section == c.item || c.item.empty() ? c.section : c.item;
  if (c.from && c.to) return fmt::format("{} {} -> {}", what, *c.from, *c.to);
  if (c.to) return fmt::format("{} {} added", what, *c.to);
  if (c.from) return fmt::format("{} {} removed", what, *c.from);
  return what + " changed";
}

// The first few changes, worst first, for a one-line summary.
std::string Summary(const lock::LockDiff& diff) {
  std::string s;
  std::size_t shown = 0;
  for (const auto& c : diff.changes) {
    if (shown == 3) {
      s += fmt::format(", and {} more", diff.changes.size() - shown);
      break;
    }
    if (!s.empty()) s += ", ";
    s += Describe(c);
    ++shown;
  }
  return s;
}

std::string Age(std::int64_t seconds) {
  if (seconds < 120) return fmt::format("{} s", seconds);
  if (seconds < 7200) return fmt::format("{} min", seconds / 60);
  if (seconds < 172800) return fmt::format("{:.1f} h", seconds / 3600.0);
  return fmt::format("{:.1f} days", seconds / 86400.0);
}

// Duplicate host names: keep the newest report of each, name the others.
std::vector<NodeReport> Deduplicate(std::vector<NodeReport> nodes,
                                    std::vector<NodeNote>& duplicates) {
  std::stable_sort(nodes.begin(), nodes.end(), [](const NodeReport& a, const NodeReport& b) {
    if (a.hostname != b.hostname) return a.hostname < b.hostname;
    return a.generated_unix.value_or(0) > b.generated_unix.value_or(0);
  });
  std::vector<NodeReport> kept;
  for (auto& n : nodes) {
    if (!kept.empty() && kept.back().hostname == n.hostname) {
      duplicates.push_back(
          {n.hostname,
           fmt::format("{} also claims to be {} (generated {}); counted {} (generated {}), "
                       "the newest",
                       n.file, n.hostname, n.generated_at, kept.back().file,
                       kept.back().generated_at)});
      continue;
    }
    kept.push_back(std::move(n));
  }
  return kept;
}

}  // namespace

bool FleetAnalysis::BreakingDrift() const {
  for (const auto& g : groups) {
    if (g.worst == lock::Impact::kBreaking) return true;
  }
  return false;
}

model::ExitCode FleetAnalysis::ExitCode() const {
  if (BreakingDrift() || !unhealthy.empty() || !missing.empty() || !rejected.empty())
    return model::ExitCode::kFindings;
  return model::ExitCode::kOk;
}

namespace {

// Groups by environment hash, each diffed against the baseline (the team lock, else the
// majority's environment).
void GroupEnvironments(const std::vector<NodeReport>& nodes, const EnvironmentCache& known,
                       const AnalysisOptions& options, FleetAnalysis& a) {
  std::map<std::string, std::vector<std::string>> by_hash;
  for (const auto& n : nodes) by_hash[n.env_hash].push_back(n.hostname);
  if (options.team_lock) {
    a.baseline_hash = options.team_lock->content_hash;
    a.baseline_source = options.team_lock_name;
  } else if (!by_hash.empty()) {
    // The majority; ties go to the smaller hash so that the choice is stable.
    auto best = by_hash.begin();
    for (auto it = by_hash.begin(); it != by_hash.end(); ++it) {
      if (it->second.size() > best->second.size()) best = it;
    }
    a.baseline_hash = best->first;
    a.baseline_source =
        fmt::format("the majority ({} of {} nodes)", best->second.size(), nodes.size());
  }
  const lock::Lock* baseline = nullptr;
  if (options.team_lock)
    baseline = &*options.team_lock;
  else if (a.baseline_hash && known.count(*a.baseline_hash))
    baseline = &known.at(*a.baseline_hash).lock;

  for (auto& [hash, hosts] : by_hash) {
    EnvironmentGroup g;
    g.hash = hash;
    g.hosts = std::move(hosts);
    std::sort(g.hosts.begin(), g.hosts.end());
    g.hostlist = CompressHostlist(g.hosts);
    g.baseline = a.baseline_hash && hash == *a.baseline_hash;
    a.baseline_seen = a.baseline_seen || g.baseline;
    if (!g.baseline && baseline && known.count(hash)) {
      g.diffed = true;
      g.diff = lock::DiffLocks(*baseline, known.at(hash).lock);
      g.worst = g.diff.Worst();
      g.summary = Summary(g.diff);
    }
    a.groups.push_back(std::move(g));
  }
  std::stable_sort(a.groups.begin(), a.groups.end(),
                   [](const EnvironmentGroup& x, const EnvironmentGroup& y) {
                     if (x.baseline != y.baseline) return x.baseline;
                     return x.hosts.size() > y.hosts.size();
                   });
}

void FindUnhealthy(const std::vector<NodeReport>& nodes, FleetAnalysis& a) {
  for (const auto& n : nodes) {
    if (n.Healthy()) continue;
    UnhealthyNode u{n.hostname, {}};
    for (const auto& g : n.gpus) {
      for (const auto& r : g.health.reasons)
        u.reasons.push_back(fmt::format("GPU {} ({}): {}", g.index, g.name, r));
    }
    for (const auto& f : n.error_findings)
      u.reasons.push_back(fmt::format("{}: {}", f.id, f.title));
    a.unhealthy.push_back(std::move(u));
  }
}

void FindStale(const std::vector<NodeReport>& nodes, const AnalysisOptions& options,
               FleetAnalysis& a) {
  // Stale reports: against the newest, on the file server's clock where known.
  auto when = [](const NodeReport& n) { return n.mtime_unix ? n.mtime_unix : n.generated_unix; };
  for (const auto& n : nodes) {
    if (auto t = when(n); t && (!a.newest_unix || *t > *a.newest_unix)) a.newest_unix = t;
    a.slowest_snapshot_seconds = std::max(a.slowest_snapshot_seconds, n.duration_seconds);
  }
  for (const auto& n : nodes) {
    auto t = when(n);
    if (t && a.newest_unix && *a.newest_unix - *t > options.stale_after_seconds) {
      a.stale.push_back({n.hostname, fmt::format("generated {}, {} before the newest report",
                                                 n.generated_at, Age(*a.newest_unix - *t))});
    }
  }
}

void FindClockSkew(const std::vector<NodeReport>& nodes, const AnalysisOptions& options,
                   FleetAnalysis& a) {
  // Each node's clock against the file server's is generated_at - mtime. When the file
  // server's own clock is off, every node shows the same offset: judge each node against
  // the fleet's median offset, and name the file server's once.
  std::vector<std::int64_t> offsets;
  for (const auto& n : nodes) {
    if (n.mtime_unix && n.generated_unix) offsets.push_back(*n.generated_unix - *n.mtime_unix);
  }
  if (!offsets.empty()) {
    std::nth_element(offsets.begin(), offsets.begin() + offsets.size() / 2, offsets.end());
    std::int64_t median = offsets[offsets.size() / 2];
    if (std::abs(median) > options.skew_tolerance_seconds) {
      a.file_server_skew =
          fmt::format("most nodes' clocks are {} {} the file server's (file modification times)",
                      Age(std::abs(median)), median > 0 ? "ahead of" : "behind");
    }
    for (const auto& n : nodes) {
      if (!n.mtime_unix || !n.generated_unix) continue;
      std::int64_t skew = *n.generated_unix - *n.mtime_unix - median;
      if (std::abs(skew) > options.skew_tolerance_seconds) {
        a.skewed.push_back(
            {n.hostname,
             fmt::format("clock {} {} the other nodes' (generated_at {})", Age(std::abs(skew)),
                         skew > 0 ? "ahead of" : "behind", n.generated_at)});
      }
    }
  }
}

void FindMissing(const std::vector<NodeReport>& nodes, const AnalysisOptions& options,
                 FleetAnalysis& a) {
  if (!options.expected) return;
  // Expected but missing, and reporting but not expected.
  std::set<std::string> seen;
  for (const auto& n : nodes) seen.insert(n.hostname);
  // A node whose file was rejected did answer; it is listed once, with the reason.
  std::set<std::string> rejected_names;
  for (const auto& r : a.rejected) {
    if (r.file.ends_with(".json")) rejected_names.insert(r.file.substr(0, r.file.size() - 5));
  }
  std::set<std::string> expected(options.expected->begin(), options.expected->end());
  for (const auto& e : expected) {
    if (!seen.count(e) && !rejected_names.count(e)) a.missing.push_back(e);
  }
  for (const auto& s : seen) {
    if (!expected.count(s)) a.unexpected.push_back(s);
  }
  a.missing_hostlist = CompressHostlist(a.missing);
}

}  // namespace

FleetAnalysis AnalyzeFleet(std::vector<NodeReport> nodes, std::vector<Rejection> rejected,
                           const EnvironmentCache& known, const AnalysisOptions& options) {
  FleetAnalysis a;
  a.rejected = std::move(rejected);
  nodes = Deduplicate(std::move(nodes), a.duplicates);
  a.reports = nodes.size();
  GroupEnvironments(nodes, known, options, a);
  FindUnhealthy(nodes, a);
  FindStale(nodes, options, a);
  FindClockSkew(nodes, options, a);
  FindMissing(nodes, options, a);
  return a;
}

}  // namespace dlenv::fleet
