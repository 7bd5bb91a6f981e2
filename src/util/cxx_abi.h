#pragma once
// libstdc++'s two std::string ABIs as they show in mangled symbol names. Since GCC 5 a library is
// built with the C++11 ABI (_GLIBCXX_USE_CXX11_ABI=1: std::string is
// std::__cxx11::basic_string, mangled "NSt7__cxx1112basic_string...") or with the old one
// (=0: std::string is the "Ss" abbreviation). An extension built with the other flag than its
// torch asks for names torch does not export: "undefined symbol: _ZN3c106DeviceC1ERKSs".
// (libstdc++ manual, "Dual ABI".)

#include <string>
#include <string_view>

namespace dlenv::util {

enum class StringAbi { kNone, kCxx11, kPreCxx11 };

/// Which std::string a mangled name takes (or, through the C++11 ABI's "B5cxx11" tag, returns):
/// kNone when it names none (an old-ABI function that only returns one does not say), or does
/// not demangle. The old ABI's string is recognised by demangling (libstdc++'s __cxa_demangle
/// prints the "Ss" abbreviation as "std::string"), not by searching for "Ss", which can be part
/// of an identifier.
StringAbi StringAbiOf(std::string_view mangled);

/// "C++11 (_GLIBCXX_USE_CXX11_ABI=1)", "pre-C++11 (_GLIBCXX_USE_CXX11_ABI=0)", "".
std::string StringAbiName(StringAbi abi);

}  // namespace dlenv::util
