// Reading a lock file that may come from anywhere: a teammate, a CI artefact, an attacker.
// Every field is checked for its type with the path of the offending value in the message;
// nothing here trusts the document's shape.

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

#include "lock/lock.h"
#include "lock/lock_from_json.h"

namespace dlenv::lock {
namespace {

using nlohmann::json;

// Deeper than any real lock (which nests five levels); a guard against documents built to
// exhaust the stack of whoever walks them.
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxArray = 1'000'000;

struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string TypeName(const json& j) {
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    default:
      return "something else";
  }
}

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw FormatError(fmt::format("{}: {}", path, what));
}

const json& Field(const json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) Fail(path, fmt::format("missing field \"{}\"", key));
  return *it;
}

const json& Object(const json& j, const std::string& path) {
  if (!j.is_object()) Fail(path, "expected an object, found " + TypeName(j));
  return j;
}

const json& Array(const json& j, const std::string& path) {
  if (!j.is_array()) Fail(path, "expected an array, found " + TypeName(j));
  if (j.size() > kMaxArray) Fail(path, "too many entries");
  return j;
}

std::string String(const json& obj, const std::string& path, const char* key) {
  const json& v = Field(obj, path, key);
  if (!v.is_string()) Fail(path + "." + key, "expected a string, found " + TypeName(v));
  return v.get<std::string>();
}

std::optional<std::string> OptString(const json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) Fail(path + "." + key, "expected a string or null, found " + TypeName(*it));
  return it->get<std::string>();
}

bool Bool(const json& obj, const std::string& path, const char* key) {
  const json& v = Field(obj, path, key);
  if (!v.is_boolean()) Fail(path + "." + key, "expected true or false, found " + TypeName(v));
  return v.get<bool>();
}

long long Integer(const json& obj, const std::string& path, const char* key, long long lo,
                  long long hi) {
  const json& v = Field(obj, path, key);
  if (!v.is_number_integer()) Fail(path + "." + key, "expected an integer, found " + TypeName(v));
  // An unsigned value above INT64_MAX must not wrap into range.
  if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi)) {
    Fail(path + "." + key, fmt::format("{} is out of range ({}..{})", v.dump(), lo, hi));
  }
  long long n = v.get<long long>();
  if (n < lo || n > hi)
    Fail(path + "." + key, fmt::format("{} is out of range ({}..{})", n, lo, hi));
  return n;
}

std::vector<std::string> StringArray(const json& obj, const std::string& path, const char* key) {
  std::string p = path + "." + key;
  const json& a = Array(Field(obj, path, key), p);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string())
      Fail(fmt::format("{}[{}]", p, i), "expected a string, found " + TypeName(a[i]));
    out.push_back(a[i].get<std::string>());
  }
  return out;
}

void ReadEnvironment(const json& env, Lock& lock) {
  const std::string e = "environment";
  Object(env, e);
  const json& host = Object(Field(env, e, "host"), e + ".host");
  lock.host = {String(host, e + ".host", "os_id"), String(host, e + ".host", "os_version"),
               String(host, e + ".host", "os_name"), String(host, e + ".host", "glibc")};
  const json& driver = Object(Field(env, e, "driver"), e + ".driver");
  lock.driver = {OptString(driver, e + ".driver", "version"),
                 OptString(driver, e + ".driver", "cuda")};

  const json& gpus = Array(Field(env, e, "gpus"), e + ".gpus");
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    std::string p = fmt::format("{}.gpus[{}]", e, i);
    const json& g = Object(gpus[i], p);
    lock.gpus.push_back({String(g, p, "name"), OptString(g, p, "compute_capability"),
                         static_cast<int>(Integer(g, p, "count", 1, 1 << 20))});
  }
  lock.toolkits = StringArray(env, e, "toolkits");
  const json& libs = Array(Field(env, e, "cuda_libraries"), e + ".cuda_libraries");
  for (std::size_t i = 0; i < libs.size(); ++i) {
    std::string p = fmt::format("{}.cuda_libraries[{}]", e, i);
    const json& l = Object(libs[i], p);
    lock.cuda_libraries.push_back(
        {String(l, p, "family"), String(l, p, "version"), Bool(l, p, "loader_first")});
  }

  const json& py = Field(env, e, "python");
  if (py.is_null()) return;
  const std::string pp = e + ".python";
  Object(py, pp);
  LockedPython python;
  python.version = OptString(py, pp, "version");
  python.kind = String(py, pp, "kind");
  const json& pkgs = Array(Field(py, pp, "packages"), pp + ".packages");
  for (std::size_t i = 0; i < pkgs.size(); ++i) {
    std::string p = fmt::format("{}.packages[{}]", pp, i);
    const json& r = Object(pkgs[i], p);
    LockedPackage package{String(r, p, "name"), String(r, p, "version"),
                          OptString(r, p, "installer"), OptString(r, p, "direct_url")};
    if (package.name.empty()) Fail(p + ".name", "empty package name");
    // Optional (added within lock_version 1): absent in locks of pip-only environments and
    // in those of older dlenv versions.
    package.distro_package = OptString(r, p, "distro_package");
    package.distro_version = OptString(r, p, "distro_version");
    package.channel = OptString(r, p, "channel");
    package.build = OptString(r, p, "build");
    package.conda_name = OptString(r, p, "conda_name");
    python.packages.push_back(std::move(package));
  }
  const json& fws = Array(Field(py, pp, "frameworks"), pp + ".frameworks");
  for (std::size_t i = 0; i < fws.size(); ++i) {
    std::string p = fmt::format("{}.frameworks[{}]", pp, i);
    const json& f = Object(fws[i], p);
    python.frameworks.push_back({String(f, p, "name"), String(f, p, "package"),
                                 String(f, p, "version"), Bool(f, p, "cuda_build"),
                                 OptString(f, p, "cuda_version"), OptString(f, p, "rocm_version"),
                                 OptString(f, p, "cudnn_version"), StringArray(f, p, "cuda_archs"),
                                 OptString(f, p, "numpy_abi")});
  }
  lock.python = std::move(python);
}

// Paths of top-level fields start with '.' (".content_hash"); read better without it.
std::string Clean(std::string what) {
  if (what.starts_with(": ")) what.erase(0, 2);
  if (what.starts_with(".")) what.erase(0, 1);
  return what;
}

}  // namespace

ReadResult ParseLock(std::string_view text, const std::string& source) {
  ReadResult result;
  auto fail = [&](const std::string& what) {
    result.error = fmt::format("{}: {}", source, what);
    return result;
  };
  if (text.size() > kMaxLockBytes) {
    return fail(
        fmt::format("{} bytes is larger than any lock ({} at most)", text.size(), kMaxLockBytes));
  }
  if (text.empty())
    return fail("the file is empty; not a lock file (make one with `dlenv lock -o FILE`)");

  bool too_deep = false;
  json doc;
  try {
    // The callback prunes anything nested deeper than kMaxDepth while parsing, so a hostile
    // document never becomes a deep tree in memory.
    doc = json::parse(text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDepth) {
        too_deep = true;
        return false;
      }
      return true;
    });
  } catch (const json::exception& ex) {
    // nlohmann's message names the byte offset; truncation reads as "unexpected end of input".
    return fail(fmt::format("not valid JSON (truncated or corrupt?): {}", ex.what()));
  }
  if (too_deep)
    return fail(fmt::format("nested more than {} levels deep; not a lock file", kMaxDepth));
  if (!doc.is_object()) return fail("expected a JSON object at the top, found " + TypeName(doc));

  return LockFromJson(doc, source);
}

ReadResult LockFromJson(const nlohmann::json& doc, const std::string& source) {
  ReadResult result;
  auto fail = [&](const std::string& what) {
    result.error = fmt::format("{}: {}", source, what);
    return result;
  };
  if (!doc.is_object()) return fail("expected a JSON object at the top, found " + TypeName(doc));
  Lock lock;
  if (!doc.contains("lock_version")) {
    return fail(
        "no \"lock_version\" field; not a dlenv lock file (make one with `dlenv lock -o FILE`)");
  }
  try {
    lock.lock_version =
        static_cast<int>(Integer(doc, "", "lock_version", 1, std::numeric_limits<int>::max()));
  } catch (const FormatError& ex) {
    return fail(Clean(ex.what()));
  }
  if (lock.lock_version > kLockVersion) {
    return fail(
        fmt::format("written by a newer dlenv (lock_version {}; this dlenv reads lock_version {} "
                    "and older); upgrade dlenv",
                    lock.lock_version, kLockVersion));
  }
  try {
    lock.content_hash = String(doc, "", "content_hash");
    if (auto at = OptString(doc, "", "generated_at")) lock.generated_at = *at;
    if (auto by = OptString(doc, "", "generated_by")) lock.generated_by = *by;
    if (auto it = doc.find("source"); it != doc.end() && !it->is_null()) {
      lock.source_python = OptString(Object(*it, "source"), "source", "python");
    }
    const json& env = Field(doc, "", "environment");
    ReadEnvironment(env, lock);
    std::string expected = ContentHash(lock.lock_version, env);
    if (expected != lock.content_hash) {
      return fail(
          fmt::format("content_hash {} does not match the environment it describes ({}); the file "
                      "was edited after "
                      "`dlenv lock` wrote it: lock again rather than editing by hand",
                      lock.content_hash, expected));
    }
  } catch (const FormatError& ex) {
    return fail(Clean(ex.what()));
  } catch (const json::exception& ex) {
    return fail(ex.what());
  }
  result.lock = std::move(lock);
  return result;
}

}  // namespace dlenv::lock
