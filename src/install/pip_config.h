#pragma once
// The user's own package index, as pip (or uv) would find it: PIP_INDEX_URL /
// PIP_EXTRA_INDEX_URL, then pip.conf files in pip's order (global /etc/xdg/pip/pip.conf and
// /etc/pip.conf, user ~/.pip/pip.conf and ~/.config/pip/pip.conf, the environment's own
// $VIRTUAL_ENV/pip.conf, PIP_CONFIG_FILE); for uv, UV_INDEX_URL / UV_DEFAULT_INDEX /
// UV_EXTRA_INDEX_URL and uv.toml. Pure: the caller reads the files.

#include <string>
#include <utility>
#include <vector>

#include "install/install_plan.h"
#include "util/environment.h"

namespace dlenv::install {

/// pip's configuration files, lowest priority first, for this environment and user.
std::vector<std::string> PipConfigPaths(const util::Environment& env,
                                        const std::string& env_prefix);
/// uv's: the user's ~/.config/uv/uv.toml (XDG_CONFIG_HOME) and /etc/uv/uv.toml.
std::vector<std::string> UvConfigPaths(const util::Environment& env);

/// `files`: (path, text) of the files that exist, in the order PipConfigPaths gives.
UserIndex ResolvePipIndex(const util::Environment& env,
                          const std::vector<std::pair<std::string, std::string>>& files);
UserIndex ResolveUvIndex(const util::Environment& env,
                         const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace dlenv::install
