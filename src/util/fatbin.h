#pragma once
// The architectures inside an NVIDIA fat binary (the .nv_fatbin section that nvcc links
// into every shared object with device code): SASS machine code for sm_XY and PTX for
// compute_XY, read from the container and entry headers alone.
//
// NVIDIA does not document the container; the layout below is what cuobjdump reads, as
// described by public reverse-engineering notes (GrigoryEvko/nvopen-tools
// fatbin/FORMAT_SPECIFICATION.md, the Kaitai fatbin description, n-eiling's
// cuda-fatbin-decompression) and checked against nvcc's output in fatbin_test.cc:
//   container: u32 magic 0xBA55ED50, u16 version 1, u16 header size (16), u64 size of the
//              entries that follow the header. Containers follow one another, 8-aligned.
//   entry:     u16 kind (1 PTX, 2 ELF/SASS), u16 version, u32 header size (64, 80, 112),
//              u64 payload size (padded), ..., u32 at +28 the sm number (80 for sm_80),
//              u8 at +42 the target's suffix (0x10 "a": sm_90a, arch-specific; 0x20 "f":
//              sm_100f, family-specific; 0 none), as nvcc 13.0 writes them and cuobjdump
//              names them (fatbin_test.cc).
//              The next entry starts at entry + header size + payload size.
// Payloads (often compressed) are never read, so the reader touches only header pages of
// a library whose fat binary is hundreds of megabytes.

#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace dlenv::util {

struct FatbinContents {
  std::set<int> sass;  // 75, 80, ... (machine code for sm_75, sm_80, sm_90a alike)
  std::set<int> ptx;   // 90 (PTX for compute_90)
  /// Each entry's target with its suffix: {90, 'a'} for sm_90a, {80, 0} for sm_80.
  std::set<std::pair<int, char>> sass_targets;
  std::set<std::pair<int, char>> ptx_targets;
  int containers = 0;
  int entries = 0;
  /// Set when a header pointed outside the section, or bytes between containers were not
  /// a container; what was read before that is kept.
  std::string problem;

  /// "sm_75", "sm_80", "sm_90a", "compute_90", sorted by architecture, then kind, then suffix.
  std::vector<std::string> ArchNames() const;
};

FatbinContents ParseFatbin(std::span<const std::byte> section);

/// Whether code compiled for `arches` ("sm_80", "compute_90", "sm_90a") runs on a GPU of this
/// compute capability: SASS for sm_XY (and family-specific sm_XYf) runs on major X with minor
/// >= Y; PTX for compute_XY is JIT-compiled for any compute capability >= X.Y; arch-specific
/// code (sm_XYa, compute_XYa) runs on X.Y only (CUDA C++ Programming Guide, "Binary
/// Compatibility", "PTX Compatibility" and "Feature Availability").
bool ArchesRunOn(const std::vector<std::string>& arches, int cc_major, int cc_minor);

}  // namespace dlenv::util
