"""Shared part of dlenv's `compare` workloads.

dlenv sends this file followed by one framework's file (compare_torch.py, ...) to
`python -` with a JSON configuration as the first argument, and reads one JSON document
from stdout. Diagnostics go to stderr. Run by hand from src/python:

    python3 compare_numpy.py '{"device": "cpu", "workloads": [{"workload": "matmul", "n": 256, "dtype": "float32"}]}'

The timing loop mirrors dlenv's native one (src/bench/sampler.cc): warm-up runs are timed and
discarded, then samples are taken until there are enough of them and enough time has passed.
Every framework times itself with its own synchronisation; the harness only calls it.
"""

import json
import math
import os
import sys
import time
import traceback

# This file runs first; the framework's file, imported after it, is what import_seconds counts.
_STARTED = time.perf_counter()

DEFAULT_POLICY = {
    "warmup_runs": 2,
    "warmup_seconds": 0.05,
    "min_samples": 7,
    "max_samples": 200,
    "min_seconds": 0.3,
    "max_seconds": 3.0,
}

# Unit roundoffs u = eps / 2, for the GEMM error bound (see src/bench/gemm_check.h).
ROUNDOFF = {
    "float64": 2.0 ** -53,
    "float32": 2.0 ** -24,
    "tfloat32": 2.0 ** -11,
    "float16": 2.0 ** -11,
    "bfloat16": 2.0 ** -8,
}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def sample(run, policy):
    """run() performs one timed call and returns its seconds."""
    p = dict(DEFAULT_POLICY, **(policy or {}))
    spent, i = 0.0, 0
    while i < p["warmup_runs"] or spent < p["warmup_seconds"]:
        spent += run()
        i += 1
        if spent >= p["max_seconds"]:
            break
    samples, total = [], 0.0
    while True:
        n = len(samples)
        if n >= p["max_samples"]:
            break
        if total >= p["max_seconds"] and n >= 3:
            break
        if n >= p["min_samples"] and total >= p["min_seconds"]:
            break
        t = run()
        samples.append(t)
        total += t
    return samples


def wall_timer(fn, sync):
    """A timer for frameworks whose work is finished once sync() returns."""

    def run():
        start = time.perf_counter()
        fn()
        sync()
        return time.perf_counter() - start

    return run


def gemm_bound_check(np, a_rows, b_cols, got, k, accumulate, output):
    """Checks sampled GEMM entries against a float64 reference with Higham's bound
    gamma_K * sum|a||b| plus one output rounding. a_rows: (s, k), b_cols: (k, s) paired
    column-wise with a_rows, got: (s,), all as float64 of the values as stored."""
    ku = k * ROUNDOFF[accumulate]
    if ku >= 1:
        return {"done": True, "passed": False, "detail": "K too long for the bound at this precision"}
    gamma = ku / (1 - ku)
    exact = np.einsum("sk,ks->s", a_rows, b_cols)
    magnitude = np.einsum("sk,ks->s", np.abs(a_rows), np.abs(b_cols))
    tolerance = gamma * magnitude + ROUNDOFF[output] * np.abs(exact) + 1e-300
    error = np.abs(got - exact)
    bad = np.nonzero(~(error <= tolerance))[0]
    if len(bad):
        i = int(bad[0])
        return {"done": True, "passed": False,
                "detail": "entry %d: %r but the reference is %r (tolerance %.3g)" % (i, float(got[i]), float(exact[i]), float(tolerance[i]))}
    return {"done": True, "passed": True,
            "detail": "%d entries within the error bound (largest error %.2g%% of it)" % (len(got), 100 * float(np.max(error / tolerance)))}


def close_check(np, got, want, rtol, what):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    scale = max(float(np.max(np.abs(want))), 1e-30)
    err = float(np.max(np.abs(got - want))) / scale
    ok = bool(np.all(np.isfinite(got))) and err <= rtol
    return {"done": True, "passed": ok,
            "detail": "%s: largest error %.3g of the largest value (limit %.3g)" % (what, err, rtol)}


# --- references in NumPy, float64 -------------------------------------------------------

def conv_input(np, spec, dtype="float32"):
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (spec["batch"], spec["channels"], spec["size"], spec["size"])).astype(dtype)
    w = (rng.uniform(-1, 1, (spec["filters"], spec["channels"], 3, 3)) / math.sqrt(9 * spec["channels"])).astype(dtype)
    return x, w


def conv_reference_image0(np, x, w):
    """3x3, stride 1, padding 1 convolution of image 0, NCHW, float64."""
    x0 = np.pad(x[0].astype(np.float64), ((0, 0), (1, 1), (1, 1)))
    c, h, wd = x.shape[1], x.shape[2], x.shape[3]
    cols = np.empty((c * 9, h * wd))
    idx = 0
    for ci in range(c):
        for r in range(3):
            for s in range(3):
                cols[idx] = x0[ci, r:r + h, s:s + wd].reshape(-1)
                idx += 1
    out = w.reshape(w.shape[0], -1).astype(np.float64) @ cols
    return out.reshape(w.shape[0], h, wd)


def conv_weight_grad_reference(np, x):
    """d(sum(conv(x, w)))/dw: every filter's gradient is the sum of shifted input windows."""
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, wd = x.shape[2], x.shape[3]
    g = np.empty((x.shape[1], 3, 3))
    for r in range(3):
        for s in range(3):
            g[:, r, s] = xp[:, :, r:r + h, s:s + wd].sum(axis=(0, 2, 3))
    return g


def mlp_init(np, spec, dtype="float32"):
    rng = np.random.default_rng(11)
    dims = spec["dims"]
    weights = [(rng.standard_normal((dims[i], dims[i + 1])) / math.sqrt(dims[i])).astype(dtype) for i in range(len(dims) - 1)]
    x = rng.standard_normal((spec["batch"], dims[0])).astype(dtype)
    y = rng.standard_normal((spec["batch"], dims[-1])).astype(dtype)
    return weights, x, y


def mlp_reference_step(np, weights, x, y, lr):
    """Loss and updated weights after one SGD step: ReLU between layers, mean squared error."""
    ws = [w.astype(np.float64) for w in weights]
    acts = [x.astype(np.float64)]
    for i, w in enumerate(ws):
        z = acts[-1] @ w
        acts.append(np.maximum(z, 0) if i < len(ws) - 1 else z)
    out = acts[-1]
    loss = float(np.mean((out - y) ** 2))
    grad = 2 * (out - y) / out.size
    new = [None] * len(ws)
    for i in reversed(range(len(ws))):
        gw = acts[i].T @ grad
        if i > 0:
            grad = (grad @ ws[i].T) * (acts[i] > 0)
        new[i] = ws[i] - lr * gw
    return loss, new


def rnn_init(np, spec, dtype="float32"):
    rng = np.random.default_rng(5)
    b, h, d, t = spec["batch"], spec["hidden"], spec["input"], spec["steps"]
    w = (rng.standard_normal((h, h)) * (0.9 / math.sqrt(h))).astype(dtype)
    u = (rng.standard_normal((d, h)) / math.sqrt(d)).astype(dtype)
    xs = rng.standard_normal((t, b, d)).astype(dtype)
    return w, u, xs


def rnn_reference(np, w, u, xs, limit):
    """Runs the data-dependent loop: step while the running sum of mean|h| is below `limit`.
    Returns (steps, final h, the running sums)."""
    h = np.zeros((xs.shape[1], w.shape[0]))
    w64, u64 = w.astype(np.float64), u.astype(np.float64)
    total, t, sums = 0.0, 0, []
    while t < xs.shape[0] and total < limit:
        h = np.tanh(h @ w64 + xs[t].astype(np.float64) @ u64)
        total += float(np.mean(np.abs(h)))
        sums.append(total)
        t += 1
    return t, h, sums


def rnn_limit(np, w, u, xs):
    """A stopping limit halfway between two running sums near the middle of the sequence, so
    the step count is data-dependent and rounding cannot move it."""
    _, _, sums = rnn_reference(np, w, u, xs, float("inf"))
    k = len(sums) // 2
    return (sums[k - 1] + sums[k]) / 2, k + 1


# --- the driver ---------------------------------------------------------------------------

def workload_variant(spec):
    w = spec["workload"]
    if w == "matmul":
        return "%d %s" % (spec["n"], spec["dtype"])
    if w in ("conv2d_fwd", "conv2d_bwd"):
        return "n=%d %dx%d %d->%d 3x3 %s" % (spec["batch"], spec["size"], spec["size"], spec["channels"], spec["filters"], spec.get("dtype", "float32"))
    if w == "mlp_train":
        return "batch %d %s" % (spec["batch"], "-".join(str(d) for d in spec["dims"]))
    if w == "rnn_dynamic":
        return "batch %d hidden %d up to %d steps" % (spec["batch"], spec["hidden"], spec["steps"])
    if w == "copy":
        return "%d MiB" % (spec["bytes"] >> 20)
    return ""


def main(framework):
    """framework: an object with info(config) -> dict, and run(workload_spec, mode, config)
    -> dict(seconds, work, unit, check) or raising Skip."""
    started = _STARTED
    config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    doc = {"framework": framework.NAME, "python": sys.executable, "runs": []}
    try:
        doc.update(framework.info(config))
    except Skip as s:  # the framework cannot run on this device at all
        doc["skipped"] = str(s)
        print(json.dumps(doc))
        return
    except Exception as e:  # the framework itself does not import or initialise
        doc["error"] = "%s: %s" % (type(e).__name__, e)
        print(json.dumps(doc))
        return
    doc["import_seconds"] = time.perf_counter() - started
    for spec in config.get("workloads", []):
        for mode in spec.get("modes", ["eager"]):
            run = {"workload": spec["workload"], "variant": workload_variant(spec), "mode": mode}
            try:
                run.update(framework.run(spec, mode, config))
            except Skip as s:
                run["skipped"] = str(s)
            except Exception as e:
                log(traceback.format_exc())
                run["error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
            doc["runs"].append(run)
            log("%s %s %s %s done" % (framework.NAME, spec["workload"], run["variant"], mode))
    print(json.dumps(doc))


class Skip(Exception):
    """This framework cannot run this workload in this mode; the message says why."""
