#include "health/slurm_adapter.h"

#include <fmt/format.h>

#include "util/environment.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::health {
namespace {

util::ChildResult Scontrol(const SlurmAccess& slurm, std::vector<std::string> args) {
  args.insert(args.begin(), slurm.scontrol);
  util::ChildOptions options;
  options.deadline = slurm.deadline;
  options.max_output_bytes = 1u << 20;
  auto env = util::Environment::FromProcess().vars();
  if (slurm.slurm_conf) env["SLURM_CONF"] = *slurm.slurm_conf;
  options.env = env;
  return util::RunCommand(args, options);
}

std::string Failure(const util::ChildResult& r, const std::vector<std::string>& args) {
  std::string err(util::Trim(r.err));
  return fmt::format("scontrol {}: {}{}", util::Join(args, " "), r.Describe(),
                     err.empty() ? "" : ": " + err);
}

}  // namespace

ShowNodeResult ShowNode(const SlurmAccess& slurm, const std::string& node) {
  const std::vector<std::string> args = {"show", "node", node};
  auto r = Scontrol(slurm, args);
  if (!r.ok()) return {std::nullopt, Failure(r, args)};
  auto parsed = ParseScontrolShowNode(r.out);
  if (!parsed)
    return {std::nullopt, fmt::format("scontrol show node {}: no node in its output", node)};
  return {parsed, ""};
}

std::string RunScontrol(const SlurmAccess& slurm, const std::vector<std::string>& args) {
  auto r = Scontrol(slurm, args);
  return r.ok() ? "" : Failure(r, args);
}

}  // namespace dlenv::health
