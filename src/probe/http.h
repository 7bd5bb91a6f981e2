#pragma once
// HTTP GET for `dlenv install`'s index requests: the only code in dlenv that talks to the
// network (doctor stays offline). Two implementations chosen by CMake: http_curl.cc
// (libcurl: TLS verified, proxies from the environment, redirects limited, a deadline
// and a size cap per call) and http_none.cc for the portable build, which links nothing
// but glibc and answers every request with "built without network support".

#include <cstddef>
#include <string>

namespace dlenv::probe {

struct HttpRequest {
  std::string url;
  std::string accept;           // the Accept header, empty for none
  double timeout_seconds = 10;  // the whole transfer, connection included
  std::size_t max_bytes = 64u << 20;
  long max_redirects = 5;
  std::string ca_file;  // empty: the system's CA bundle
  /// A byte range (RFC 9110 14.1.2, without "bytes="): "100-199", or "-65536" for the last
  /// 65536 bytes. Empty: the whole resource. A ranged answer is 206 and is never cached.
  std::string range;
};

struct HttpResponse {
  long status = 0;  // 0 when no HTTP answer came
  std::string body;
  std::string content_type;
  std::string effective_url;  // after redirects
  std::string content_range;  // a 206 answer's Content-Range: "bytes 100-199/31503158"
  std::string
      error;  // a transport failure (timeout, DNS, TLS, too large); empty when an answer came
};

/// Never throws. `error` names the failure in a sentence.
HttpResponse HttpGet(const HttpRequest& request);

/// False in the portable build (no network support compiled in).
bool HttpSupported();

/// Cached GET: answers from `cache_dir` when a copy younger than `ttl_s` exists and
/// `refresh` is false; stores 200 answers. An empty cache_dir disables the cache.
HttpResponse CachedHttpGet(const HttpRequest& request, const std::string& cache_dir, long ttl_s,
                           bool refresh, bool* from_cache = nullptr);

/// $XDG_CACHE_HOME/dlenv (else ~/.cache/dlenv); empty when neither can be found.
std::string DefaultCacheDir();

}  // namespace dlenv::probe
