// libcurl (Debian's libcurl4), opened with dlopen on the first request: linked, it and the
// libraries it needs (TLS, HTTP/2, IDN, Kerberos, LDAP, SSH: 29 of them on Debian 12) cost
// every command ~4.6 MB of memory and their relocations at start, and only `dlenv install`
// asks the network (docs/benchmarks.md). Its header (libcurl4-openssl-dev) still gives the
// types and constants. Proxies: libcurl itself reads https_proxy / HTTPS_PROXY, http_proxy
// (lower case only, by design), ALL_PROXY and NO_PROXY, as pip does.
#define CURL_DISABLE_TYPECHECK  // curl_easy_setopt as a plain function, called through a pointer
#include <curl/curl.h>
#include <fmt/format.h>

#include "probe/http.h"
#include "util/dynamic_library.h"

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

// The functions dlenv calls, resolved from libcurl.so.4 once per process.
struct Curl {
  util::DynamicLibrary library;
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  // libcurl 7.84 and later (Debian 12 has 7.88): a ranged answer's Content-Range. Without it a
  // ranged read says the size is unknown.
  decltype(&::curl_easy_header) easy_header = nullptr;
  std::string error;  // why it is not usable; empty when it is

  template <typename F>
  void Resolve(F& f, const char* name) {
    f = reinterpret_cast<F>(library.Symbol(name));
    if (!f && error.empty()) error = fmt::format("{} has no {}", library.path(), name);
  }
};

const Curl& LoadCurl() {
  static const Curl curl = [] {
    Curl c;
    c.library = util::DynamicLibrary::Open({"libcurl.so.4", "libcurl-gnutls.so.4"});
    if (!c.library.loaded()) {
      c.error = "libcurl is not installed (apt-get install libcurl4): " + c.library.error();
      return c;
    }
    c.Resolve(c.global_init, "curl_global_init");
    c.Resolve(c.easy_init, "curl_easy_init");
    c.Resolve(c.easy_setopt, "curl_easy_setopt");
    c.Resolve(c.easy_perform, "curl_easy_perform");
    c.Resolve(c.easy_getinfo, "curl_easy_getinfo");
    c.Resolve(c.easy_strerror, "curl_easy_strerror");
    c.Resolve(c.easy_cleanup, "curl_easy_cleanup");
    c.Resolve(c.slist_append, "curl_slist_append");
    c.Resolve(c.slist_free_all, "curl_slist_free_all");
    c.easy_header = reinterpret_cast<decltype(c.easy_header)>(c.library.Symbol("curl_easy_header"));
    if (c.error.empty()) c.global_init(CURL_GLOBAL_DEFAULT);
    return c;
  }();
  return curl;
}

}  // namespace

bool HttpSupported() { return true; }

HttpResponse HttpGet(const HttpRequest& req) {
  HttpResponse out;
  const Curl& api = LoadCurl();
  if (!api.error.empty()) {
    out.error = fmt::format("{}: {}", req.url, api.error);
    return out;
  }
  CURL* curl = api.easy_init();
  if (!curl) {
    out.error = "libcurl could not start";
    return out;
  }
  Sink sink{&out.body, req.max_bytes};
  curl_slist* headers = nullptr;
  if (!req.accept.empty()) headers = api.slist_append(headers, ("Accept: " + req.accept).c_str());
  char errbuf[CURL_ERROR_SIZE] = {0};
  api.easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  api.easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  api.easy_setopt(curl, CURLOPT_USERAGENT, "dlenv/" DLENV_VERSION);
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  api.easy_setopt(curl, CURLOPT_MAXREDIRS, req.max_redirects);
  api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_seconds * 1000));
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeout_seconds * 1000));
  api.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  api.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!req.ca_file.empty()) api.easy_setopt(curl, CURLOPT_CAINFO, req.ca_file.c_str());
  api.easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_bytes));
  api.easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate as the server offers
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, Write);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  if (!req.range.empty()) api.easy_setopt(curl, CURLOPT_RANGE, req.range.c_str());
  CURLcode rc = api.easy_perform(curl);
  // The status also when the transfer was cut (too large, too slow): what the server answered.
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  if (rc == CURLE_OK) {
    char* type = nullptr;
    if (api.easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
      out.content_type = type;
    char* url = nullptr;
    if (api.easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
      out.effective_url = url;
    curl_header* range = nullptr;
    if (out.status == 206 && api.easy_header &&
        api.easy_header(curl, "Content-Range", 0, CURLH_HEADER, -1, &range) == CURLHE_OK && range)
      out.content_range = range->value;
  } else if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    out.error =
        req.max_bytes >= (1u << 20)
            ? fmt::format("{}: the answer is larger than {} MiB", req.url, req.max_bytes >> 20)
            : fmt::format("{}: the answer is larger than {} bytes", req.url, req.max_bytes);
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    out.error = fmt::format("{}: no answer within {} s (--timeout)", req.url, req.timeout_seconds);
  } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
    out.error = fmt::format("{}: more than {} redirects", req.url, req.max_redirects);
  } else {
    out.error = fmt::format("{}: {}", req.url, errbuf[0] ? errbuf : api.easy_strerror(rc));
  }
  if (!out.error.empty()) out.body.clear();
  api.slist_free_all(headers);
  api.easy_cleanup(curl);
  return out;
}

}  // namespace dlenv::probe
