#include "util/efi_signature_list.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace dlenv::util {
namespace {

// EFI_CERT_X509_GUID and EFI_CERT_SHA256_GUID in their on-disk (mixed-endian) bytes, as the
// UEFI specification's 32.4.1 defines them.
const std::string kX509Bytes("\xa1\x59\xc0\xa5\xe4\x94\xa7\x4a\x87\xb5\xab\x15\x5c\x2b\xf0\x72",
                             16);
const std::string kSha256Bytes("\x26\x16\xc4\xc1\x4c\x50\x92\x40\xac\xa9\x41\xf9\x36\x93\x43\x28",
                               16);
const std::string kOwner(16, '\x11');

std::string Le32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i) & 0xff);
  return s;
}

std::string List(const std::string& type, std::uint32_t signature_data_bytes, int count,
                 char fill) {
  const std::uint32_t sig = 16 + signature_data_bytes;
  std::string s = type + Le32(28 + sig * count) + Le32(0) + Le32(sig);
  for (int i = 0; i < count; ++i) s += kOwner + std::string(signature_data_bytes, fill + i);
  return s;
}

TEST(EfiSignatureList, GuidsReadMixedEndianAsUefiWritesThem) {
  EXPECT_EQ(EfiGuidText(kX509Bytes), kEfiCertX509Guid);
  EXPECT_EQ(EfiGuidText(kSha256Bytes), "c1c41626-504c-4092-aca9-41f936934328");
}

TEST(EfiSignatureList, EverySignatureOfEveryListWithItsType) {
  const std::string data = List(kX509Bytes, 40, 1, 'a') + List(kSha256Bytes, 32, 2, 'x');
  std::string error;
  const auto sigs = ParseEfiSignatureLists(data, &error);
  ASSERT_TRUE(sigs) << error;
  ASSERT_EQ(sigs->size(), 3u);
  EXPECT_EQ((*sigs)[0].type, kEfiCertX509Guid);
  EXPECT_EQ((*sigs)[0].data, std::string(40, 'a'));
  EXPECT_EQ((*sigs)[0].owner, "11111111-1111-1111-1111-111111111111");
  EXPECT_EQ((*sigs)[1].type, "c1c41626-504c-4092-aca9-41f936934328");
  EXPECT_EQ((*sigs)[2].data, std::string(32, 'y'));
  EXPECT_TRUE(ParseEfiSignatureLists("", &error)->empty());
}

TEST(EfiSignatureList, DamagedListsAreNamedNotReadPast) {
  const std::string good = List(kX509Bytes, 40, 1, 'a');
  std::string error;
  EXPECT_FALSE(ParseEfiSignatureLists(good.substr(0, good.size() - 1), &error));
  EXPECT_NE(error.find("inconsistent sizes"), std::string::npos) << error;
  EXPECT_FALSE(ParseEfiSignatureLists(good + "\x01\x02", &error));
  EXPECT_EQ(error, "2 trailing bytes at offset 84 are shorter than a list header");
  std::string zero_size = good;
  zero_size.replace(24, 4, Le32(0));  // a signature size of 0 would never advance
  EXPECT_FALSE(ParseEfiSignatureLists(zero_size, &error));
  std::string huge = good;
  huge.replace(20, 4, Le32(0xffffffffu));  // a header larger than the list
  EXPECT_FALSE(ParseEfiSignatureLists(huge, &error));
}

}  // namespace
}  // namespace dlenv::util
