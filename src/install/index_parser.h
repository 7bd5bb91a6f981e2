#pragma once
// A package index's project page: the PEP 691 JSON simple API and the PEP 503 HTML page it
// supersedes, with PEP 658 metadata links (data-dist-info-metadata / core-metadata) and
// PEP 592 yanking. Pure parsers of untrusted text: malformed input gives an error value.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::install {

struct IndexFile {
  std::string filename;
  std::string url;  // absolute, fragment removed
  std::optional<std::string> requires_python;
  std::optional<std::string> metadata_url;  // PEP 658: url + ".metadata" when advertised
  bool yanked = false;
};

struct ProjectPage {
  std::vector<IndexFile> files;
  std::string error;  // non-empty when the page could not be read
};

/// `page_url` resolves relative links. The JSON form is used when `content_type` says
/// application/vnd.pypi.simple.v1+json (or the body starts with '{'), else the HTML form.
ProjectPage ParseProjectPage(std::string_view body, std::string_view content_type,
                             std::string_view page_url);
ProjectPage ParseSimpleJson(std::string_view body, std::string_view page_url);
ProjectPage ParseSimpleHtml(std::string_view body, std::string_view page_url);

/// A link resolved against the page's URL, as a browser would (RFC 3986 for the forms an
/// index uses: absolute, scheme-relative, absolute path, relative path).
std::string ResolveUrl(std::string_view base, std::string_view link);

/// The CUDA version a build was made for, from its Requires-Dist: nvidia-cuda-runtime-cu12==12.8.90
/// -> 12.8, cuda-toolkit[...]==13.2.2 -> 13.2, nvidia-cuda-runtime==13.0.48 -> 13.0; else from
/// a major-only pin (nvidia-cudnn-cu13) -> "13". nullopt for a CPU build.
std::optional<std::string> CudaFromRequiresDist(const std::vector<std::string>& requires_dist);

/// "2.7.1+cu128" -> "cu128"; "2.7.1+cpu" -> "cpu"; "2.7.1" -> "".
std::string LocalLabel(std::string_view version);

}  // namespace dlenv::install
