// unattended-upgrades' origin patterns, against unattended-upgrades itself (2.9.1, Debian 12):
// its match_whitelist_string, get_allowed_origins_legacy and Python's string.Template, run by
// tests/oracles/unattended_upgrade.py on the same patterns and repositories.

#include "rules/unattended_origins.h"

#include <gtest/gtest.h>

#include "testing/require.h"
#include "testing/unattended_oracle.h"

namespace dlenv::rules {
namespace {

using model::AptOrigin;
using nlohmann::json;

const DistroNames kDebian{"Debian", "bookworm"};

// Repositories a GPU machine's apt knows: Debian's archive and security suite, Ubuntu's and its
// ESM, NVIDIA's CUDA repository (flat, no suite), a PPA, and one with a comma in its label.
std::vector<AptOrigin> Origins() {
  return {
      {"Debian", "Debian", "stable", "bookworm", "non-free", "deb.debian.org"},
      {"Debian", "Debian-Security", "stable-security", "bookworm-security", "main",
       "deb.debian.org"},
      {"Debian", "Debian", "stable-updates", "bookworm-updates", "non-free", "deb.debian.org"},
      {"Ubuntu", "Ubuntu", "jammy-security", "jammy", "restricted", "archive.ubuntu.com"},
      {"UbuntuESMApps", "Ubuntu", "jammy-apps-security", "jammy", "main", "esm.ubuntu.com"},
      {"NVIDIA", "NVIDIA CUDA", "", "", "", "developer.download.nvidia.com"},
      {"LP-PPA-graphics-drivers", "PPA for Ubuntu Graphics Drivers Team", "jammy", "jammy", "main",
       "ppa.launchpadcontent.net"},
      {"Example", "a,b", "x", "y", "", ""},
  };
}

std::vector<std::string> Patterns() {
  return {
      // Debian 12's 50unattended-upgrades, as shipped.
      "origin=Debian,codename=${distro_codename},label=Debian",
      "origin=Debian,codename=${distro_codename},label=Debian-Security",
      "origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
      // Ubuntu's Allowed-Origins, converted as unattended-upgrades converts them.
      "o=Ubuntu,a=jammy-security",
      "o=${distro_id}ESMApps,a=${distro_codename}-apps-security",
      // What users add: NVIDIA's repository, by origin, label or site; wildcards.
      "origin=NVIDIA",
      "o=NVIDIA,l=NVIDIA CUDA",
      "site=developer.download.nvidia.com",
      "o=*",
      "n=${distro_codename}*,c=non-*",
      "o=LP-PPA-*,a=$distro_codename",
      "o=[DU]*,l=Debian-Sec?rity",
      "o=[!D]*",
      "l=a\\,b",
      "  o = Debian , a = stable  ",
      "o=Debian,c=",
      // What unattended-upgrades refuses or never matches.
      "",
      "o",
      "x=Debian",
      "o=a=b",
      "o=Debian,",
      "o=$foo",
      "o=${distro_id",
      "o=$$distro_id",
      "o=Debian$",
  };
}

TEST(UnattendedOrigins, MatchesAsUnattendedUpgradeItself) {
  std::string why;
  const auto script = testing::UnattendedUpgradeScript(&why);
  if (!script) DLENV_SKIP_OR_FAIL(why);
  json request = {{"distro", {{"id", kDebian.id}, {"codename", kDebian.codename}}}};
  json cases = json::array();
  for (const auto& p : Patterns()) {
    for (const auto& o : Origins()) {
      cases.push_back({p,
                       {{"origin", o.origin},
                        {"label", o.label},
                        {"archive", o.archive},
                        {"codename", o.codename},
                        {"component", o.component},
                        {"site", o.site}}});
    }
  }
  request["matches"] = cases;
  const auto answer = testing::AskUnattendedUpgrade(*script, request, &why);
  ASSERT_TRUE(answer) << why;
  const auto& expected = (*answer)["matches"];
  ASSERT_EQ(expected.size(), cases.size());
  std::size_t i = 0, matched = 0;
  for (const auto& p : Patterns()) {
    for (const auto& o : Origins()) {
      const bool ours = OriginPatternMatches(p, o, kDebian);
      EXPECT_EQ(ours, expected[i].get<bool>())
          << "pattern \"" << p << "\" on " << DescribeOrigin(o);
      matched += ours;
      ++i;
    }
  }
  // Neither all nor none: the matrix tells matches from misses.
  EXPECT_GT(matched, 15u);
  EXPECT_LT(matched, cases.size() / 2);
}

TEST(UnattendedOrigins, AllowedOriginsAndSubstitutionAsUnattendedUpgradeItself) {
  std::string why;
  const auto script = testing::UnattendedUpgradeScript(&why);
  if (!script) DLENV_SKIP_OR_FAIL(why);
  const std::vector<std::string> legacy = {
      "${distro_id}:${distro_codename}",
      "${distro_id}:${distro_codename}-security",
      "${distro_id}ESMApps:${distro_codename}-apps-security",
      "Ubuntu jammy-updates",
      "  Ubuntu\tjammy  ",
      "o\\:x:y",
      "Debian,x:stable,y",
      ",lead:x",
      "a:b:c",
      "one",
      "a b c",
      "$nope:x",
  };
  const std::vector<std::string> texts = {
      "${distro_codename}-security",
      "$distro_id",
      "$$",
      "$$distro_id",
      "${distro_id}x",
      "$distro_idx",
      "$",
      "${}",
      "${distro_codename",
      "a$1",
      "plain",
      "$Distro_id",
      "${_x}",
  };
  const json request = {{"distro", {{"id", "Ubuntu"}, {"codename", "jammy"}}},
                        {"legacy", legacy},
                        {"substitute", texts}};
  const auto answer = testing::AskUnattendedUpgrade(*script, request, &why);
  ASSERT_TRUE(answer) << why;
  const DistroNames ubuntu{"Ubuntu", "jammy"};
  std::size_t refused = 0;
  for (std::size_t i = 0; i < legacy.size(); ++i) {
    std::vector<std::string> unreadable;
    const auto ours = AllowedOriginPatterns({legacy[i]}, {}, ubuntu, &unreadable);
    const auto& theirs = (*answer)["legacy"][i];
    if (theirs.is_null()) {
      EXPECT_TRUE(ours.empty()) << legacy[i];
      EXPECT_EQ(unreadable.size(), 1u) << legacy[i];
      ++refused;
    } else {
      EXPECT_EQ(json(ours), theirs) << legacy[i];
    }
  }
  EXPECT_GE(refused, 3u);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto ours = SubstituteDistro(texts[i], ubuntu);
    const auto& theirs = (*answer)["substitute"][i];
    if (theirs.is_null())
      EXPECT_FALSE(ours) << texts[i] << " -> " << ours.value_or("");
    else
      EXPECT_EQ(ours, theirs.get<std::string>()) << texts[i];
  }
}

TEST(UnattendedOrigins, DescribeAsAptCachePolicy) {
  EXPECT_EQ(DescribeOrigin(Origins()[1]),
            "o=Debian,a=stable-security,n=bookworm-security,l=Debian-Security,c=main "
            "(deb.debian.org)");
  EXPECT_EQ(DescribeOrigin(Origins()[5]), "o=NVIDIA,l=NVIDIA CUDA (developer.download.nvidia.com)");
}

}  // namespace
}  // namespace dlenv::rules
