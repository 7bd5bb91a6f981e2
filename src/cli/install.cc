#include "install/install.h"

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/python_arg.h"

namespace dlenv::cli {

Command AddInstall(CLI::App& app) {
  auto req = std::make_shared<install::InstallRequest>();
  auto manager = std::make_shared<std::string>("pip");
  auto* sub = app.add_subcommand(
      "install", "Print the command that installs the right build of a framework here, and why");
  sub->add_option("framework", req->framework, "torch, tensorflow, jax or cupy")
      ->required()
      ->check(CLI::IsMember({"torch", "pytorch", "tensorflow", "jax", "cupy"}));
  sub->add_option("--manager", *manager, "Package manager the command is for")
      ->check(CLI::IsMember({"pip", "uv", "conda"}));
  sub->add_option("--cuda", req->cuda, "Only builds for this CUDA version (X.Y)");
  sub->add_option("--python", req->python, "Install into this interpreter's environment");
  sub->add_option("--torch-index", req->torch_index,
                  "PyTorch's index (or a mirror of it), one folder per variant")
      ->capture_default_str();
  sub->add_flag("--offline", req->offline, "Ask no index: answer from dlenv's embedded table");
  sub->add_flag("--refresh", req->refresh, "Ask the index again instead of using cached pages");
  sub->add_option("--timeout", req->timeout_s, "Seconds each index request may take")
      ->capture_default_str();
  sub->add_option("--with", req->with, "torchvision and/or torchaudio, matched to the chosen torch")
      ->delimiter(',')
      ->check(CLI::IsMember({"torchvision", "torchaudio"}));
  sub->add_flag("--run", req->run,
                "Run the printed command, then dlenv verify on that environment");
  return {sub, [req, manager] {
            if (req->python) req->python = ResolvePython(*req->python);
            req->manager = *manager == "uv"      ? install::Manager::kUv
                           : *manager == "conda" ? install::Manager::kConda
                                                 : install::Manager::kPip;
            auto out = install::RunInstall(*req);
            std::fwrite(out.text.data(), 1, out.text.size(), out.exit_code == 0 ? stdout : stderr);
            return out.exit_code == 0 ? kExitOk : kExitFindings;
          }};
}

}  // namespace dlenv::cli
