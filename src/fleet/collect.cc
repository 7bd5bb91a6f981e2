#include "fleet/collect.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "fleet/hostlist.h"
#include "util/strings.h"

namespace dlenv::fleet {
namespace {

using util::Lines;
using util::Trim;

std::string SnapshotCommand(const CollectPlan& plan) {
  return fmt::format("{} fleet snapshot -o {}", ShellQuote(plan.dlenv_binary),
                     ShellQuote(plan.output_dir));
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
    plain = plain && ok;
  }
  if (plain) return std::string(word);
  std::string q = "'";
  for (char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<std::string> SrunCommand(const CollectPlan& plan) {
  std::size_t n = plan.nodes.size();
  int minutes = std::max(1, (plan.timeout_seconds + 59) / 60);
  std::vector<std::string> argv = {"srun", fmt::format("--nodes={}", n),
                                   fmt::format("--ntasks={}", n), "--ntasks-per-node=1"};
  if (plan.partition) argv.push_back("--partition=" + *plan.partition);
  argv.push_back("--nodelist=" + CompressHostlist(plan.nodes));
  // --time is Slurm's own deadline for the step (whole minutes); --immediate stops srun
  // from queueing behind other jobs for longer than the per-node deadline.
  argv.push_back(fmt::format("--time={}", minutes));
  argv.push_back(fmt::format("--immediate={}", std::max(1, plan.timeout_seconds)));
  argv.push_back("--kill-on-bad-exit=0");
  argv.push_back("--job-name=dlenv-fleet");
  argv.insert(argv.end(), {plan.dlenv_binary, "fleet", "snapshot", "-o", plan.output_dir});
  return argv;
}

int SrunDeadlineSeconds(const CollectPlan& plan) {
  return 2 * std::max(1, plan.timeout_seconds) + 30;
}

std::vector<std::string> OneLiners(const CollectPlan& plan) {
  std::string list = plan.nodes.empty() ? "NODELIST" : CompressHostlist(plan.nodes);
  std::string hosts;
  for (const auto& h : plan.nodes) hosts += (hosts.empty() ? "" : " ") + ShellQuote(h);
  if (hosts.empty()) hosts = "$(cat hosts.txt)";
  std::string cmd = SnapshotCommand(plan);
  return {
      fmt::format("pdsh -w {} -u {} {}", ShellQuote(list), plan.timeout_seconds, cmd),
      fmt::format("clush -w {} -u {} {}", ShellQuote(list), plan.timeout_seconds, cmd),
      fmt::format("for h in {}; do timeout {} ssh -o BatchMode=yes \"$h\" {} & done; wait", hosts,
                  plan.timeout_seconds, ShellQuote(cmd)),
  };
}

std::vector<std::string> SinfoCommand(const std::optional<std::string>& partition) {
  std::vector<std::string> argv = {"sinfo", "-h", "-N", "-o", "%n|%T|%E"};
  if (partition) argv.push_back("--partition=" + *partition);
  return argv;
}

std::vector<SinfoNode> ParseSinfoNodes(std::string_view text) {
  std::vector<SinfoNode> nodes;
  std::set<std::string> seen;  // -N lists a node once per partition it is in
  for (auto line : Lines(text)) {
    line = Trim(line);
    if (line.empty()) continue;
    std::size_t a = line.find('|');
    std::size_t b = a == std::string_view::npos ? a : line.find('|', a + 1);
    SinfoNode n;
    n.name = std::string(Trim(line.substr(0, a)));
    if (a != std::string_view::npos)
      n.state = std::string(Trim(line.substr(a + 1, b == std::string_view::npos ? b : b - a - 1)));
    if (b != std::string_view::npos) n.reason = std::string(Trim(line.substr(b + 1)));
    if (n.reason == "none") n.reason.clear();
    if (n.name.empty() || !seen.insert(n.name).second) continue;
    nodes.push_back(std::move(n));
  }
  return nodes;
}

std::map<std::string, std::string> ParseSrunErrors(std::string_view stderr_text) {
  std::map<std::string, std::string> errors;
  for (auto line : Lines(stderr_text)) {
    line = Trim(line);
    constexpr std::string_view kPrefix = "srun: error: ";
    if (!line.starts_with(kPrefix)) continue;
    std::string_view rest = line.substr(kPrefix.size());
    // "NODE: task N: ..." names the node first.
    if (std::size_t colon = rest.find(": task ");
        colon != std::string_view::npos && colon > 0 &&
        rest.substr(0, colon).find(' ') == std::string_view::npos) {
      errors[std::string(rest.substr(0, colon))] = std::string(rest.substr(colon + 2));
      continue;
    }
    // "... failed on node NODE: reason"
    if (std::size_t at = rest.find("on node "); at != std::string_view::npos) {
      std::string_view tail = rest.substr(at + 8);
      std::size_t colon = tail.find(':');
      std::string node(Trim(tail.substr(0, colon)));
      if (!node.empty()) errors[node] = std::string(rest);
    }
  }
  return errors;
}

CollectOutcome InterpretCollect(const std::vector<std::string>& nodes,
                                const std::map<std::string, bool>& fresh,
                                const std::vector<SinfoNode>& sinfo,
                                const std::map<std::string, std::string>& srun_errors,
                                const std::string& srun_outcome) {
  std::map<std::string, const SinfoNode*> by_name;
  for (const auto& s : sinfo) by_name[s.name] = &s;
  CollectOutcome out;
  for (const auto& n : nodes) {
    if (auto it = fresh.find(n); it != fresh.end() && it->second) {
      out.answered.push_back(n);
      continue;
    }
    std::string why;
    if (auto e = srun_errors.find(n); e != srun_errors.end()) why = "srun: " + e->second;
    if (auto s = by_name.find(n); s != by_name.end() && why.empty()) {
      const std::string& st = s->second->state;
      bool usable = st.starts_with("idle") || st.starts_with("mixed") || st.starts_with("alloc") ||
                    st.starts_with("completing");
      if (!usable) {
        why = fmt::format("Slurm state {}{}", st,
                          s->second->reason.empty() ? "" : " (" + s->second->reason + ")");
      }
    }
    if (why.empty())
      why = fmt::format("no fresh report before the deadline (srun {})", srun_outcome);
    out.silent.push_back({n, why});
  }
  return out;
}

}  // namespace dlenv::fleet
