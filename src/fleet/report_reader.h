#pragma once
// Reading one node's report (what `dlenv fleet snapshot` wrote) that may be truncated,
// empty, huge, hostile, of the wrong shape or from a newer dlenv: a node, or a rejection
// that says why. Never throws: one bad file must not hide the rest of the fleet.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lock/lock.h"
#include "model/finding.h"
#include "rules/gpu_health.h"

namespace dlenv::fleet {

/// Files larger than this are refused unread: a real report is tens of kilobytes.
inline constexpr std::size_t kMaxReportBytes = 16u << 20;
/// Deeper than any report (the lock inside nests six levels).
inline constexpr int kMaxReportDepth = 32;

struct NodeGpu {
  int index = 0;
  std::string name;
  rules::GpuHealth health;  // assessed again by this dlenv from the raw values in the file
};

struct NodeReport {
  std::string file;  // the file's name in DIR
  std::string hostname;
  std::string dlenv_version;
  std::string generated_at;                    // as written
  std::optional<std::int64_t> generated_unix;  // parsed; nullopt when unreadable
  std::optional<std::int64_t>
      mtime_unix;  // the file's time on the file server (filled by the caller)
  double duration_seconds = 0;
  std::string env_hash;  // the lock's content hash, checked
  std::vector<model::Finding> error_findings;
  std::size_t warning_findings = 0;
  std::vector<NodeGpu> gpus;

  bool Healthy() const;
};

struct Rejection {
  std::string file;
  std::string reason;
};

/// An environment already read: its lock, and the environment as parsed (a later report
/// that states the same hash is compared to it rather than hashed again).
struct KnownEnvironment {
  lock::Lock lock;
  nlohmann::json environment;
};
/// By content hash.
using EnvironmentCache = std::map<std::string, KnownEnvironment>;

struct ReadOutcome {
  std::optional<NodeReport> node;
  std::optional<Rejection> rejection;
};

/// Parses one report. A report whose environment is new is read in full and added to
/// `known`; one already known is only compared with it (so 10,000 nodes with one
/// environment build one Lock and hash one environment).
ReadOutcome ParseFleetReport(std::string_view text, const std::string& file,
                             EnvironmentCache& known);

/// "2026-11-30T03:00:00Z" -> seconds since 1970; nullopt for anything else.
std::optional<std::int64_t> ParseUtcTimestamp(std::string_view s);

/// The deepest nesting of arrays and objects in a JSON text (strings skipped), stopping
/// early once past `limit`: a cheap guard before handing the text to the parser.
int JsonNestingDepth(std::string_view text, int limit);

}  // namespace dlenv::fleet
