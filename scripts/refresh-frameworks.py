#!/usr/bin/env python3
"""Regenerate src/knowledge/data/frameworks.json (dlenv install's offline table) from PyPI.

    scripts/refresh-frameworks.py            # rewrite the file, then review `git diff`
    scripts/refresh-frameworks.py --check    # print what would change, write nothing

What PyPI can tell, and so what this script writes:
  - torch: every release with Linux wheels, its Python range (the cpXY tags of its
    manylinux x86_64 wheels) and, for the newest release, the CUDA its PyPI wheel needs (the
    nvidia-*-cuXX / cuda-toolkit pins in Requires-Dist) -> the row's "default" variant.
    The other CUDA variants live only on download.pytorch.org, which this script does not
    ask; a new release copies the previous release's variants and its source says so
    ("hand-curated, unverified"). Existing rows are kept as written (hand-curated).
  - tensorflow: the newest release's `and-cuda` extra pins (nvidia-cuda-runtime-cu12 ->
    CUDA, nvidia-cudnn-cu12 -> cuDNN) and its Python range; a row is added when missing.
  - jax: the Python range of the newest jaxlib; the CUDA plugins present (jax-cuda12/13-plugin).
  - cupy: which cupy-cudaXXx packages PyPI serves (printed for review).
Only PyPI's JSON API is used (https://pypi.org/pypi/NAME/json); proxies come from the
environment as for any urllib client.
"""
import argparse
import datetime
import json
import os
import re
import sys
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("DLENV_FRAMEWORKS_JSON", os.path.join(ROOT, "src", "knowledge", "data", "frameworks.json"))
PYPI = os.environ.get("DLENV_PYPI_JSON", "https://pypi.org/pypi")


def fetch(name):
    with urllib.request.urlopen(f"{PYPI}/{name}/json", timeout=60) as r:
        return json.load(r)


def vkey(v):
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.+]", v.split("+")[0]))


def python_range(files):
    """Python (min, max) from the cpXY tags of manylinux x86_64 wheels."""
    minors = set()
    for f in files:
        m = re.search(r"-cp3(\d+)-cp3\d+-(manylinux\S*x86_64)\.whl$", f["filename"])
        if m:
            minors.add(int(m.group(1)))
    if not minors:
        return None
    return [f"3.{min(minors)}", f"3.{max(minors)}"]


def cuda_of(requires):
    """The CUDA a Requires-Dist list pins: runtime / cuda-toolkit exact pins, else a -cuNN major."""
    major = None
    for r in requires or []:
        m = re.match(r"(nvidia-cuda-runtime(?:-cu\d+)?|cuda-toolkit)(\[[^\]]*\])?\s*(?:==|~=|>=)\s*(\d+)\.(\d+)", r)
        if m:
            return f"{m.group(3)}.{m.group(4)}"
        m = re.match(r"nvidia-[a-z-]+-cu(\d+)\b", r)
        if m and not major:
            major = m.group(1)
    return major


def variant(cuda):
    return "cu" + cuda.replace(".", "") if cuda and "." in cuda else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="print the changes, write nothing")
    args = ap.parse_args()
    text = open(DATA).read()
    data = json.loads(text)
    changes = []
    today = datetime.date.today().isoformat()

    # ---- torch ----
    torch = fetch("torch")
    known = {r["version"] for r in data["pytorch"]["releases"]}
    releases = {}
    for v, files in torch["releases"].items():
        if not files or all(f.get("yanked") for f in files) or re.search(r"[a-z]", v):
            continue
        mm = ".".join(v.split(".")[:2])
        rng = python_range(files)
        if rng and (mm not in releases or vkey(v) > vkey(releases[mm][0])):
            releases[mm] = (v, rng)
    newest = torch["info"]["version"]
    newest_cuda = cuda_of(torch["info"].get("requires_dist"))
    rows = data["pytorch"]["releases"]
    new_rows = []
    for mm in sorted(releases, key=vkey, reverse=True):
        if mm in known or vkey(mm) < vkey(rows[0]["version"]):
            continue
        v, rng = releases[mm]
        template = rows[0]
        default = variant(newest_cuda) if ".".join(newest.split(".")[:2]) == mm else template.get("default")
        variants = list(template["variants"])
        if default and default not in variants:
            variants.append(default)
            variants.sort(key=lambda x: int(x[2:]))
        src = (f"PyPI torch {v} (cp{rng[0].replace('.', '')}-cp{rng[1].replace('.', '')} wheels"
               + (f"; Requires-Dist CUDA {newest_cuda} -> default {default}" if default and mm == ".".join(newest.split('.')[:2]) else "")
               + f"); variants hand-curated, unverified: assumed as {template['version']}")
        new_rows.append({"version": mm, "variants": variants, "default": default, "python": rng, "source": src})
        changes.append(f"torch {mm}: new row, Python {rng[0]}-{rng[1]}, default {default}")
    updated = {}
    for r in rows:
        if r["version"] in releases and releases[r["version"]][1] != r["python"] and r["source"].startswith("PyPI"):
            # Rows this script wrote follow PyPI; hand-curated rows are only reported.
            updated[r["version"]] = releases[r["version"]][1]
            changes.append(f"torch {r['version']}: Python {r['python']} -> {releases[r['version']][1]} (PyPI's wheels)")
        elif r["version"] in releases and releases[r["version"]][1] != r["python"]:
            changes.append(f"torch {r['version']}: PyPI's wheels say Python {releases[r['version']][1]}, the table says {r['python']} (kept; review)")

    # ---- tensorflow ----
    tf = fetch("tensorflow")
    tf_v = tf["info"]["version"]
    tf_mm = ".".join(tf_v.split(".")[:2])
    and_cuda = [r for r in tf["info"].get("requires_dist") or [] if "and-cuda" in r]
    tf_cuda = cuda_of(and_cuda)
    cudnn = None
    for r in and_cuda:
        m = re.match(r"nvidia-cudnn-cu\d+\s*==\s*(\d+)(?:\.(\d+))?", r)
        if m and not cudnn:
            cudnn = m.group(1) + ("." + m.group(2) if m.group(2) else "")
    tf_rng = python_range(tf["releases"].get(tf_v, []))
    tf_new = None
    if tf_mm not in {r["version"] for r in data["tensorflow"]["releases"]} and tf_cuda and tf_rng:
        tf_new = {"version": tf_mm, "python": tf_rng, "cuda": tf_cuda, "cudnn": cudnn or "9", "and_cuda": True}
        changes.append(f"tensorflow {tf_mm}: new row from its and-cuda pins (CUDA {tf_cuda}, cuDNN {cudnn})")

    # ---- jax ----
    jaxlib = fetch("jaxlib")
    rng = python_range(jaxlib["releases"].get(jaxlib["info"]["version"], []))
    # Only the newest Python is raised: pip still installs an older jax on an older Python
    # (jaxlib 0.10 for 3.11 when 0.12 needs 3.12), so the curated minimum stays.
    jax_changed = bool(rng and vkey(rng[1]) > vkey(data["jax"]["python"][1]))
    if jax_changed:
        new = [data["jax"]["python"][0], rng[1]]
        changes.append(f"jax: Python {data['jax']['python']} -> {new} (jaxlib {jaxlib['info']['version']})")
        data["jax"]["python"] = new
    for plugin in ("jax-cuda12-plugin", "jax-cuda13-plugin"):
        try:
            print(f"{plugin}: newest {fetch(plugin)['info']['version']}")
        except Exception as e:  # noqa: BLE001 - reported, not fatal
            print(f"{plugin}: {e}")
    # ---- cupy ----
    for pkg in ("cupy-cuda11x", "cupy-cuda12x", "cupy-cuda13x"):
        try:
            print(f"{pkg}: newest {fetch(pkg)['info']['version']}")
        except Exception as e:  # noqa: BLE001
            print(f"{pkg}: {e}")

    for c in changes:
        print(c)
    if args.check or not changes:
        return 0
    # Keep the file's layout (one row a line): insert the new rows as lines.
    def row(r):
        return "      " + json.dumps(r, ensure_ascii=False) + ","
    lines = text.splitlines()
    out = []
    torch_done = tf_done = False
    section = None
    for line in lines:
        if line.startswith('  "pytorch"'):
            section = "pytorch"
        elif line.startswith('  "tensorflow"'):
            section = "tensorflow"
        elif line.startswith('  "jax"'):
            section = "jax"
        m = re.match(r'\s*\{"version": "([^"]+)"', line)
        if section == "pytorch" and m and m.group(1) in updated:
            r = json.loads(line.strip().rstrip(","))
            r["python"] = updated[m.group(1)]
            line = row(r) if line.rstrip().endswith(",") else row(r)[:-1]
        if section == "pytorch" and not torch_done and line.strip().startswith('{"version"'):
            out.extend(row(r) for r in new_rows)
            torch_done = True
        if section == "tensorflow" and not tf_done and line.strip().startswith('{"version"') and tf_new:
            out.append(row(tf_new))
            tf_done = True
        if section == "jax" and line.strip().startswith('"python":'):
            line = '    "python": ' + json.dumps(data["jax"]["python"]) + ","
        if section == "jax" and line.strip().startswith('"python_source":') and jax_changed:
            line = f'    "python_source": "PyPI jaxlib {jaxlib["info"]["version"]}: newest Python from the cpXY tags of its manylinux x86_64 wheels ({today}); minimum hand-curated (jax 0.7 CHANGELOG: Python 3.11)",'
        if line.startswith('  "date"'):
            line = f'  "date": "{today}",'
        out.append(line)
    new_text = "\n".join(out) + "\n"
    json.loads(new_text)  # still valid
    open(DATA, "w").write(new_text)
    print(f"wrote {DATA}; review it with git diff")
    return 0


if __name__ == "__main__":
    sys.exit(main())
