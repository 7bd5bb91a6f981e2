#!/usr/bin/env python3
"""Generates N node reports as `dlenv fleet snapshot` writes them, for `fleet report`'s scale
benchmark (scripts/bench-fleet.sh): realistic sizes (8 GPUs, ~180 Python packages, a few
findings), 1% drifted (torch upgraded, driver changed, NumPy major), a few unhealthy GPUs and a
few corrupt files. Writes DIR/manifest.json.expected (what the report must find) beside them.

usage: gen-fleet-fixture.py N DIR [--seed S]
"""
import argparse
import datetime
import hashlib
import json
import os
import random

GPU = "NVIDIA H100 80GB HBM3"


def environment(torch="2.3.1+cu121", driver="550.54.15", numpy="1.26.4", packages=None):
    return {
        "host": {"os_id": "ubuntu", "os_version": "22.04", "os_name": "Ubuntu 22.04.4 LTS", "glibc": "2.35"},
        "driver": {"version": driver, "cuda": "12.4" if driver.startswith("550") else "12.5"},
        "gpus": [{"name": GPU, "compute_capability": "9.0", "count": 8}],
        "toolkits": ["12.4.1"],
        "cuda_libraries": [
            {"family": "cudnn", "version": "8.9.7", "loader_first": True},
            {"family": "nccl", "version": "2.20.5", "loader_first": True},
        ],
        "python": {
            "version": "3.10.12",
            "kind": "venv",
            "packages": sorted(
                [{"name": n, "version": v, "installer": "pip", "direct_url": None} for n, v in packages]
                + [{"name": "torch", "version": torch, "installer": "pip", "direct_url": None},
                   {"name": "numpy", "version": numpy, "installer": "pip", "direct_url": None}],
                key=lambda p: p["name"]),
            "frameworks": [{
                "name": "torch", "package": "torch", "version": torch, "cuda_build": True,
                "cuda_version": "12.1", "rocm_version": None, "cudnn_version": "8.9.2",
                "cuda_archs": ["sm_80", "sm_86", "sm_90"], "numpy_abi": numpy.split(".")[0],
            }],
        },
    }


def lock_document(env):
    # docs/lock.md's hash rule (the same as src/lock/lock_test.cc checks with hashlib).
    canonical = json.dumps({"environment": env, "lock_version": 1}, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return {
        "lock_version": 1,
        "content_hash": "sha256:" + hashlib.sha256(canonical.encode()).hexdigest(),
        "generated_at": "2026-11-30T03:00:00Z",
        "generated_by": "dlenv 0.1.0",
        "source": {"python": "/opt/venvs/team/bin/python"},
        "environment": env,
    }


def gpu(i, sick=None):
    g = {
        "index": i, "name": GPU, "uuid": f"GPU-{random.getrandbits(64):016x}-{i}",
        "pci_bus_id": f"00000000:{0x18 + 0x10 * i:02X}:00.0", "healthy": True, "reasons": [], "warnings": [],
        "ecc_uncorrected_volatile": 0, "ecc_uncorrected_aggregate": 0, "retired_pages_count": 0,
        "retired_pages_pending": False, "remapped_rows_correctable": random.randint(0, 2),
        "remapped_rows_uncorrectable": 0, "row_remap_pending": False, "row_remap_failure": False,
        "pcie_gen_current": 5, "pcie_gen_max": 5, "pcie_width_current": 16, "pcie_width_max": 16,
        "sm_clock_mhz": 1980, "sm_clock_max_mhz": 1980, "mem_clock_mhz": 2619, "mem_clock_max_mhz": 2619,
        "throttle_reasons_mask": 1, "throttle_reasons": ["gpu_idle"], "temperature_c": random.randint(28, 45),
    }
    if sick == "ecc":
        g["ecc_uncorrected_volatile"] = 4
    elif sick == "pcie":
        g["pcie_width_current"] = 8
    elif sick == "remap":
        g["row_remap_failure"] = True
    if sick:
        g["healthy"] = False
        g["reasons"] = [sick]
    return g


FINDINGS = [
    {"id": "env.pip_check", "severity": "warning", "title": "pip check reports a broken requirement",
     "evidence": "torchvision 0.18.1 requires torch==2.3.1, but you have torch 2.3.1+cu121 (fine: local label)",
     "fix": "pip install --upgrade torchvision"},
    {"id": "toolkit.not_on_path", "severity": "info", "title": "nvcc is not on PATH",
     "evidence": "/usr/local/cuda-12.4/bin/nvcc exists; PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
     "fix": "export PATH=/usr/local/cuda-12.4/bin:$PATH"},
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    random.seed(args.seed)
    os.makedirs(args.dir, exist_ok=True)
    packages = [(f"pkg-{i:03d}-{random.choice(['utils', 'core', 'io', 'cli'])}", f"{random.randint(0, 9)}.{random.randint(0, 30)}.{random.randint(0, 9)}")
                for i in range(180)]
    variants = {
        "baseline": lock_document(environment(packages=packages)),
        "torch": lock_document(environment(torch="2.4.0+cu121", packages=packages)),
        "driver": lock_document(environment(driver="555.42.02", packages=packages)),
        "numpy": lock_document(environment(numpy="2.0.1", packages=packages)),
    }
    width = max(5, len(str(args.n)))
    hosts = [f"gpu{i:0{width}d}" for i in range(1, args.n + 1)]
    order = list(range(args.n))
    random.shuffle(order)
    n_drift = max(3, args.n // 100)
    n_sick = max(3, args.n // 1000)
    n_corrupt = max(5, args.n // 2000)
    drifted = {hosts[i]: ("torch", "driver", "numpy")[k % 3] for k, i in enumerate(order[:n_drift])}
    sick = {hosts[i]: ("ecc", "pcie", "remap")[k % 3] for k, i in enumerate(order[n_drift:n_drift + n_sick])}
    corrupt = {hosts[i]: ("truncated", "empty", "garbage", "newer", "wrong_type")[k % 5]
               for k, i in enumerate(order[n_drift + n_sick:n_drift + n_sick + n_corrupt])}
    now = datetime.datetime.now(datetime.timezone.utc)
    for h in hosts:
        when = (now - datetime.timedelta(seconds=random.randint(0, 90))).strftime("%Y-%m-%dT%H:%M:%SZ")
        doc = {
            "fleet_snapshot_version": 1, "hostname": h, "dlenv_version": "0.1.0",
            "generated_at": when, "duration_seconds": round(random.uniform(1.5, 4.0), 3),
            "lock": variants[drifted.get(h, "baseline")], "findings": FINDINGS,
            "gpus": [gpu(i, sick.get(h) if i == 3 else None) for i in range(8)],
        }
        doc["healthy"] = h not in sick
        text = json.dumps(doc, indent=1)
        kind = corrupt.get(h)
        if kind == "truncated":
            text = text[: len(text) // 2]
        elif kind == "empty":
            text = ""
        elif kind == "garbage":
            text = "\x00\x01not json at all" * 100
        elif kind == "newer":
            text = json.dumps(dict(doc, fleet_snapshot_version=99))
        elif kind == "wrong_type":
            text = json.dumps(dict(doc, gpus={"0": "hot"}))
        with open(os.path.join(args.dir, h + ".json"), "w") as f:
            f.write(text)
    manifest = {"nodes": args.n, "hostlist": f"gpu[{1:0{width}d}-{args.n:0{width}d}]", "drifted": drifted, "unhealthy": sick,
                "corrupt": {h + ".json": k for h, k in corrupt.items()}}
    # Not *.json, so the report does not read it as a node.
    with open(os.path.join(args.dir, "manifest.json.expected"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
