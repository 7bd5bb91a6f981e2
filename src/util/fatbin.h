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
//              u64 payload size (padded), ..., u32 at +28 the sm number (80 for sm_80).
//              The next entry starts at entry + header size + payload size.
// Payloads (often compressed) are never read, so the reader touches only header pages of
// a library whose fat binary is hundreds of megabytes.

#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace dlenv::util {

struct FatbinContents {
  std::set<int> sass;  // 75, 80, ... (machine code for sm_75, sm_80)
  std::set<int> ptx;   // 90 (PTX for compute_90)
  int containers = 0;
  int entries = 0;
  /// Set when a header pointed outside the section, or bytes between containers were not
  /// a container; what was read before that is kept.
  std::string problem;

  /// "sm_75", "sm_80", "compute_90", sorted by architecture then kind.
  std::vector<std::string> ArchNames() const;
};

FatbinContents ParseFatbin(std::span<const std::byte> section);

/// Whether code compiled for `arches` ("sm_80", "compute_90", "sm_90a") runs on a GPU of this
/// compute capability: SASS for sm_XY runs on major X with minor >= Y; PTX for compute_XY is
/// JIT-compiled for any compute capability >= X.Y (CUDA C++ Programming Guide, "Binary
/// Compatibility" and "PTX Compatibility").
bool ArchesRunOn(const std::vector<std::string>& arches, int cc_major, int cc_minor);

}  // namespace dlenv::util
