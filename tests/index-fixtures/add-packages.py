#!/usr/bin/env python3
"""Writes the TensorFlow, JAX and CuPy projects of the fixture index into tree.json (both the
JSON and the HTML-only index), shaped like PyPI's on 2026-11-30: the same file names, tags,
Requires-Python and the Requires-Dist lines that matter (the and-cuda, cudaNN, with-cuda and
ctk extras). Run it after changing this file; the diff of tree.json is the review."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def meta(name, version, requires=()):
    lines = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version]
    lines += ["Requires-Dist: " + r for r in requires]
    return "\n".join(lines) + "\n"


def wheels(project, version, pythons, plats, requires_python, requires=(), with_meta=True,
           abi=None):
    out = []
    for py in pythons:
        for plat in plats:
            tag = "py3-none-any" if py == "py3" else "%s-%s-%s" % (py, abi or py, plat)
            if py == "py3" and plat != plats[0]:
                continue
            f = {"filename": "%s-%s-%s.whl" % (project.replace("-", "_"), version, tag),
                 "requires_python": requires_python}
            if with_meta:
                f["metadata"] = meta(project, version, requires)
            out.append(f)
    return out


X86 = ["manylinux_2_27_x86_64"]
BOTH = ["manylinux_2_27_x86_64", "manylinux_2_27_aarch64"]
OLD = ["manylinux2014_x86_64"]


def cp(*minors):
    return ["cp3%d" % m for m in minors]


def tf_cuda(runtime, cudnn, suffix="cu12", exact=False):
    op = "==" if exact else ">="
    hi = "" if exact else ",<13.0" if suffix == "cu12" else ",<12.0"
    return [
        'nvidia-cuda-runtime-%s%s%s%s; extra == "and-cuda"' % (suffix, op, runtime, hi),
        'nvidia-cudnn-%s%s%s; extra == "and-cuda"' % (suffix, op, cudnn),
        'numpy>=1.26.0',
    ]


def tensorflow():
    files = []
    files += wheels("tensorflow", "2.22.0rc0", cp(12), X86, ">=3.10", tf_cuda("12.5.82", "9.3.0.75"))
    files += wheels("tensorflow", "2.21.0", cp(10, 11, 12, 13), BOTH, ">=3.10",
                    tf_cuda("12.5.82", "9.3.0.75"))
    files += wheels("tensorflow", "2.20.0", cp(9, 10, 11, 12, 13), X86, ">=3.9",
                    tf_cuda("12.5.82", "9.3.0.75"))
    files += wheels("tensorflow", "2.15.1", cp(9, 10, 11), OLD, ">=3.9",
                    tf_cuda("12.2.140", "8.9.4.25", exact=True))
    files += wheels("tensorflow", "2.15.0", cp(9, 10, 11), OLD, ">=3.9",
                    tf_cuda("12.2.140", "8.9.4.25", exact=True))
    files += wheels("tensorflow", "2.14.1", cp(9, 10, 11), OLD, ">=3.9",
                    tf_cuda("11.8.89", "8.7.0.84", suffix="cu11", exact=True))
    files += wheels("tensorflow", "2.13.1", cp(8, 9, 10, 11), OLD, ">=3.8", ["numpy>=1.22"])
    files += wheels("tensorflow", "2.11.1", cp(7, 8, 9, 10), OLD, ">=3.7", ["numpy>=1.20"],
                    with_meta=False)
    files.append({"filename": "tensorflow-2.21.0-cp312-cp312-macosx_12_0_arm64.whl",
                  "requires_python": ">=3.10"})
    cpu = []
    for version, pys, rp in (("2.21.0", cp(10, 11, 12, 13), ">=3.10"),
                             ("2.20.0", cp(9, 10, 11, 12, 13), ">=3.9"),
                             ("2.15.1", cp(9, 10, 11), ">=3.9"),
                             ("2.14.1", cp(9, 10, 11), ">=3.9"),
                             ("2.13.1", cp(8, 9, 10, 11), ">=3.8"),
                             ("2.11.1", cp(7, 8, 9, 10), ">=3.7")):
        cpu += wheels("tensorflow-cpu", version, pys, X86 if version >= "2.2" else OLD, rp,
                      ["numpy>=1.26.0"])
    return {"tensorflow": files, "tensorflow-cpu": cpu}


def jax():
    def jax_meta(v, extras):
        reqs = ["jaxlib<=%s,>=%s" % (v, v), "numpy>=2.0"]
        for e in extras:
            reqs.append('jaxlib<=%s,>=%s; extra == "%s"' % (v, v, e))
            reqs.append('jax-%s-plugin[with-cuda]<=%s,>=%s; extra == "%s"' % (e, v, v, e))
        return reqs

    j = []
    j += wheels("jax", "0.13.0rc1", ["py3"], X86, ">=3.12", jax_meta("0.13.0rc1", ["cuda13"]))
    j += wheels("jax", "0.12.0.1", ["py3"], X86, ">=3.12", jax_meta("0.12.0.1", ["cuda12", "cuda13"]))
    j += wheels("jax", "0.8.0", ["py3"], X86, ">=3.11", jax_meta("0.8.0", ["cuda12", "cuda13"]))
    j += wheels("jax", "0.4.30", ["py3"], X86, ">=3.9", jax_meta("0.4.30", ["cuda12"]))
    lib = []
    lib += wheels("jaxlib", "0.12.0.1", cp(12, 13, 14), BOTH, ">=3.12", ["numpy>=2.0"])
    lib += wheels("jaxlib", "0.8.0", cp(11, 12, 13), X86, ">=3.11", ["numpy>=2.0"])
    lib += wheels("jaxlib", "0.4.30", cp(9, 10, 11, 12), OLD, ">=3.9", ["numpy>=1.22"])

    def plugin(n, v, pys, plats, rp, runtime):
        name = "nvidia-cuda-runtime" if n == 13 else "nvidia-cuda-runtime-cu12"
        return wheels("jax-cuda%d-plugin" % n, v, pys, plats, rp,
                      ["jax-cuda%d-pjrt==%s" % (n, v),
                       '%s>=%s; sys_platform == "linux" and extra == "with-cuda"' % (name, runtime)])

    p13 = plugin(13, "0.12.0.1", cp(12, 13, 14), BOTH, ">=3.12", "13.0.48")
    p13 += plugin(13, "0.8.0", cp(11, 12, 13), X86, ">=3.11", "13.0.48")
    p12 = plugin(12, "0.12.0.1", cp(12, 13, 14), X86, ">=3.12", "12.1.105")
    p12 += plugin(12, "0.8.0", cp(11, 12, 13), X86, ">=3.11", "12.1.105")
    p12 += plugin(12, "0.4.30", cp(9, 10, 11, 12), OLD, ">=3.9", "12.1.105")
    return {"jax": j, "jaxlib": lib, "jax-cuda13-plugin": p13, "jax-cuda12-plugin": p12}


def cupy():
    def ctk(n):
        return ["numpy<2.6,>=2.0",
                'cuda-toolkit[cublas,cudart,nvrtc]==%d.*; extra == "ctk"' % n]

    c13 = wheels("cupy-cuda13x", "14.3.0rc1", cp(12), ["manylinux2014_x86_64"], ">=3.10", ctk(13))
    c13 += wheels("cupy-cuda13x", "14.2.0", cp(10, 11, 12, 13, 14),
                  ["manylinux2014_x86_64", "manylinux2014_aarch64"], ">=3.10", ctk(13))
    c12 = wheels("cupy-cuda12x", "14.2.0", cp(10, 11, 12, 13, 14), ["manylinux2014_x86_64"],
                 ">=3.10", ctk(12))
    c11 = wheels("cupy-cuda11x", "13.6.0", cp(9, 10, 11, 12, 13), ["manylinux2014_x86_64"],
                 ">=3.9", ["numpy<2.6,>=1.22", "fastrlock>=0.5"])
    return {"cupy-cuda13x": c13, "cupy-cuda12x": c12, "cupy-cuda11x": c11}


def xformers():
    """xformers as PyPI has it: no PEP 658 files, so its Requires-Dist is read from the wheel in
    byte ranges. Versions and Requires-Dist are the real ones, read from each release's
    manylinux x86_64 wheel on 2026-12-03 (torch==X up to 0.0.34, torch>=2.10 in 0.0.35); the
    wheels' shapes vary to take each path of the range reader: 0.0.33 is served without ranges,
    0.0.31.post1 has its METADATA first and a central directory larger than the first read."""
    def wheel(version, torch, abi="cp39-abi3", **shape):
        f = {"filename": "xformers-%s-%s-manylinux_2_28_x86_64.whl" % (version, abi),
             "requires_python": ">=3.9",
             "wheel_metadata": meta("xformers", version, ["numpy", "torch" + torch])}
        f.update(shape)
        return f
    files = [wheel("0.0.35", ">=2.10", abi="py39-none"),
             wheel("0.0.34", "==2.10.0"),
             wheel("0.0.33", "==2.9.0", no_ranges=True, padding=200000),
             wheel("0.0.31.post1", "==2.7.1", metadata_first=True, padding=200000, members=3000),
             wheel("0.0.28.post1", "==2.4.1", abi="cp310-cp310")]
    # flash-attn publishes a source distribution only.
    flash = [{"filename": "flash_attn-2.8.3.tar.gz", "requires_python": ">=3.9"}]
    return {"xformers": files, "flash-attn": flash}


def main():
    path = os.path.join(HERE, "tree.json")
    tree = json.load(open(path))
    projects = {**tensorflow(), **jax(), **cupy(), **xformers()}
    for index in ("pypi/simple", "pypi-html-only/simple"):
        tree["indexes"][index].update(projects)
    with open(path, "w") as out:
        json.dump(tree, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
