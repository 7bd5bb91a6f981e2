// The portable build links nothing but glibc, so it carries no HTTP client: `dlenv install`
// answers from its embedded table and says so.
#include "probe/http.h"

namespace dlenv::probe {

bool HttpSupported() { return false; }

HttpResponse HttpGet(const HttpRequest& req) {
  HttpResponse out;
  out.error = req.url + ": this dlenv was built without network support (the portable build)";
  return out;
}

}  // namespace dlenv::probe
