#include "probe/slurm.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "util/environment.h"
#include "util/strings.h"

namespace dlenv::probe {

std::optional<std::string> FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (true) {
    std::size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (!dir.empty()) {
      std::string candidate = dir + "/" + program;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

util::ChildResult RunSlurm(const std::vector<std::string>& argv, const SlurmAccess& access) {
  util::ChildOptions options;
  options.deadline = access.deadline;
  options.max_output_bytes = access.max_output_bytes;
  if (access.slurm_conf) {
    auto env = util::Environment::FromProcess().vars();
    env["SLURM_CONF"] = *access.slurm_conf;
    options.env = env;
  }
  return util::RunCommand(argv, options);
}

std::string SlurmFailure(const util::ChildResult& r, const std::vector<std::string>& argv) {
  std::string_view err = util::Trim(r.err);
  std::size_t nl = err.rfind('\n');
  if (nl != std::string_view::npos) err.remove_prefix(nl + 1);
  return fmt::format("{}: {}{}", util::Join(argv, " "), r.Describe(),
                     err.empty() ? "" : ": " + std::string(err));
}

}  // namespace dlenv::probe
