#include "rules/driver_packages_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <string>

#include "rules/unattended_origins.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

// The repository a package comes from that unattended-upgrades may install from, named with
// the pattern that allows it; nullopt when none is (it leaves such a package alone).
std::optional<std::string> AllowedFrom(const model::DriverPackage& p,
                                       const std::vector<std::string>& patterns,
                                       const DistroNames& distro) {
  for (const auto& origin : p.origins) {
    for (const auto& pattern : patterns) {
      if (OriginPatternMatches(pattern, origin, distro))
        return fmt::format("{} from {}, allowed by \"{}\"", p.name, DescribeOrigin(origin),
                           pattern);
    }
  }
  return std::nullopt;
}

void CheckUnattendedUpgrades(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& l = s.driver_lifecycle;
  // apt's timer runs unattended-upgrade only where APT::Periodic::Unattended-Upgrade is set
  // and not "0" (20auto-upgrades, written by `dpkg-reconfigure unattended-upgrades`).
  if (!l.unattended_upgrades_installed || !l.unattended_upgrade_periodic ||
      util::Trim(*l.unattended_upgrade_periodic) == "0" ||
      util::Trim(*l.unattended_upgrade_periodic).empty()) {
    return;
  }
  // It installs only versions from the repositories its Allowed-Origins and Origins-Pattern
  // allow: a package only NVIDIA's CUDA repository carries is left alone on a stock
  // configuration. Where apt's lists could not all be read, a package found in no allowed
  // repository is still taken as exposed (it may be in a list not read).
  const DistroNames distro{l.distro_id, l.distro_codename};
  std::vector<std::string> unreadable;
  const auto patterns = AllowedOriginPatterns(l.unattended_allowed_origins,
                                              l.unattended_origins_pattern, distro, &unreadable);
  const bool lists_complete = l.apt_lists_unread.empty();
  std::vector<std::string> exposed, why;
  for (const auto& p : l.packages) {
    if (p.held) continue;
    const bool listed = std::any_of(l.unattended_blacklist.begin(), l.unattended_blacklist.end(),
                                    [&](const auto& b) { return BlacklistMatches(b, p.name); });
    if (listed) continue;
    if (auto from = AllowedFrom(p, patterns, distro)) {
      exposed.push_back(p.name);
      why.push_back(*from);
    } else if (!lists_complete) {
      exposed.push_back(p.name);
    }
  }
  if (exposed.empty()) return;
  std::string evidence = fmt::format(
      "unattended-upgrades installed, APT::Periodic::Unattended-Upgrade \"{}\"; NVIDIA "
      "driver packages neither held nor in Unattended-Upgrade::Package-Blacklist: {} "
      "(an upgrade replaces the libraries, the loaded module stays: \"Driver/library "
      "version mismatch\" until a reboot)",
      *l.unattended_upgrade_periodic, util::Join(exposed, ", "));
  if (!why.empty()) evidence += "; " + util::Join(why, "; ");
  if (!lists_complete) {
    evidence += fmt::format(
        "; apt's lists not all read ({}), so a package found in no allowed repository was "
        "counted too",
        util::Join(l.apt_lists_unread, "; "));
  }
  if (!unreadable.empty()) {
    evidence += fmt::format("; origin entries unattended-upgrades cannot read: {}",
                            util::Join(unreadable, ", "));
  }
  out.push_back(
      {"driver.packages_not_held", Severity::kWarning,
       "unattended-upgrades may upgrade the NVIDIA driver under the running kernel module",
       std::move(evidence),
       fmt::format("Hold them and upgrade the driver on purpose, with a reboot: `sudo apt-mark "
                   "hold {}` (later: `sudo apt-mark unhold ...`, upgrade, `sudo reboot`); or list "
                   "them in Unattended-Upgrade::Package-Blacklist in "
                   "/etc/apt/apt.conf.d/50unattended-upgrades",
                   util::Join(exposed, " "))});
}

// A file apt cannot parse stops apt-get and unattended-upgrades (apt_pkg reads the same files):
// "E: Syntax error FILE:LINE: ...". One dlenv could not read at all is named, at info.
void CheckAptConf(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& errors = s.driver_lifecycle.apt_conf_errors;
  if (errors.empty()) return;
  std::vector<std::string> parts;
  bool syntax = false;
  for (const auto& f : errors) {
    const std::string why = f.error.value_or("unreadable");
    syntax = syntax || why.starts_with("line ");
    parts.push_back(fmt::format("{}: {}", f.path, why));
  }
  out.push_back(
      {"driver.apt_config_invalid", syntax ? Severity::kWarning : Severity::kInfo,
       syntax ? "An apt configuration file has a syntax error: apt and unattended-upgrades stop "
                "on it"
              : "An apt configuration file was not read",
       util::Join(parts, "; ") +
           (syntax ? "; apt-get fails with \"E: Syntax error FILE:LINE\", so neither driver "
                     "installs nor upgrades run, and the unattended-upgrades check above was "
                     "judged without that file"
                   : "; the unattended-upgrades check was judged without it"),
       syntax ? "Correct the line named (`apt-config dump > /dev/null` says where apt stops), "
                "or move the file out of /etc/apt/apt.conf.d"
              : "Nothing to do unless it is meant to be an apt configuration file"});
}

void CheckFabricManager(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& l = s.driver_lifecycle;
  if (l.nvswitch_nodes.empty()) return;
  const std::optional<std::string> driver =
      s.driver.kernel_module_version ? s.driver.kernel_module_version : l.sysfs_module_version;
  const std::string branch = driver ? driver->substr(0, driver->find('.')) : "<branch>";
  const std::string switches = fmt::format("{} NVSwitch device(s) ({})", l.nvswitch_nodes.size(),
                                           util::Join(l.nvswitch_nodes, ", "));
  const auto& fm = l.fabric_manager_package;
  if (fm && driver && UpstreamVersion(fm->version) != *driver) {
    out.push_back(
        {"driver.fabric_manager_version_mismatch", Severity::kError,
         "The fabric manager's version differs from the driver's: it refuses to start",
         fmt::format("{}; {} {}, kernel module {}; Fabric Manager starts only with the same "
                     "driver version, and CUDA then fails with error 802 (\"system not yet "
                     "initialized\")",
                     switches, fm->name, fm->version, *driver),
         fmt::format("Install the fabric manager of the driver's exact version and restart it: "
                     "`sudo apt-get install {}={}` (the candidate versions: `apt-cache policy "
                     "{}`), then `sudo systemctl restart nvidia-fabricmanager`",
                     fm->name, *driver + "-*", fm->name)});
    return;
  }
  if (l.fabric_manager_pid) return;
  out.push_back(
      {"driver.fabric_manager_not_running", Severity::kError,
       "An NVSwitch system without a running fabric manager: CUDA cannot start",
       fmt::format("{}; no nv-fabricmanager process in /proc; {}; CUDA fails with error 802 "
                   "(cudaErrorSystemNotReady, \"system not yet initialized\") until it runs",
                   switches,
                   fm ? fmt::format("{} {} is installed", fm->name, fm->version)
                      : "no nvidia-fabricmanager package installed"),
       fm ? "`sudo systemctl enable --now nvidia-fabricmanager`; if it stops again, `journalctl "
            "-u nvidia-fabricmanager` and /var/log/fabricmanager.log say why"
          : fmt::format("Install the fabric manager of the driver's version and start it: `sudo "
                        "apt-get install nvidia-fabricmanager-{}` (NVIDIA's CUDA repository; "
                        "from driver 580 also `nvidia-fabricmanager`), then `sudo systemctl "
                        "enable --now nvidia-fabricmanager`",
                        branch)});
}

}  // namespace

bool BlacklistMatches(std::string_view pattern, std::string_view package) {
  try {
    const std::regex re{std::string(pattern)};
    return std::regex_search(package.begin(), package.end(), re,
                             std::regex_constants::match_continuous);
  } catch (const std::regex_error&) {
    return package.starts_with(pattern);
  }
}

std::string UpstreamVersion(std::string_view v) {
  if (const auto colon = v.find(':'); colon != std::string_view::npos) v.remove_prefix(colon + 1);
  if (const auto dash = v.rfind('-'); dash != std::string_view::npos) v = v.substr(0, dash);
  return std::string(v);
}

void CheckDriverPackages(const model::Snapshot& s, const knowledge::Knowledge&,
                         std::vector<model::Finding>& out) {
  if (s.host.container || s.host.wsl) return;
  CheckUnattendedUpgrades(s, out);
  CheckAptConf(s, out);
  CheckFabricManager(s, out);
}

}  // namespace dlenv::rules
