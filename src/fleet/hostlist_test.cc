#include "fleet/hostlist.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dlenv::fleet {
namespace {

using Names = std::vector<std::string>;

Names Expand(std::string_view s) {
  auto r = ExpandHostlist(s);
  EXPECT_EQ(r.error, "") << s;
  return r.hosts;
}

std::string ExpandError(std::string_view s) {
  auto r = ExpandHostlist(s);
  EXPECT_TRUE(r.hosts.empty()) << s;
  return r.error;
}

TEST(FleetHostlist, ExpandsRangesWithPadding) {
  EXPECT_EQ(Expand("gpu[01-03,07]"), (Names{"gpu01", "gpu02", "gpu03", "gpu07"}));
  EXPECT_EQ(Expand("n[8-11]"), (Names{"n8", "n9", "n10", "n11"}));
  EXPECT_EQ(Expand("n[08-10]"), (Names{"n08", "n09", "n10"}));
  EXPECT_EQ(Expand("n[098-100]"), (Names{"n098", "n099", "n100"}));
}

TEST(FleetHostlist, ExpandsSeveralPrefixesSuffixesAndProducts) {
  EXPECT_EQ(Expand("gpu[1-2],cpu[1-2]-ib,login"),
            (Names{"gpu1", "gpu2", "cpu1-ib", "cpu2-ib", "login"}));
  EXPECT_EQ(Expand("rack[1-2]-n[1-2]"), (Names{"rack1-n1", "rack1-n2", "rack2-n1", "rack2-n2"}));
  EXPECT_EQ(Expand("a1 a2\nb3,,"), (Names{"a1", "a2", "b3"}));
  EXPECT_EQ(Expand(""), Names{});
}

TEST(FleetHostlist, RefusesMalformedListsWithAReason) {
  EXPECT_NE(ExpandError("gpu[01-03"), "");
  EXPECT_NE(ExpandError("gpu01-03]"), "");
  EXPECT_NE(ExpandError("gpu[03-01]").find("backwards"), std::string::npos);
  EXPECT_NE(ExpandError("gpu[a-b]").find("not a number"), std::string::npos);
  EXPECT_NE(ExpandError("gpu[1-2[3]]"), "");
  EXPECT_NE(ExpandError("gpu[1, 2]"), "");
  EXPECT_NE(ExpandError("n[0-99999999]").find("refusing"), std::string::npos);
  EXPECT_NE(ExpandError("a[0-9999]b[0-9999]").find("refusing"), std::string::npos);
  EXPECT_NE(ExpandError("n[1-99999999999999999999]"), "");
}

TEST(FleetHostlist, CompressesAsSlurmWrites) {
  Names hosts;
  for (int i = 1; i <= 12; ++i)
    hosts.push_back(i < 10 ? "gpu0" + std::to_string(i) : "gpu" + std::to_string(i));
  hosts.push_back("gpu15");
  EXPECT_EQ(CompressHostlist(hosts), "gpu[01-12,15]");
  EXPECT_EQ(CompressHostlist({"n3", "n1", "n2", "n10", "n1"}), "n[1-3,10]");
  EXPECT_EQ(CompressHostlist({"gpu07"}), "gpu07");
  EXPECT_EQ(CompressHostlist({"login", "cpu2-ib", "cpu1-ib", "gpu1"}), "cpu[1-2]-ib,gpu1,login");
  EXPECT_EQ(CompressHostlist({"rack1-n1", "rack1-n2", "rack2-n1"}), "rack1-n[1-2],rack2-n1");
  EXPECT_EQ(CompressHostlist({"n01", "n1"}), "n1,n01");
  EXPECT_EQ(CompressHostlist({}), "");
}

TEST(FleetHostlist, CompressionRoundTrips) {
  const char* lists[] = {"gpu[001-120,200-230]", "a[1-9],b[10-12]-x,c", "n[8-12]",
                         "z[09-11],z[100-101]"};
  for (const char* l : lists) {
    Names hosts = Expand(l);
    Names back = Expand(CompressHostlist(hosts));
    std::sort(hosts.begin(), hosts.end());
    std::sort(back.begin(), back.end());
    EXPECT_EQ(back, hosts) << l << " -> " << CompressHostlist(hosts);
  }
}

}  // namespace
}  // namespace dlenv::fleet
