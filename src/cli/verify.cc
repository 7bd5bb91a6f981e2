#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/python_arg.h"
#include "doctor/doctor.h"
#include "verify/verify.h"

namespace dlenv::cli {

Command AddVerify(CLI::App& app) {
  auto opts = std::make_shared<verify::VerifyOptions>();
  auto pythons = std::make_shared<std::vector<std::string>>();
  auto* sub = app.add_subcommand("verify", "Prove that the GPU computes, natively and through each framework");
  sub->add_option("--gpu", opts->gpus, "CUDA ordinals of the GPUs to check (default: all)")->delimiter(',');
  sub->add_option("--memory-fraction", opts->memory_fraction, "Share of free GPU memory the pattern test covers")
      ->check(CLI::Range(0.0, 0.9));
  sub->add_option("--python", *pythons, "Check the frameworks of this interpreter (default: every environment found)");
  sub->add_option("--framework", opts->frameworks, "torch, tensorflow, jax, cupy, or none (default: those installed)")
      ->delimiter(',')
      ->check(CLI::IsMember({"torch", "tensorflow", "jax", "cupy", "none"}));
  sub->add_flag("--json", opts->json, "Print the results as JSON");
  sub->add_option("--timeout", opts->timeout_seconds, "Deadline in seconds for each check")->check(CLI::PositiveNumber);
  sub->footer(
      "Exit codes: 0 every check passed, 1 a check failed (or an error finding), 2 usage error,\n"
      "3 dlenv's own failure, 4 no GPU to verify (the frameworks' CPU paths passed).");
  return {sub, [opts, pythons] {
            ResolvePythons(*pythons);
            opts->pythons = *pythons;
            opts->color = !opts->json && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
            doctor::DoctorOptions d;
            d.pythons = *pythons;
            d.timeout_seconds = opts->timeout_seconds;
            auto out = verify::RunVerify(doctor::MakeProbeContext(d), *opts);
            std::fwrite(out.text.data(), 1, out.text.size(), stdout);
            return out.exit_code;
          }};
}

}  // namespace dlenv::cli
