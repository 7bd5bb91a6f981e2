#pragma once
// What `--python ARG` names, resolved the same way for every command.

#include <optional>
#include <string>

#include "util/environment.h"
#include "util/rootfs.h"

namespace dlenv::probe {

/// The interpreter `--python ARG` means, read through `fs` (so `--root` works):
///  - ARG itself when it is an executable file (a name without a slash is looked up in PATH);
///  - <ARG>/bin/python (or python3) when ARG is an environment's prefix, that is a folder
///    with bin/python, pyvenv.cfg or conda-meta (ARG itself if it has no interpreter);
///  - nullopt when ARG is neither: the caller reports PythonArgError(ARG).
std::optional<std::string> ResolvePythonArg(const util::RootFs& fs, const util::Environment& env,
                                            const std::string& arg);

/// The one message every command prints for a --python that names nothing usable.
std::string PythonArgError(const std::string& arg);

}  // namespace dlenv::probe
