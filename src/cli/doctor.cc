#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/python_arg.h"
#include "doctor/doctor.h"

namespace dlenv::cli {

Command AddDoctor(CLI::App& app) {
  auto opts = std::make_shared<doctor::DoctorOptions>();
  auto* sub = app.add_subcommand("doctor", "Inspect this machine's GPU software stack and say what is wrong");
  auto* json = sub->add_flag("--json", opts->json, "Print the versioned JSON document (schema/doctor.schema.json)");
  sub->add_flag("--markdown", opts->markdown, "Print a Markdown block to paste into a bug report")->excludes(json);
  sub->add_flag("--redact", opts->redact, "Replace user and host names, home folders, GPU UUIDs, serials and IP addresses");
  sub->add_option("--root", opts->root, "Read this folder as if it were / (an unpacked image, a fixture)")->check(CLI::ExistingDirectory);
  sub->add_flag("!--no-host-driver", opts->ask_host_driver, "With --root, do not ask the live host's driver");
  sub->add_option("--timeout", opts->timeout_seconds, "Deadline in seconds for each call into a driver library")->check(CLI::PositiveNumber);
  sub->add_option("--python", opts->pythons, "Also inspect the environment of this interpreter");
  auto* prom = sub->add_option("--prometheus", opts->prometheus,
                               "Also write the metrics for node_exporter's textfile collector to FILE (atomically)");
  sub->add_option("--lock", opts->lock, "With --prometheus: count drift from this team lock")->needs(prom);
  return {sub, [opts] {
            ResolvePythons(opts->pythons, opts->root);
            opts->color = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
            auto out = doctor::RunDoctor(*opts);
            std::fwrite(out.text.data(), 1, out.text.size(), stdout);
            if (!out.error.empty()) {
              std::fprintf(stderr, "dlenv: %s\n", out.error.c_str());
              return kExitUsage;
            }
            return out.exit_code;
          }};
}

}  // namespace dlenv::cli
