#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "install/command.h"
#include "util/pep440.h"
#include "util/strings.h"

namespace dlenv::cli {

Command AddInstall(CLI::App& app) {
  auto opts = std::make_shared<install::InstallOptions>();
  auto manager = std::make_shared<std::string>("pip");
  install::InstallRequest& req = opts->request;
  auto* sub = app.add_subcommand(
      "install", "Print the command that installs the right build of a framework here, and why");
  sub->add_option("framework", req.framework, "torch, tensorflow, jax or cupy")
      ->required()
      ->check(FrameworkName());
  sub->add_option("--manager", *manager, "Package manager the command is for")
      ->check(CLI::IsMember({"pip", "uv", "conda"}));
  sub->add_option("--cuda", req.cuda, "Only builds for this CUDA version (X.Y)");
  AddMachineFlags(sub, opts->machine,
                  {.python = "Install into this interpreter's environment",
                   .timeout = "Seconds each index request may take",
                   .repeat_python = false,
                   .root = false});
  sub->add_option("--torch-index", req.torch_index,
                  "PyTorch's index (or a mirror of it), one folder per variant")
      ->capture_default_str();
  sub->add_flag("--offline", req.offline, "Ask no index: answer from dlenv's embedded table");
  sub->add_flag("--refresh", req.refresh, "Ask the index again instead of using cached pages");
  sub->add_option("--with", req.with,
                  "Companions of torch (torchvision, torchaudio, xformers, ...), each the release "
                  "that goes with the chosen torch")
      ->delimiter(',')
      ->transform(CLI::Validator(
          [](std::string& value) -> std::string {
            // As pip does: flash_attn, Flash-Attn and flash.attn are flash-attn (PEP 503).
            value = util::NormalizeProjectName(value);
            const auto names = install::WithCompanions();
            if (std::find(names.begin(), names.end(), value) != names.end()) return "";
            return value + " is not one of: " + util::Join(names, ", ");
          },
          "COMPANION", "COMPANION"));
  sub->add_flag("--run", opts->run,
                "Run the printed command, then dlenv verify on that environment");
  sub->add_flag("--image", opts->image,
                "Name the newest official container image this host's driver runs, with its "
                "`docker run --gpus all` line, and whether this host can start it")
      ->excludes("--run");
  return {sub, [opts, manager] {
            ResolveMachine(opts->machine);
            opts->request.manager = *manager == "uv"      ? install::Manager::kUv
                                    : *manager == "conda" ? install::Manager::kConda
                                                          : install::Manager::kPip;
            // The plan is on the screen before pip starts downloading.
            opts->progress = [](std::string_view text) {
              std::fwrite(text.data(), 1, text.size(), stdout);
              std::fflush(stdout);
            };
            return Emit(install::RunInstall(*opts));
          }};
}

}  // namespace dlenv::cli
