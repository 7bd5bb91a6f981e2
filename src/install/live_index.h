#pragma once
// Asks the live index which torch builds exist: the user's index (PyPI or their mirror) for
// the releases, their wheels and (PEP 658 metadata, else PyPI's JSON API) the CUDA each
// default wheel needs; PyPI's torch page carries no CUDA variants, so PyTorch's own index
// (`--torch-index`, one page per variant) for those, each wheel with its +cuXYZ label.
// The HTTP client is passed in, so the logic runs against a loopback server in tests.

#include <functional>
#include <string>

#include "install/install.h"
#include "probe/http.h"

namespace dlenv::install {

using Fetch = std::function<probe::HttpResponse(const probe::HttpRequest&)>;

/// The index's project-page URL: https://pypi.org/simple (or the user's) + /torch/.
std::string ProjectUrl(const std::string& index_url, const std::string& project);

/// Never throws; what could not be reached is said in `notes`. `reached_user_index` false
/// means nothing came back and the caller answers from the table.
LiveIndex FetchTorchBuilds(const InstallRequest& req, const UserIndex& user,
                           const FrameworkFacts& facts, const Host& host, const Fetch& fetch,
                           bool* reached_user_index);

}  // namespace dlenv::install
