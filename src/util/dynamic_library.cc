#include "util/dynamic_library.h"

#include <dlfcn.h>
#include <link.h>

namespace dlenv::util {

DynamicLibrary DynamicLibrary::Open(const std::vector<std::string>& names) {
  DynamicLibrary lib;
  for (const auto& name : names) {
    dlerror();
    void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      if (!lib.error_.empty()) lib.error_ += "; ";
      lib.error_ += e ? e : name + ": unknown error";
      continue;
    }
    lib.handle_ = h;
    lib.error_.clear();
    link_map* map = nullptr;
    if (dlinfo(h, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name) {
      lib.path_ = map->l_name;
    } else {
      lib.path_ = name;
    }
    break;
  }
  return lib;
}

DynamicLibrary::DynamicLibrary(DynamicLibrary&& o) noexcept
    : handle_(o.handle_), path_(std::move(o.path_)), error_(std::move(o.error_)) {
  o.handle_ = nullptr;
}

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& o) noexcept {
  if (this != &o) {
    if (handle_) dlclose(handle_);
    handle_ = o.handle_;
    path_ = std::move(o.path_);
    error_ = std::move(o.error_);
    o.handle_ = nullptr;
  }
  return *this;
}

DynamicLibrary::~DynamicLibrary() {
  if (handle_) dlclose(handle_);
}

void* DynamicLibrary::Symbol(const char* name) const {
  return handle_ ? dlsym(handle_, name) : nullptr;
}

}  // namespace dlenv::util
