#include "util/pci_config.h"

#include <gtest/gtest.h>

#include "testing/pci_fixtures.h"

namespace dlenv::util {
namespace {

void Put32(std::string& c, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) c[at + i] = static_cast<char>(v >> (8 * i) & 0xFF);
}

TEST(PciAcs, FindsTheCapabilityAfterOthersInTheChain) {
  const auto acs = ParsePciAcs(testing::PcieBridgeConfig(0x001D));
  EXPECT_EQ(acs.state, AcsState::kPresent);
  EXPECT_EQ(acs.offset, 0x950);
  EXPECT_EQ(acs.capability, 0x005F);
  EXPECT_EQ(acs.control, 0x001D);
  EXPECT_TRUE(acs.control & kAcsRedirectsP2p);
}

TEST(PciAcs, WholeChainWithoutAcsIsAbsent) {
  EXPECT_EQ(ParsePciAcs(testing::PcieBridgeConfig(std::nullopt)).state, AcsState::kAbsent);
  EXPECT_EQ(ParsePciAcs(testing::GpuConfig()).state, AcsState::kAbsent);
}

TEST(PciAcs, ShortReadsAreUnknownNotOff) {
  const std::string full = testing::PcieBridgeConfig(0x001D);
  EXPECT_EQ(ParsePciAcs(full.substr(0, 64)).state, AcsState::kUnknown);   // not root
  EXPECT_EQ(ParsePciAcs(full.substr(0, 256)).state, AcsState::kUnknown);  // no ECAM
  EXPECT_EQ(ParsePciAcs(full.substr(0, 10)).state, AcsState::kUnknown);
  EXPECT_EQ(ParsePciAcs("").state, AcsState::kUnknown);
}

TEST(PciAcs, ConventionalPciHasNoExtendedSpace) {
  std::string c(256, '\0');
  c[0x06] = 0x10;  // capability list: only Power Management
  c[0x34] = 0x40;
  c[0x40] = 0x01;
  EXPECT_EQ(ParsePciAcs(c).state, AcsState::kAbsent);
  c[0x06] = 0;  // no capability list at all
  EXPECT_EQ(ParsePciAcs(c).state, AcsState::kAbsent);
}

TEST(PciAcs, MalformedChainsEndAsUnknown) {
  std::string c = testing::PcieBridgeConfig(std::nullopt);
  Put32(c, 0x448, 0x000B | 1u << 16 | 0x100u << 20);  // back to the first: a loop
  EXPECT_EQ(ParsePciAcs(c).state, AcsState::kUnknown);
  Put32(c, 0x448, 0x000B | 1u << 16 | 0x040u << 20);  // into the conventional space
  EXPECT_EQ(ParsePciAcs(c).state, AcsState::kUnknown);
  Put32(c, 0x100, 0xFFFFFFFFu);  // a device that is gone reads all ones
  EXPECT_EQ(ParsePciAcs(c).state, AcsState::kAbsent);
  std::string loop(4096, '\0');
  loop[0x06] = 0x10;
  loop[0x34] = 0x40;
  loop[0x40] = 0x01;
  loop[0x41] = 0x40;  // the standard list points at itself
  EXPECT_EQ(ParsePciAcs(loop).state, AcsState::kUnknown);
}

TEST(PciAcs, ControlTextNamesBitsAsLspciDoes) {
  EXPECT_EQ(AcsControlText(0x001D),
            "SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-");
  EXPECT_EQ(AcsControlText(0),
            "SrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-");
}

}  // namespace
}  // namespace dlenv::util
