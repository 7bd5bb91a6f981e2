#include "fleet/report_reader.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fleet/node_document.h"
#include "lock/lock_from_json.h"

namespace dlenv::fleet {
namespace {

using nlohmann::json;

struct Bad : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string TypeName(const json& j) {
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_null()) return "null";
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  return "something else";
}

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw Bad(path + ": " + what);
}

const json* Find(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string String(const json& obj, const std::string& path, const char* key) {
  const json* v = Find(obj, key);
  if (!v) Fail(path + key, "missing");
  if (!v->is_string()) Fail(path + key, "expected a string, found " + TypeName(*v));
  return v->get<std::string>();
}

// Absent or null reads as nullopt (an older driver that did not answer); a wrong type fails.
std::optional<std::uint64_t> OptUnsigned(const json& obj, const std::string& path,
                                         const char* key) {
  const json* v = Find(obj, key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_number_unsigned())
    Fail(path + key, "expected a non-negative integer, found " + TypeName(*v));
  return v->get<std::uint64_t>();
}

std::optional<unsigned> OptUnsigned32(const json& obj, const std::string& path, const char* key) {
  auto v = OptUnsigned(obj, path, key);
  if (!v) return std::nullopt;
  if (*v > 0xffffffffu) Fail(path + key, "out of range");
  return static_cast<unsigned>(*v);
}

std::optional<bool> OptBool(const json& obj, const std::string& path, const char* key) {
  const json* v = Find(obj, key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_boolean()) Fail(path + key, "expected true or false, found " + TypeName(*v));
  return v->get<bool>();
}

const json& Array(const json& obj, const std::string& path, const char* key) {
  const json* v = Find(obj, key);
  if (!v) Fail(path + key, "missing");
  if (!v->is_array()) Fail(path + key, "expected an array, found " + TypeName(*v));
  return *v;
}

model::Severity SeverityOf(const std::string& s, const std::string& path) {
  if (s == "error") return model::Severity::kError;
  if (s == "warning") return model::Severity::kWarning;
  if (s == "info") return model::Severity::kInfo;
  Fail(path, "unknown severity \"" + s + "\"");
}

NodeGpu ReadGpu(const json& j, const std::string& path) {
  if (!j.is_object())
    Fail(path.substr(0, path.size() - 1), "expected an object, found " + TypeName(j));
  model::GpuInfo g;
  auto index = OptUnsigned(j, path, "index");
  if (!index || *index > 1024) Fail(path + "index", "missing or out of range");
  g.index = static_cast<int>(*index);
  g.name = String(j, path, "name");
  g.ecc_uncorrected_volatile = OptUnsigned(j, path, "ecc_uncorrected_volatile");
  g.ecc_uncorrected_aggregate = OptUnsigned(j, path, "ecc_uncorrected_aggregate");
  g.retired_pages_count = OptUnsigned32(j, path, "retired_pages_count");
  g.retired_pages_pending = OptBool(j, path, "retired_pages_pending");
  g.remapped_rows_correctable = OptUnsigned32(j, path, "remapped_rows_correctable");
  g.remapped_rows_uncorrectable = OptUnsigned32(j, path, "remapped_rows_uncorrectable");
  g.row_remap_pending = OptBool(j, path, "row_remap_pending");
  g.row_remap_failure = OptBool(j, path, "row_remap_failure");
  g.pcie_gen_current = OptUnsigned32(j, path, "pcie_gen_current");
  g.pcie_gen_max = OptUnsigned32(j, path, "pcie_gen_max");
  g.pcie_width_current = OptUnsigned32(j, path, "pcie_width_current");
  g.pcie_width_max = OptUnsigned32(j, path, "pcie_width_max");
  g.sm_clock_mhz = OptUnsigned32(j, path, "sm_clock_mhz");
  g.sm_clock_max_mhz = OptUnsigned32(j, path, "sm_clock_max_mhz");
  g.mem_clock_mhz = OptUnsigned32(j, path, "mem_clock_mhz");
  g.mem_clock_max_mhz = OptUnsigned32(j, path, "mem_clock_max_mhz");
  g.throttle_reasons = OptUnsigned(j, path, "throttle_reasons_mask");
  g.temperature_c = OptUnsigned32(j, path, "temperature_c");
  // The verdict is this dlenv's, from the raw values: nodes running older dlenv versions
  // are judged by the same rules as the rest.
  return {g.index, g.name, rules::AssessGpuHealth(g)};
}

// The lock inside the report: checked in full the first time its hash is seen; afterwards
// its environment only has to equal the one already checked.
std::string ReadLock(const json& doc, EnvironmentCache& known) {
  const json* l = Find(doc, "lock");
  if (!l) Fail("lock", "missing");
  if (!l->is_object()) Fail("lock", "expected an object, found " + TypeName(*l));
  const json* hash = Find(*l, "content_hash");
  const json* version = Find(*l, "lock_version");
  const json* env = Find(*l, "environment");
  if (hash && hash->is_string() && version && version->is_number_unsigned() && env) {
    auto it = known.find(hash->get_ref<const std::string&>());
    if (it != known.end() &&
        version->get<std::uint64_t>() == static_cast<std::uint64_t>(it->second.lock.lock_version) &&
        *env == it->second.environment) {
      return it->first;
    }
  }
  lock::ReadResult r = lock::LockFromJson(*l, "lock");
  if (!r.lock) throw Bad(r.error);
  std::string h = r.lock->content_hash;
  known.emplace(h, KnownEnvironment{std::move(*r.lock), *env});
  return h;
}

NodeReport ReadDocument(const json& doc, const std::string& file, EnvironmentCache& known) {
  NodeReport n;
  n.file = file;
  n.hostname = String(doc, "", "hostname");
  if (ShortHostname(n.hostname) != n.hostname)
    Fail("hostname", "\"" + n.hostname + "\" is not a short host name");
  n.dlenv_version = String(doc, "", "dlenv_version");
  n.generated_at = String(doc, "", "generated_at");
  n.generated_unix = ParseUtcTimestamp(n.generated_at);
  if (!n.generated_unix)
    Fail("generated_at", "\"" + n.generated_at + "\" is not a UTC time like 2026-11-30T03:00:00Z");
  const json* d = Find(doc, "duration_seconds");
  if (!d || !d->is_number() || d->get<double>() < 0)
    Fail("duration_seconds", "missing or not a non-negative number");
  n.duration_seconds = d->get<double>();
  n.env_hash = ReadLock(doc, known);
  const json& findings = Array(doc, "", "findings");
  for (std::size_t i = 0; i < findings.size(); ++i) {
    std::string path = fmt::format("findings[{}].", i);
    const json& f = findings[i];
    if (!f.is_object())
      Fail(path.substr(0, path.size() - 1), "expected an object, found " + TypeName(f));
    auto sev = SeverityOf(String(f, path, "severity"), path + "severity");
    if (sev == model::Severity::kWarning) ++n.warning_findings;
    if (sev != model::Severity::kError) continue;
    model::Finding finding;
    finding.id = String(f, path, "id");
    finding.severity = sev;
    finding.title = String(f, path, "title");
    n.error_findings.push_back(std::move(finding));
  }
  const json& gpus = Array(doc, "", "gpus");
  for (std::size_t i = 0; i < gpus.size(); ++i)
    n.gpus.push_back(ReadGpu(gpus[i], fmt::format("gpus[{}].", i)));
  return n;
}

}  // namespace

bool NodeReport::Healthy() const {
  if (!error_findings.empty()) return false;
  for (const auto& g : gpus) {
    if (!g.health.healthy) return false;
  }
  return true;
}

int JsonNestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::optional<std::int64_t> ParseUtcTimestamp(std::string_view s) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z') {
    return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
      se = num(17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y},
                                  std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  return days * 86400 + h * 3600 + mi * 60 + se;
}

ReadOutcome ParseFleetReport(std::string_view text, const std::string& file,
                             EnvironmentCache& known) {
  ReadOutcome out;
  auto reject = [&](std::string reason) {
    out.rejection = Rejection{file, std::move(reason)};
    return out;
  };
  if (text.size() > kMaxReportBytes) {
    return reject(fmt::format("{} bytes is larger than any node report ({} at most)", text.size(),
                              kMaxReportBytes));
  }
  if (text.empty())
    return reject("empty file (not written by `dlenv fleet snapshot`, which writes atomically)");
  if (JsonNestingDepth(text, kMaxReportDepth) > kMaxReportDepth) {
    return reject(
        fmt::format("nested more than {} levels deep; not a node report", kMaxReportDepth));
  }
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Say where: a truncated file fails at its very end.
    try {
      json again = json::parse(text);
    } catch (const json::exception& ex) {
      return reject(fmt::format("not valid JSON (truncated or corrupt?): {}", ex.what()));
    }
    return reject("not valid JSON");
  }
  if (!doc.is_object()) return reject("expected a JSON object at the top, found " + TypeName(doc));
  const json* version = Find(doc, "fleet_snapshot_version");
  if (!version)
    return reject("no \"fleet_snapshot_version\" field; not written by `dlenv fleet snapshot`");
  if (!version->is_number_unsigned() || version->get<std::uint64_t>() < 1) {
    return reject("fleet_snapshot_version: expected a positive integer, found " +
                  TypeName(*version));
  }
  if (version->get<std::uint64_t>() > static_cast<std::uint64_t>(kFleetSnapshotVersion)) {
    return reject(
        fmt::format("written by a newer dlenv (fleet_snapshot_version {}; this dlenv reads {} and "
                    "older): upgrade the dlenv "
                    "that runs the report",
                    version->get<std::uint64_t>(), kFleetSnapshotVersion));
  }
  try {
    out.node = ReadDocument(doc, file, known);
  } catch (const Bad& ex) {
    return reject(ex.what());
  } catch (const json::exception& ex) {
    return reject(ex.what());
  }
  return out;
}

}  // namespace dlenv::fleet
