#pragma once
// A remote wheel's METADATA read from a few byte ranges of it, for an index that offers no PEP
// 658 metadata file (most mirrors, and PyPI's proxies): the wheel's tail (its end record, and
// usually its whole central directory and dist-info), the directory if the tail holds less, the
// member if it lies before. pip does the same for `--use-feature=fast-deps`. A file host that
// answers no ranges costs one request and is said so; the wheel itself is never downloaded.

#include <optional>
#include <string>

#include "install/install_plan.h"
#include "install/live_index.h"

namespace dlenv::install {

/// "bytes 100-199/31503158" -> 31503158; nullopt for anything else (a "*" length included).
std::optional<std::uint64_t> ContentRangeTotal(std::string_view content_range);

/// The METADATA of the wheel at `url`, read in ranges within `req`'s deadline per request.
/// nullopt with `error` (a sentence naming the wheel) when it cannot be read.
std::optional<std::string> RemoteWheelMetadata(const std::string& url, const InstallRequest& req,
                                               const Fetch& fetch, std::string* error);

}  // namespace dlenv::install
