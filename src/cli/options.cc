#include "cli/options.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "knowledge/frameworks.h"
#include "probe/python_arg.h"

namespace dlenv::cli {

void AddMachineFlags(CLI::App* sub, probe::MachineOptions& m, const MachineFlags& flags) {
  if (flags.repeat_python) {
    // One interpreter per --python, so that `--python X FILE` leaves FILE to the positional.
    sub->add_option("--python", m.pythons, std::string(flags.python))->allow_extra_args(false);
  } else {
    sub->add_option_function<std::string>(
        "--python", [&m](const std::string& p) { m.pythons = {p}; }, std::string(flags.python));
  }
  if (flags.root) {
    sub->add_option("--root", m.root,
                    "Read this folder as if it were / (an unpacked image, a fixture)")
        ->check(CLI::ExistingDirectory);
    sub->add_flag("!--no-host-driver", m.ask_host_driver,
                  "With --root, do not ask the live host's driver");
  }
  if (flags.timeout_flag) {
    sub->add_option("--timeout", m.timeout_seconds, std::string(flags.timeout))
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
  }
}

void AddOutputFlags(CLI::App* sub, model::OutputOptions& o, const OutputFlags& flags) {
  CLI::Option* json = nullptr;
  if (flags.json) {
    json = sub->add_flag_callback(
        "--json", [&o] { o.format = model::Format::kJson; }, std::string(flags.json_help));
  }
  if (flags.markdown) {
    auto* md = sub->add_flag_callback(
        "--markdown", [&o] { o.format = model::Format::kMarkdown; },
        "Print Markdown (for a bug report or a pull request)");
    if (json) md->excludes(json);
  }
  if (flags.redact) {
    sub->add_flag("--redact", o.redact,
                  "Replace user and host names, home folders, GPU UUIDs, serials and IP addresses");
  }
}

CLI::Validator FrameworkName(std::vector<std::string> extra) {
  std::string names;
  for (const auto& id : knowledge::Frameworks().CoreIds())
    names += (names.empty() ? "" : ", ") + id;
  for (const auto& e : extra) names += ", " + e;
  return CLI::Validator(
      [extra, names](std::string& value) -> std::string {
        for (const auto& e : extra)
          if (value == e) return "";
        const auto* f = knowledge::Frameworks().Resolve(value);
        if (!f || !f->core) return value + " is not one of: " + names;
        value = f->id;
        return "";
      },
      "{" + names + "}", "FRAMEWORK");
}

std::string ResolvePython(const std::string& arg, const std::string& root) {
  auto resolved = probe::ResolvePythonArg(util::RootFs(root.empty() ? "/" : root),
                                          util::Environment::FromProcess(), arg);
  if (!resolved) throw UsageError(probe::PythonArgError(arg));
  return *resolved;
}

void ResolveMachine(probe::MachineOptions& m) {
  for (std::string& p : m.pythons) p = ResolvePython(p, m.root);
}

void ResolveOutput(model::OutputOptions& o) {
  o.color = o.format == model::Format::kText && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
}

int Emit(const model::CommandResult& result) {
  std::fwrite(result.out.data(), 1, result.out.size(), stdout);
  if (!result.error.empty()) {
    std::string_view e = result.error;
    while (!e.empty() && e.back() == '\n') e.remove_suffix(1);
    std::fprintf(stderr, "dlenv: %.*s\n", static_cast<int>(e.size()), e.data());
  }
  return model::ToInt(result.exit);
}

}  // namespace dlenv::cli
