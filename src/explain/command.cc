#include "explain/command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <variant>

#include "diagnose/diagnose.h"
#include "explain/facts.h"
#include "explain/render.h"
#include "knowledge/error_signatures.h"
#include "model/json.h"
#include "probe/identity.h"
#include "report/redact.h"
#include "rules/error_causes.h"
#include "rules/error_signatures.h"
#include "util/log_lines.h"
#include "util/subprocess.h"

namespace dlenv::explain {
namespace {

using nlohmann::json;

// Feeds the matcher from one or two streams (a command's stdout and stderr are read as two,
// so their lines never mix), numbering lines in the order they complete.
struct Scanner {
  explicit Scanner(const knowledge::ErrorSignatures& catalogue)
      : matcher(catalogue), out(Sink(), kMaxLine), err(Sink(), kMaxLine) {}
  static constexpr std::size_t kMaxLine = 16 * 1024;
  util::LogLineReader::Sink Sink() {
    return [this](const util::LogLine& line) { matcher.Feed(line.text, ++lines, line.rank); };
  }
  rules::ErrorMatcher matcher;
  util::LogLineReader out, err;
  std::size_t lines = 0;
  void Finish() {
    out.Finish();
    err.Finish();
  }
  std::size_t bytes() const { return out.bytes() + err.bytes(); }
  std::size_t truncated() const { return out.truncated_lines() + err.truncated_lines(); }
};

// Reads a file or stdin in chunks: memory stays bounded whatever the log's size.
std::string ReadInto(const std::string& input, Scanner& scanner) {
  int fd = 0;
  if (input != "-") {
    fd = open(input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fmt::format("cannot read {}: {}", input, std::strerror(errno));
  }
  std::vector<char> buffer(1 << 20);
  std::string error;
  for (;;) {
    ssize_t got = read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      error =
          fmt::format("cannot read {}: {}", input == "-" ? "stdin" : input, std::strerror(errno));
      break;
    }
    if (got == 0) break;
    scanner.out.Feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
  }
  if (fd != 0) close(fd);
  scanner.Finish();
  return error;
}

json CommandJson(const std::vector<std::string>& argv, const util::ChildResult& child) {
  using Outcome = util::ChildResult::Outcome;
  const char* outcome = child.outcome == Outcome::kExited     ? "exited"
                        : child.outcome == Outcome::kSignaled ? "signaled"
                        : child.outcome == Outcome::kTimedOut ? "timed_out"
                                                              : "failed_to_start";
  json j = {{"argv", argv},
            {"outcome", outcome},
            {"seconds", child.seconds},
            {"describe", child.Describe()}};
  j["exit_code"] = child.outcome == Outcome::kExited ? json(child.exit_code) : json(nullptr);
  j["signal"] = child.signal != 0
                    ? json(fmt::format(
                          "SIG{}", sigabbrev_np(child.signal) ? sigabbrev_np(child.signal) : "?"))
                    : json(nullptr);
  return j;
}

json MatchJson(const rules::SignatureMatch& m, const rules::CauseVerdict& v) {
  const auto& sig = *m.signature;
  json lines = json::array();
  for (const auto& l : m.lines) lines.push_back({{"line", l.number}, {"text", l.text}});
  json cause = {{"id", v.cause->id},
                {"says", v.says},
                {"finding", v.finding_id.empty() ? json(nullptr) : json(v.finding_id)},
                {"finding_on_machine", v.finding.has_value()},
                {"decided_by", v.decided_by},
                {"assumed", v.assumed},
                {"ruled_out", v.ruled_out},
                {"fix", v.fix},
                {"confirm", sig.confirm}};
  if (v.finding) cause["finding_evidence"] = v.finding->evidence;
  return {{"signature", sig.id},
          {"title", sig.title},
          {"layer", std::string(knowledge::ErrorLayerName(sig.layer))},
          {"configuration", sig.configuration},
          {"printed_by", m.printed_by},
          {"count", m.count},
          {"first_line", m.first_line},
          {"chain", m.chain ? json(*m.chain) : json(nullptr)},
          {"ranks", m.ranks},
          {"lines", lines},
          {"values", m.values},
          {"cause", cause},
          {"hint", sig.hint}};
}

// The machine to judge against: --from's report, or this machine probed as doctor does.
std::variant<rules::MachineFacts, std::string> LoadFacts(const ExplainOptions& options) {
  if (!options.from.empty()) {
    std::ifstream in(options.from, std::ios::binary);
    if (!in) return fmt::format("cannot read --from {}: {}", options.from, std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return fmt::format("--from {} is not JSON", options.from);
    try {
      return FactsFromReport(doc, options.from);
    } catch (const std::exception& e) {
      return std::string("--from ") + e.what();
    }
  }
  rules::MachineFacts facts;
  facts.snapshot = diagnose::Diagnose(probe::MakeProbeContext(options.machine));
  return facts;
}

// What was read: the input's description, and the command's outcome when one was run.
struct Scanned {
  json input;
  json command = nullptr;
  bool command_ok = false;
  std::string error;  // a usage error: the command or the file could not be read
};

// Feeds the scanner from the command's live output (-- COMMAND), a file or stdin.
Scanned Scan(const ExplainOptions& options, Scanner& scanner) {
  Scanned scanned;
  if (!options.command.empty()) {
    util::StreamingOptions run;
    if (options.command_timeout_seconds > 0)
      run.deadline =
          std::chrono::milliseconds(static_cast<long long>(options.command_timeout_seconds * 1000));
    run.on_output = [&](int stream, std::string_view chunk) {
      (stream == 1 ? scanner.out : scanner.err).Feed(chunk);
    };
    const auto child = util::RunStreaming(options.command, run);
    scanner.Finish();
    if (child.outcome == util::ChildResult::Outcome::kFailedToStart) {
      scanned.error = fmt::format("cannot run {}: {}", options.command.front(), child.err);
      return scanned;
    }
    scanned.command = CommandJson(options.command, child);
    scanned.command_ok = child.ok();
    scanned.input = {{"kind", "command"}, {"path", nullptr}};
  } else {
    scanned.error = ReadInto(options.input, scanner);
    scanned.input = {{"kind", options.input == "-" ? "stdin" : "file"},
                     {"path", options.input == "-" ? json(nullptr) : json(options.input)}};
  }
  scanned.input["lines"] = scanner.lines;
  scanned.input["bytes"] = scanner.bytes();
  scanned.input["truncated_lines"] = scanner.truncated();
  return scanned;
}

json MachineJson(const rules::MachineFacts& facts, bool probed) {
  return {{"source", probed ? facts.source : "not probed"},
          {"known",
           {{"driver", facts.driver_known},
            {"gpus", facts.gpus_known},
            {"host", facts.host_known},
            {"libraries", facts.libraries_known},
            {"findings", facts.findings_known},
            {"environments", facts.envs_known}}}};
}

// Each match with the cause this machine's facts decide; the machine's own errors when nothing
// matched. Returns whether any match is a configuration problem.
bool AddMatches(const std::vector<rules::SignatureMatch>& matches, const rules::MachineFacts& facts,
                const std::string& framework, json& doc) {
  json list = json::array();
  bool configuration = false;
  for (const auto& m : matches) {
    const auto verdict = rules::DecideCause(m, facts, framework);
    configuration = configuration || m.signature->configuration;
    list.push_back(MatchJson(m, verdict));
  }
  doc["matches"] = list;
  doc["recognised"] = !matches.empty();
  doc["configuration_problem"] = configuration;
  json machine_findings = json::array();
  if (matches.empty()) {
    for (const auto& f : facts.snapshot.findings) {
      if (f.severity == model::Severity::kError) machine_findings.push_back(f);
    }
  }
  doc["machine_findings"] = machine_findings;
  return configuration;
}

}  // namespace

model::CommandResult RunExplain(const ExplainOptions& options) {
  model::CommandResult result;
  const auto& catalogue = knowledge::BuiltinErrorSignatures();
  if (options.catalogue) {
    result.out = RenderCatalogue(catalogue);
    return result;
  }
  Scanner scanner(catalogue);
  Scanned scanned = Scan(options, scanner);
  if (!scanned.error.empty()) return model::UsageError(scanned.error);
  const auto matches = scanner.matcher.Matches();
  json doc = {{"explain_version", kExplainSchemaVersion},
              {"dlenv_version", DLENV_VERSION},
              {"input", scanned.input},
              {"command", scanned.command},
              {"framework", scanner.matcher.Framework()}};
  // A command that worked and printed nothing known: nothing to judge, no machine to probe.
  const bool skip_machine = matches.empty() && scanned.command_ok;
  rules::MachineFacts facts = rules::MachineFacts::Unknown();
  if (!skip_machine) {
    auto loaded = LoadFacts(options);
    if (auto* error = std::get_if<std::string>(&loaded)) return model::UsageError(*error);
    facts = std::move(std::get<rules::MachineFacts>(loaded));
  }
  doc["machine"] = MachineJson(facts, !skip_machine);
  const bool configuration = AddMatches(matches, facts, scanner.matcher.Framework(), doc);
  result.exit = configuration        ? model::ExitCode::kFindings
                : !matches.empty()   ? model::ExitCode::kOk
                : scanned.command_ok ? model::ExitCode::kOk
                                     : model::ExitCode::kNoMatch;
  doc["exit_code"] = model::ToInt(result.exit);
  if (options.output.redact) {
    report::RedactJson(doc, probe::ProbeIdentity(util::Environment::FromProcess()),
                       facts.snapshot.host.hostname);
  }
  switch (options.output.format) {
    case model::Format::kJson:
      result.out = doc.dump(2) + "\n";
      break;
    case model::Format::kMarkdown:
      result.out = RenderMarkdown(doc);
      break;
    case model::Format::kText:
      if (!skip_machine) result.out = RenderText(doc, options.output.color);
      break;
  }
  result.document = std::move(doc);
  return result;
}

}  // namespace dlenv::explain
