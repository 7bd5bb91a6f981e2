// The index-page cache: one JSON file per URL under $XDG_CACHE_HOME/dlenv/index. The file
// keeps its URL, so a hash collision reads as a miss, never as another page.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "probe/http.h"
#include "util/json_read.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

long long Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

fs::path CacheFile(const std::string& dir, const HttpRequest& req) {
  return fs::path(dir) / "index" /
         fmt::format("{:016x}.json", std::hash<std::string>{}(req.url + "\n" + req.accept));
}

}  // namespace

std::string DefaultCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
    return std::string(xdg) + "/dlenv";
  if (const char* home = std::getenv("HOME"); home && *home == '/')
    return std::string(home) + "/.cache/dlenv";
  return "";
}

HttpResponse CachedHttpGet(const HttpRequest& req, const std::string& dir, long ttl_s, bool refresh,
                           bool* from_cache) {
  if (from_cache) *from_cache = false;
  if (!req.range.empty()) return HttpGet(req);  // part of a file: not what the cache keeps
  fs::path file = dir.empty() ? fs::path() : CacheFile(dir, req);
  if (!dir.empty() && !refresh) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (in && !doc.is_discarded() && util::JsonStringOr(doc, "url", "") == req.url &&
        Now() - static_cast<long long>(util::JsonNumberOr(doc, "fetched", 0)) < ttl_s) {
      HttpResponse r;
      r.status = 200;
      r.body = util::JsonStringOr(doc, "body", "");
      r.content_type = util::JsonStringOr(doc, "content_type", "");
      r.effective_url = util::JsonStringOr(doc, "effective_url", req.url);
      if (from_cache) *from_cache = true;
      return r;
    }
  }
  HttpResponse r = HttpGet(req);
  if (!dir.empty() && r.error.empty() && r.status == 200) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    nlohmann::json doc = {{"url", req.url},
                          {"fetched", Now()},
                          {"content_type", r.content_type},
                          {"effective_url", r.effective_url},
                          {"body", r.body}};
    // Written to a temporary name and renamed, so a concurrent dlenv never reads half a file.
    fs::path tmp = file;
    tmp += fmt::format(".{}.tmp", static_cast<long long>(::getpid()));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    fs::rename(tmp, file, ec);
    if (ec) fs::remove(tmp, ec);
  }
  return r;
}

}  // namespace dlenv::probe
