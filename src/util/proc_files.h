#pragma once
// Parsers for the small text files the host probe reads (/etc/os-release, /proc/cpuinfo,
// /proc/meminfo, /proc/1/cgroup, libc.so.6's banner). Pure functions of the file's text,
// so that tests and fuzzers reach them without a filesystem. Hand-written because each
// format is a few lines and no Debian library parses them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dlenv::util {

/// os-release(5): KEY=value lines, values optionally quoted with shell-style escapes.
std::map<std::string, std::string> ParseOsRelease(std::string_view text);

struct CpuInfo {
  std::string model;     // "model name" (x86), "Processor"/"Hardware"/"CPU part" elsewhere
  int logical_cpus = 0;  // number of "processor" stanzas
};
CpuInfo ParseCpuInfo(std::string_view text);

/// MemTotal from /proc/meminfo, in bytes; nullopt when absent or malformed.
std::optional<std::uint64_t> ParseMemTotal(std::string_view text);

/// The container runtime that /proc/1/cgroup names (docker, kubernetes, podman, lxc), if any.
std::optional<std::string> ContainerFromCgroup(std::string_view text);

/// "2.36" from the banner glibc embeds in libc.so.6
/// ("GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.").
std::optional<std::string> GlibcVersionFromBanner(std::string_view libc_bytes);

}  // namespace dlenv::util
