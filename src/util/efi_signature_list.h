#pragma once
// UEFI's EFI_SIGNATURE_LIST, the format of the db, dbx and shim's MokList variables (UEFI
// Specification 2.10, 32.4.1 "Signature Database"): a sequence of lists, each a 16-byte type
// GUID, three little-endian 32-bit sizes (list, header, each signature), the header, then
// signatures of an owner GUID and data. Shim's Machine Owner Keys (MokListRT, MokNew) are X.509
// certificates in DER, so "is this key enrolled" is a byte comparison of a certificate with
// each entry of type EFI_CERT_X509_GUID.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

inline constexpr std::string_view kEfiCertX509Guid = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072";

struct EfiSignature {
  std::string type;   // the list's type GUID, lowercase: a5c059a1-94e4-4aa7-87b5-ab155c2bf072
  std::string owner;  // the signature's owner GUID
  std::string data;   // a DER certificate for X.509 entries, a hash for hash types
};

/// Every signature of the lists in `data` (the variable's value, without efivarfs' 4-byte
/// attribute prefix). nullopt, with `error`, when a list's sizes do not fit the data: a damaged
/// or truncated variable is named, never read past.
std::optional<std::vector<EfiSignature>> ParseEfiSignatureLists(std::string_view data,
                                                                std::string* error);

/// The GUID at `at` as text (mixed-endian, as UEFI and efivarfs' file names write it).
std::string EfiGuidText(std::string_view bytes16);

}  // namespace dlenv::util
