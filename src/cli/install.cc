#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/python_arg.h"
#include "install/install.h"

namespace dlenv::cli {

Command AddInstall(CLI::App& app) {
  auto req = std::make_shared<install::InstallRequest>();
  auto manager = std::make_shared<std::string>("pip");
  auto* sub = app.add_subcommand("install", "Print the command that installs the right build of a framework here, and why");
  sub->add_option("framework", req->framework, "torch, tensorflow, jax or cupy")
      ->required()
      ->check(CLI::IsMember({"torch", "pytorch", "tensorflow", "jax", "cupy"}));
  sub->add_option("--manager", *manager, "Package manager the command is for")->check(CLI::IsMember({"pip", "uv", "conda"}));
  sub->add_option("--cuda", req->cuda, "Only builds for this CUDA version (X.Y)");
  sub->add_option("--python", req->python, "Install into this interpreter's environment");
  return {sub, [req, manager] {
            if (req->python) req->python = ResolvePython(*req->python);
            req->manager = *manager == "uv" ? install::Manager::kUv
                           : *manager == "conda" ? install::Manager::kConda
                                                 : install::Manager::kPip;
            auto out = install::RunInstall(*req);
            std::fwrite(out.text.data(), 1, out.text.size(), out.exit_code == 0 ? stdout : stderr);
            return out.exit_code == 0 ? kExitOk : kExitFindings;
          }};
}

}  // namespace dlenv::cli
