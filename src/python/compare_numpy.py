"""dlenv compare: the workloads in NumPy (CPU only, eager only). See compare_harness.py."""

if "sample" not in globals():  # run by hand; dlenv sends compare_harness.py ahead of this file
    from compare_harness import *  # noqa: F401,F403

import numpy as np


class NumPyFramework:
    NAME = "numpy"

    def info(self, config):
        if config.get("device", "cpu") != "cpu":
            raise Skip("NumPy runs on the CPU only, and this run is on the GPU")
        return {"version": np.__version__, "device": "cpu"}

    def run(self, spec, mode, config):
        if mode != "eager":
            raise Skip("NumPy has no compiler")
        policy = config.get("policy")
        w = spec["workload"]
        nothing = lambda: None
        if w == "empty":
            return {"seconds": sample(wall_timer(nothing, nothing), policy), "work": 0, "unit": "us"}
        if w == "matmul":
            n, dtype = spec["n"], spec["dtype"]
            if dtype not in ("float32", "float64"):
                raise Skip("NumPy has no %s matmul" % dtype)
            rng = np.random.default_rng(1)
            a = rng.uniform(-1, 1, (n, n)).astype(dtype)
            b = rng.uniform(-1, 1, (n, n)).astype(dtype)
            out = {}

            def step():
                out["c"] = a @ b

            seconds = sample(wall_timer(step, nothing), policy)
            rows = rng.integers(0, n, 64)
            cols = rng.integers(0, n, 64)
            check = gemm_bound_check(np, a[rows].astype(np.float64), b[:, cols].astype(np.float64),
                                     out["c"][rows, cols].astype(np.float64), n, dtype, dtype)
            return {"seconds": seconds, "work": 2.0 * n ** 3, "unit": "GFLOP/s", "check": check}
        if w == "copy":
            count = spec["bytes"] // 4
            src = np.random.default_rng(2).random(count, dtype=np.float32)
            dst = np.empty_like(src)
            seconds = sample(wall_timer(lambda: np.copyto(dst, src), nothing), policy)
            ok = bool(np.array_equal(src, dst))
            return {"seconds": seconds, "work": 2.0 * count * 4, "unit": "GB/s",
                    "check": {"done": True, "passed": ok, "detail": "equals the source" if ok else "copy differs"}}
        if w == "conv2d_fwd":
            x, wt = conv_input(np, spec)
            c, h, wd = x.shape[1], x.shape[2], x.shape[3]
            wmat = wt.reshape(wt.shape[0], -1)
            out = {}

            def step():
                # im2col, then one GEMM: how a CPU convolution without a DNN library runs.
                xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
                cols = np.empty((x.shape[0], c, 3, 3, h, wd), dtype=x.dtype)
                for r in range(3):
                    for s in range(3):
                        cols[:, :, r, s] = xp[:, :, r:r + h, s:s + wd]
                cols = cols.reshape(x.shape[0], c * 9, h * wd)
                out["y"] = np.matmul(wmat, cols).reshape(x.shape[0], wt.shape[0], h, wd)

            seconds = sample(wall_timer(step, nothing), policy)
            check = close_check(np, out["y"][0], conv_reference_image0(np, x, wt), 1e-4, "image 0 against float64")
            flops = 2.0 * x.shape[0] * wt.shape[0] * c * 9 * h * wd
            return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check}
        if w == "conv2d_bwd":
            raise Skip("NumPy has no automatic differentiation")
        if w == "mlp_train":
            weights, x, y = mlp_init(np, spec)
            lr = spec.get("lr", 0.01)
            state = {"w": [v.copy() for v in weights]}

            def train_step(ws):
                acts = [x]
                for i, wm in enumerate(ws):
                    z = acts[-1] @ wm
                    acts.append(np.maximum(z, 0) if i < len(ws) - 1 else z)
                outp = acts[-1]
                loss = np.mean((outp - y) ** 2)
                grad = (2.0 / outp.size) * (outp - y)
                new = list(ws)
                for i in reversed(range(len(ws))):
                    gw = acts[i].T @ grad
                    if i > 0:
                        grad = (grad @ ws[i].T) * (acts[i] > 0)
                    new[i] = ws[i] - np.float32(lr) * gw
                return float(loss), new

            loss, first = train_step(weights)
            ref_loss, ref_new = mlp_reference_step(np, weights, x, y, lr)
            check = close_check(np, first[-1], ref_new[-1], 1e-4, "updated last layer")
            if abs(loss - ref_loss) > 1e-4 * abs(ref_loss):
                check = {"done": True, "passed": False, "detail": "loss %r, reference %r" % (loss, ref_loss)}

            def step():
                state["w"] = train_step(state["w"])[1]

            seconds = sample(wall_timer(step, nothing), policy)
            dims = spec["dims"]
            flops = 3 * 2.0 * spec["batch"] * sum(dims[i] * dims[i + 1] for i in range(len(dims) - 1))
            return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check}
        if w == "rnn_dynamic":
            wm, um, xs = rnn_init(np, spec)
            limit, ref_steps = rnn_limit(np, wm, um, xs)
            out = {}

            def step():
                hh = np.zeros((xs.shape[1], wm.shape[0]), dtype=np.float32)
                total, t = 0.0, 0
                while t < xs.shape[0] and total < limit:
                    hh = np.tanh(hh @ wm + xs[t] @ um)
                    total += float(np.mean(np.abs(hh)))
                    t += 1
                out["steps"], out["h"] = t, hh

            seconds = sample(wall_timer(step, nothing), policy)
            _, ref_h, _ = rnn_reference(np, wm, um, xs, limit)
            check = close_check(np, out["h"], ref_h, 1e-3, "final state after %d steps" % out["steps"])
            if out["steps"] != ref_steps:
                check = {"done": True, "passed": False, "detail": "%d steps, reference %d" % (out["steps"], ref_steps)}
            return {"seconds": seconds, "work": ref_steps, "unit": "steps/s", "check": check}
        raise Skip("unknown workload %s" % w)


if __name__ == "__main__":
    main(NumPyFramework())
