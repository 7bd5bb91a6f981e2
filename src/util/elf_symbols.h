#pragma once
// The dynamic symbols of an ELF64 shared object (.dynsym with .dynstr, and .gnu.hash to look a
// name up without reading the whole table): what an extension module needs from the libraries
// it links (its undefined symbols) and whether a library exports a name. libtorch_cpu.so
// exports some 100,000 symbols: a lookup goes through its GNU hash table, a few reads per name,
// so no table of names is ever built in memory. Every offset is checked against the image.
// Symbol versions (.gnu.version with .gnu.version_r) say which library an undefined symbol is
// asked of: libcusparse.so.12 needs __nvJitLinkAddData_12_5 "version libnvJitLink.so.12".

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/elf.h"

namespace dlenv::util {

class DynamicSymbols {
 public:
  /// nullopt (with `error` set) when the image has no readable .dynsym/.dynstr.
  static std::optional<DynamicSymbols> Read(std::span<const std::byte> image, const ElfInfo& info,
                                            std::string* error);

  /// The undefined symbols that a global or weak reference asks for, first `limit` of them.
  std::vector<std::string> Undefined(std::size_t limit = 1u << 20) const;
  /// Whether the object defines and exports this name (global or weak, default or protected
  /// visibility). Through .gnu.hash when the object has one, else one pass over .dynsym.
  bool Exports(std::string_view name) const;
  /// The undefined symbols whose version requirement names `file` (a DT_NEEDED soname such as
  /// "libnvJitLink.so.12"), first `limit` of them; empty when the object has no symbol versions.
  std::vector<std::string> UndefinedFrom(std::string_view file, std::size_t limit = 1u << 20) const;
  /// Whether any exported name contains `part`: one pass over .dynsym (libc10.so: some 10,000
  /// entries), for what no single name answers, such as which std::string ABI a library uses.
  bool ExportsAnyContaining(std::string_view part) const;
  std::size_t size() const { return count_; }

 private:
  struct Symbol {
    std::string_view name;
    unsigned char bind = 0;
    unsigned char visibility = 0;
    std::uint16_t section = 0;
  };
  std::optional<Symbol> At(std::size_t index) const;
  std::optional<std::string_view> StringAt(std::size_t offset) const;
  bool ExportedAt(std::size_t index, std::string_view name) const;
  std::optional<bool> LookupGnuHash(std::string_view name) const;
  std::vector<std::uint16_t> VersionIndexesOf(std::string_view file) const;

  std::span<const std::byte> symtab_;
  std::span<const std::byte> strtab_;
  std::span<const std::byte> gnu_hash_;
  std::span<const std::byte> versym_;   // one 16-bit version index per .dynsym entry
  std::span<const std::byte> verneed_;  // Elf64_Verneed entries, each with its Elf64_Vernaux list
  std::size_t count_ = 0;
};

/// A shared object mapped with its ELF header and dynamic symbols, which point into the
/// mapping: the three live together (a MappedFile's move keeps the mapping where it is).
struct SharedObject {
  MappedFile file;
  ElfInfo elf;
  DynamicSymbols symbols;
};

/// `path` (a path on this machine) mapped and read; nullopt, with `error`, when it cannot be
/// mapped, is not ELF, or has no dynamic symbol table.
std::optional<SharedObject> OpenSharedObject(const std::filesystem::path& path, std::string* error);

}  // namespace dlenv::util
