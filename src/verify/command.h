#pragma once
// `dlenv verify`: this machine's snapshot, the checks, the rendering.

#include "model/command.h"
#include "verify/verify.h"

namespace dlenv::verify {

/// Exit 0 every check passed, 1 a check failed or an error finding, 4 no GPU to verify (the
/// frameworks' CPU paths passed).
model::CommandResult RunVerify(const VerifyOptions& options);

}  // namespace dlenv::verify
