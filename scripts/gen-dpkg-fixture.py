#!/usr/bin/env python3
"""Generates a --root tree with a dpkg database of N installed packages, for the doctor
benchmark (scripts/bench-doctor.sh): the cost of finding which Debian package owns each Python
distribution must not grow with N.

Shaped like a Debian 12 desktop, scaled: about 4% of the packages are Python's (python3-*,
each with an egg-info or dist-info folder in /usr/lib/python3/dist-packages and a Depends on
python3:any), a few tools depend on python3 and ship a module, the rest are libraries and
programs with .list files of 10 to 260 lines (a few of 10,000, like linux-headers) and the
other info/ files dpkg keeps (md5sums, postinst). A usr/bin/python3 and its standard library
marker make `dlenv doctor --root DIR` read that dist-packages.

usage: gen-dpkg-fixture.py N DIR [--seed S]
Writes DIR/expected-owners.tsv: each record folder and the package that owns it.
"""
import argparse
import os
import random

DIST = "/usr/lib/python3/dist-packages"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def paragraph(name, version, arch, depends="", multi_arch=""):
    lines = [
        f"Package: {name}",
        "Status: install ok installed",
        "Priority: optional",
        "Section: misc",
        f"Installed-Size: {random.randint(10, 90000)}",
        "Maintainer: Debian Fixture <fixture@example.org>",
        f"Architecture: {arch}",
    ]
    if multi_arch:
        lines.append(f"Multi-Arch: {multi_arch}")
    lines.append(f"Version: {version}")
    if depends:
        lines.append(f"Depends: {depends}")
    lines += [f"Description: fixture package {name}", " A generated package for the doctor benchmark.", " ."]
    return "\n".join(lines) + "\n"


def library_files(name, count):
    base = f"/usr/lib/x86_64-linux-gnu/{name}"
    files = ["/.", "/usr", "/usr/lib", "/usr/lib/x86_64-linux-gnu", base, f"/usr/share/doc/{name}",
             f"/usr/share/doc/{name}/copyright", f"/usr/share/doc/{name}/changelog.Debian.gz"]
    files += [f"{base}/module{i:05d}/component_{i * 7919 % 10007}.so" for i in range(count)]
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    random.seed(a.seed)
    info = os.path.join(a.dir, "var/lib/dpkg/info")
    os.makedirs(info, exist_ok=True)
    write(os.path.join(a.dir, "usr/lib/python3.11/os.py"), "# the standard library's marker\n")
    write(os.path.join(a.dir, "usr/bin/python3"), "")
    os.chmod(os.path.join(a.dir, "usr/bin/python3"), 0o755)

    status, expected = [], []
    n_python = max(1, a.n * 4 // 100)
    n_tools = max(1, a.n // 200)
    for i in range(a.n):
        version = f"{random.randint(0, 9)}.{random.randint(0, 30)}-{random.randint(1, 5)}"
        if i < n_python:  # python3-NAME, a distribution folder in dist-packages
            name, dist = f"python3-fixture{i:04d}", f"fixture{i:04d}"
            kind = "dist-info" if i % 3 == 0 else "egg-info"
            record = f"{DIST}/{dist}-{version.split('-')[0]}.{kind}"
            files = ["/.", "/usr", "/usr/lib", "/usr/lib/python3", DIST, f"{DIST}/{dist}", record,
                     f"{record}/PKG-INFO" if kind == "egg-info" else f"{record}/METADATA"]
            files += [f"{DIST}/{dist}/mod{j}.py" for j in range(random.randint(5, 200))]
            meta = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version.split('-')[0]}\n"
            write(os.path.join(a.dir, record.lstrip("/"), "PKG-INFO" if kind == "egg-info" else "METADATA"), meta)
            status.append(paragraph(name, version, "all", "python3:any, python3-pkg-resources"))
            expected.append(f"{record}\t{name}")
            list_name = f"{name}.list"
        elif i < n_python + n_tools:  # a program that ships a module and depends on python3
            name, dist = f"fixture-tool{i:04d}", f"tool{i:04d}"
            record = f"{DIST}/{dist}-1.0.egg-info"
            files = ["/.", "/usr", "/usr/bin", f"/usr/bin/{dist}", DIST, record]
            write(os.path.join(a.dir, record.lstrip("/"), "PKG-INFO"), f"Metadata-Version: 1.2\nName: {dist}\nVersion: 1.0\n")
            status.append(paragraph(name, version, "all", "jq, python3:any"))
            expected.append(f"{record}\t{name}")
            list_name = f"{name}.list"
        else:  # a library or program: no Python
            name = f"libfixture{i:05d}"
            count = 10000 if random.random() < 0.002 else random.randint(5, 250)
            files = library_files(name, count)
            same = random.random() < 0.5
            status.append(paragraph(name, version, "amd64", "libc6 (>= 2.34), libgcc-s1", "same" if same else ""))
            list_name = f"{name}:amd64.list" if same else f"{name}.list"
        write(os.path.join(info, list_name), "\n".join(files) + "\n")
        stem = list_name[: -len(".list")]
        write(os.path.join(info, f"{stem}.md5sums"), f"0123456789abcdef0123456789abcdef  usr/share/doc/{name}/copyright\n")
        if i % 4 == 0:
            write(os.path.join(info, f"{stem}.postinst"), "#!/bin/sh\nset -e\n")
    write(os.path.join(a.dir, "var/lib/dpkg/status"), "\n".join(status))
    write(os.path.join(a.dir, "expected-owners.tsv"), "\n".join(expected) + "\n")


if __name__ == "__main__":
    main()
