#!/usr/bin/python3
"""unattended-upgrades' own decisions, for dlenv's tests to compare with (see
src/rules/unattended_origins_test.cc and src/probe/apt_origins_test.cc).

    unattended_upgrade.py UU_SCRIPT < request.json > answer.json

UU_SCRIPT is /usr/bin/unattended-upgrade from the package, unpacked (scripts/make-test-envs.sh).
The request names the distro (id, codename) and asks for any of:
  "matches":     [[pattern, origin], ...]  -> match_whitelist_string, false where it raises
  "legacy":      [item, ...]               -> get_allowed_origins_legacy for that item alone,
                                              null where it raises
  "substitute":  [text, ...]               -> string.Template(text).substitute(...), null on error
  "root", "packages": a --root tree with apt's lists and apt.conf.d: for each package, the
                 origins (o, l, a, n, c, site) of its versions other than dpkg's "now", and
                 whether unattended-upgrades may install one (is_allowed_origin).
Run with Debian's /usr/bin/python3 (python3-apt, python3-distro-info).
"""
import importlib.machinery
import importlib.util
import json
import string
import sys


def load(path):
    loader = importlib.machinery.SourceFileLoader("unattended_upgrade", path)
    spec = importlib.util.spec_from_loader("unattended_upgrade", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class Origin:
    def __init__(self, d):
        self.origin, self.label, self.archive = d["origin"], d["label"], d["archive"]
        self.codename, self.component, self.site = d["codename"], d["component"], d["site"]


def packages_in_root(uu, root, names):
    import apt
    import apt_pkg
    cache = apt.Cache(rootdir=root)
    allowed = uu.get_allowed_origins()
    out = {"allowed_origins": allowed, "packages": {}}
    for name in names:
        origins, may = [], False
        if name in cache:
            for version in cache[name].versions:
                for o in version.origins:
                    if o.archive == "now" and o.component == "now":
                        continue
                    origins.append({"origin": o.origin, "label": o.label, "archive": o.archive,
                                    "codename": o.codename, "component": o.component,
                                    "site": o.site})
                    may = may or uu.is_allowed_origin(o, allowed)
        out["packages"][name] = {"origins": origins, "may_install": may}
    return out


def main():
    uu = load(sys.argv[1])
    request = json.load(sys.stdin)
    uu.DISTRO_ID = request["distro"]["id"]
    uu.DISTRO_CODENAME = request["distro"]["codename"]
    answer = {}
    matches = []
    for pattern, origin in request.get("matches", []):
        try:
            matches.append(bool(uu.match_whitelist_string(pattern, Origin(origin))))
        except Exception:
            matches.append(False)
    answer["matches"] = matches
    import apt_pkg
    apt_pkg.init_config()
    legacy = []
    for item in request.get("legacy", []):
        apt_pkg.config.clear("Unattended-Upgrade::Allowed-Origins")
        apt_pkg.config.set("Unattended-Upgrade::Allowed-Origins::", item)
        try:
            legacy.append(uu.get_allowed_origins_legacy())
        except Exception:
            legacy.append(None)
    answer["legacy"] = legacy
    mapping = {"distro_id": uu.DISTRO_ID, "distro_codename": uu.DISTRO_CODENAME}
    substitute = []
    for text in request.get("substitute", []):
        try:
            substitute.append(string.Template(text).substitute(mapping))
        except (KeyError, ValueError):
            substitute.append(None)
    answer["substitute"] = substitute
    if "root" in request:
        answer["root"] = packages_in_root(uu, request["root"], request["packages"])
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
