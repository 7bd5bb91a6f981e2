#pragma once
// Asks the live index which torch builds exist: the user's index (PyPI or their mirror) for
// the releases, their wheels and (PEP 658 metadata, else PyPI's JSON API) the CUDA each
// default wheel needs; PyPI's torch page carries no CUDA variants, so PyTorch's own index
// (`--torch-index`, one page per variant) for those, each wheel with its +cuXYZ label.
// The HTTP client is passed in, so the logic runs against a loopback server in tests.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "install/index_parser.h"
#include "install/install_plan.h"
#include "install/wheel.h"
#include "probe/http.h"

namespace dlenv::install {

using Fetch = std::function<probe::HttpResponse(const probe::HttpRequest&)>;

/// pip's default index.
inline constexpr const char* kPyPI = "https://pypi.org/simple";

/// A GET for an index page with the deadline of `req`; `accept` null: the PEP 691 JSON form
/// first, then PEP 503 HTML.
probe::HttpRequest IndexRequest(const std::string& url, const InstallRequest& req,
                                const char* accept = nullptr);

/// One release on an index page: its Linux (and pure-Python) wheels.
struct IndexRelease {
  std::string version;  // as in the file names
  std::vector<WheelName> wheels;
  std::vector<const IndexFile*> files;  // into the page, which must outlive this
  std::optional<std::string> requires_python;
};

/// The page's wheels grouped by release, newest first; sdists and yanked files left out.
std::vector<IndexRelease> GroupReleases(const ProjectPage& page);

/// GETs and parses a project page; nullopt with a note when it cannot be read.
/// `transport_error` (optional) receives the network error, empty for an HTTP or parse error.
std::optional<ProjectPage> GetProjectPage(const std::string& url, const InstallRequest& req,
                                          const Fetch& fetch, std::vector<std::string>& notes,
                                          std::string* transport_error = nullptr);

/// A release's Requires-Dist, from `file`'s core metadata: its PEP 658 file where the index
/// offers one, else the wheel's own METADATA read in byte ranges (install/remote_wheel.h), else,
/// when the user's index is PyPI itself, PyPI's JSON API (the project's JSON for its newest
/// release, /pypi/P/V/json for an older one). nullopt when none answers (said in `notes`).
/// `source` (optional) receives which one answered.
enum class MetadataSource { kNone, kPep658, kWheel, kJsonApi };
std::optional<std::vector<std::string>> ReleaseRequiresDist(
    const std::string& project, const std::string& version, const IndexFile& file,
    const InstallRequest& req, const UserIndex& user, const Fetch& fetch,
    std::vector<std::string>& notes, MetadataSource* source = nullptr);

/// "its metadata (PEP 658)", "its wheel's METADATA (read in byte ranges)", "PyPI's JSON API".
std::string_view DescribeSource(MetadataSource source);

/// The index's project-page URL: https://pypi.org/simple (or the user's) + /torch/.
std::string ProjectUrl(const std::string& index_url, const std::string& project);

/// Never throws; what could not be reached is said in `notes`. `reached_user_index` false
/// means nothing came back and the caller answers from the table.
LiveIndex FetchTorchBuilds(const InstallRequest& req, const UserIndex& user,
                           const FrameworkFacts& facts, const Host& host, const Fetch& fetch,
                           bool* reached_user_index);

}  // namespace dlenv::install
