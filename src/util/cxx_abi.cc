#include "util/cxx_abi.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace dlenv::util {

StringAbi StringAbiOf(std::string_view mangled) {
  // "B5cxx11" is the abi_tag a C++11-ABI function returning std::string carries in its name.
  if (mangled.find("St7__cxx11") != std::string_view::npos ||
      mangled.find("B5cxx11") != std::string_view::npos)
    return StringAbi::kCxx11;
  if (!mangled.starts_with("_Z")) return StringAbi::kNone;
  // libstdc++'s own demangler: the Itanium grammar's substitutions are not worth a second
  // hand-written parser here. It needs a NUL-terminated copy and returns malloc'ed text.
  const std::string name(mangled);
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> text(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !text) return StringAbi::kNone;
  const std::string_view demangled(text.get());
  return demangled.find("std::string") != std::string_view::npos ||
                 demangled.find("std::basic_string<") != std::string_view::npos
             ? StringAbi::kPreCxx11
             : StringAbi::kNone;
}

std::string StringAbiName(StringAbi abi) {
  switch (abi) {
    case StringAbi::kCxx11:
      return "C++11 (_GLIBCXX_USE_CXX11_ABI=1)";
    case StringAbi::kPreCxx11:
      return "pre-C++11 (_GLIBCXX_USE_CXX11_ABI=0)";
    case StringAbi::kNone:
      break;
  }
  return "";
}

}  // namespace dlenv::util
