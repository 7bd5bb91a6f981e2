// libcurl (Debian's libcurl4-openssl-dev). Proxies: libcurl itself reads https_proxy /
// HTTPS_PROXY, http_proxy (lower case only, by design), ALL_PROXY and NO_PROXY, as pip does.
#include <curl/curl.h>
#include <fmt/format.h>

#include <mutex>

#include "probe/http.h"

namespace dlenv::probe {
namespace {

struct Sink {
  std::string* body;
  std::size_t max;
  bool too_large = false;
};

std::size_t Write(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t bytes = size * n;
  if (sink->body->size() + bytes > sink->max) {
    sink->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, bytes);
  return bytes;
}

}  // namespace

bool HttpSupported() { return true; }

HttpResponse HttpGet(const HttpRequest& req) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpResponse out;
  CURL* curl = curl_easy_init();
  if (!curl) {
    out.error = "libcurl could not start";
    return out;
  }
  Sink sink{&out.body, req.max_bytes};
  curl_slist* headers = nullptr;
  if (!req.accept.empty()) headers = curl_slist_append(headers, ("Accept: " + req.accept).c_str());
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "dlenv/" DLENV_VERSION);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, req.max_redirects);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!req.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, req.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_bytes));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate as the server offers
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    char* type = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
      out.content_type = type;
    char* url = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
      out.effective_url = url;
  } else if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    out.error = fmt::format("{}: the answer is larger than {} MiB", req.url, req.max_bytes >> 20);
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    out.error = fmt::format("{}: no answer within {} s (--timeout)", req.url, req.timeout_seconds);
  } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
    out.error = fmt::format("{}: more than {} redirects", req.url, req.max_redirects);
  } else {
    out.error = fmt::format("{}: {}", req.url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
  }
  if (!out.error.empty()) out.body.clear();
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return out;
}

}  // namespace dlenv::probe
