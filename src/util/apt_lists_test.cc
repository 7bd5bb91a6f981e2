// apt's list files: Release and InRelease paragraphs, the file names apt gives a dists
// repository's and a flat repository's lists (as apt 2.6 wrote them for the repositories in
// src/probe/apt_origins_test.cc, and for deb.debian.org and NVIDIA's CUDA repository), and the
// package names a Packages list carries.

#include "util/apt_lists.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

TEST(AptLists, ReleaseAndInReleaseFields) {
  const std::string fields =
      "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\n"
      "Codename: bookworm-security\nDate: Tue, 01 Dec 2026 00:00:00 UTC\nSHA256:\n"
      " 0123 1000 main/binary-amd64/Packages\n";
  auto plain = ParseAptRelease(fields);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->origin, "Debian");
  EXPECT_EQ(plain->label, "Debian-Security");
  EXPECT_EQ(plain->suite, "stable-security");
  EXPECT_EQ(plain->codename, "bookworm-security");

  // InRelease: the signed text between the armour's header and its signature.
  const std::string signed_text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + fields +
                                  "-----BEGIN PGP SIGNATURE-----\n\nOrigin: Forged\n"
                                  "-----END PGP SIGNATURE-----\n";
  auto in = ParseAptRelease(signed_text);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->origin, "Debian");
  EXPECT_EQ(in->codename, "bookworm-security");

  auto crlf = ParseAptRelease("origin: NVIDIA\r\nLABEL: NVIDIA CUDA\r\n");
  ASSERT_TRUE(crlf);
  EXPECT_EQ(crlf->origin, "NVIDIA");
  EXPECT_EQ(crlf->label, "NVIDIA CUDA");
  EXPECT_EQ(crlf->suite, "");

  EXPECT_FALSE(ParseAptRelease(""));
  EXPECT_FALSE(ParseAptRelease("\n\n  \n"));
  EXPECT_FALSE(ParseAptRelease("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512"));
}

TEST(AptLists, ListNamesOfDistsAndFlatRepositories) {
  const std::vector<std::string> names = {
      "auxfiles",
      "lock",
      "partial",
      "deb.debian.org_debian_dists_bookworm_InRelease",
      "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
      "deb.debian.org_debian_dists_bookworm_non-free_binary-i386_Packages.lz4",
      "deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en",
      "deb.debian.org_debian_dists_bookworm-updates_InRelease",
      "deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.diff_Index",
      "deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.gz",
      "developer.download.nvidia.com_compute_cuda_repos_ubuntu2204_x86%5f64_InRelease",
      "developer.download.nvidia.com_compute_cuda_repos_ubuntu2204_x86%5f64_Packages",
      "mirror%3a8080_ubuntu_dists_jammy_Release",
      "mirror%3a8080_ubuntu_dists_jammy_Release.gpg",
      "mirror%3a8080_ubuntu_dists_jammy_non-free_debian-installer_binary-amd64_Packages.xz",
      "orphan.example_dists_x_main_binary-amd64_Packages",
  };
  const auto lists = PairAptLists(names);
  ASSERT_EQ(lists.size(), 5u);
  EXPECT_EQ(lists[0].file, "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages");
  EXPECT_EQ(lists[0].release_file, "deb.debian.org_debian_dists_bookworm_InRelease");
  EXPECT_EQ(lists[0].component, "main");
  EXPECT_EQ(lists[0].site, "deb.debian.org");
  EXPECT_EQ(lists[0].compression, "");
  EXPECT_EQ(lists[1].component, "non-free");
  EXPECT_EQ(lists[1].compression, "lz4");
  // bookworm-updates is the longer prefix: its Release, not bookworm's.
  EXPECT_EQ(lists[2].release_file, "deb.debian.org_debian_dists_bookworm-updates_InRelease");
  EXPECT_EQ(lists[2].compression, "gz");
  // A flat repository ("deb URI /"): no component; '_' in the URI quoted as %5f.
  EXPECT_EQ(lists[3].release_file,
            "developer.download.nvidia.com_compute_cuda_repos_ubuntu2204_x86%5f64_InRelease");
  EXPECT_EQ(lists[3].component, "");
  EXPECT_EQ(lists[3].site, "developer.download.nvidia.com");
  // A plain Release file, a port in the host, a component with a slash.
  EXPECT_EQ(lists[4].release_file, "mirror%3a8080_ubuntu_dists_jammy_Release");
  EXPECT_EQ(lists[4].component, "non-free/debian-installer");
  EXPECT_EQ(lists[4].site, "mirror:8080");
  EXPECT_EQ(lists[4].compression, "xz");
}

TEST(AptLists, InReleaseIsPreferredToRelease) {
  for (const auto& names :
       {std::vector<std::string>{"h_d_InRelease", "h_d_Release", "h_d_c_binary-all_Packages"},
        std::vector<std::string>{"h_d_Release", "h_d_InRelease", "h_d_c_binary-all_Packages"}}) {
    const auto lists = PairAptLists(names);
    ASSERT_EQ(lists.size(), 1u);
    EXPECT_EQ(lists[0].release_file, "h_d_InRelease");
    EXPECT_EQ(lists[0].component, "c");
  }
  EXPECT_TRUE(PairAptLists({"_Release", "_Packages", "Packages", "x_Packages"}).empty());
}

TEST(AptLists, PackagesNamedOnlyAtALinesStart) {
  const std::string text =
      "Package: nvidia-driver\nVersion: 1\nDepends: libcuda1\nDescription: x\n Package: "
      "libnvidia-ml1\n"
      "\nPackage: libcuda1 \nVersion: 1\n\nPackage: nvidia-kernel-dkms";
  std::set<std::string, std::less<>> found;
  PackagesNamed(text, {"nvidia-driver", "libcuda1", "libnvidia-ml1", "nvidia-kernel-dkms", "bash"},
                found);
  EXPECT_EQ(found, (std::set<std::string, std::less<>>{"libcuda1", "nvidia-driver",
                                                       "nvidia-kernel-dkms"}));
  found.clear();
  PackagesNamed("", {"a"}, found);
  PackagesNamed("Package:", {"a"}, found);
  PackagesNamed("\nPackage:a", {"a"}, found);
  EXPECT_EQ(found, (std::set<std::string, std::less<>>{"a"}));
}

}  // namespace
}  // namespace dlenv::util
