#pragma once
// Slurm's host list syntax: `gpu[01-12,15],login1`. Written by hand because no Debian -dev
// package provides it without linking libslurm (slurm_hostlist_* lives only there, and
// dlenv runs where Slurm is absent too); the syntax is small and the tests pin it down.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::fleet {

/// Expansions past this many names are refused (a typo like `n[0-99999999]`).
inline constexpr std::size_t kMaxHostlistNames = 1'000'000;

struct HostlistExpansion {
  std::vector<std::string> hosts;  // in the order written, duplicates kept
  std::string error;               // empty on success
};

/// `gpu[01-03,07],cpu[1-2]-ib,rack[1-2]-n[1-2]` -> gpu01 gpu02 gpu03 gpu07 cpu1-ib ... A
/// range keeps the zero padding of its first bound ([08-10] -> 08 09 10). Whitespace
/// between entries is allowed, as `sinfo` output joined with spaces is a list too.
HostlistExpansion ExpandHostlist(std::string_view list);

/// The inverse, as Slurm writes it: names grouped by the text around their last number,
/// runs of numbers as ranges, zero padding kept (gpu01..gpu12 + gpu15 -> `gpu[01-12,15]`);
/// names without a number as they are. Sorted, duplicates dropped.
std::string CompressHostlist(std::vector<std::string> hosts);

}  // namespace dlenv::fleet
