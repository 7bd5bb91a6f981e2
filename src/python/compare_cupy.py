"""dlenv compare: the workloads CuPy has (GPU only, eager): matmul and device copy, timed
with CUDA events on the current stream. See compare_harness.py."""

if "sample" not in globals():  # run by hand; dlenv sends compare_harness.py ahead of this file
    from compare_harness import *  # noqa: F401,F403

import numpy as np
import cupy as cp


class CuPyFramework:
    NAME = "cupy"

    def info(self, config):
        if config.get("device") != "cuda":
            raise Skip("CuPy runs on a GPU only, and this run is on the CPU")
        cp.cuda.Device(0).use()
        name = cp.cuda.runtime.getDeviceProperties(0)["name"]
        return {"version": cp.__version__, "device": "cuda:0",
                "device_name": name.decode() if isinstance(name, bytes) else name}

    def timer(self, fn):
        start, end = cp.cuda.Event(), cp.cuda.Event()

        def run():
            start.record()
            fn()
            end.record()
            end.synchronize()
            return cp.cuda.get_elapsed_time(start, end) / 1000.0

        return run

    def run(self, spec, mode, config):
        policy = config.get("policy")
        w = spec["workload"]
        if mode != "eager":
            raise Skip("CuPy has no whole-function compiler for these workloads")
        if w == "empty":
            return {"seconds": sample(self.timer(lambda: None), policy), "work": 0, "unit": "us"}
        if w == "matmul":
            n, name = spec["n"], spec["dtype"]
            if name not in ("float32", "float16"):
                raise Skip("CuPy has no %s matmul" % name)
            rng = np.random.default_rng(1)
            a = cp.asarray(rng.uniform(-1, 1, (n, n)).astype(np.float32)).astype(name)
            b = cp.asarray(rng.uniform(-1, 1, (n, n)).astype(np.float32)).astype(name)
            c = cp.empty((n, n), dtype=name)
            seconds = sample(self.timer(lambda: cp.matmul(a, b, out=c)), policy)
            rows = rng.integers(0, n, 64)
            cols = rng.integers(0, n, 64)
            an, bn = cp.asnumpy(a[rows]).astype(np.float64), cp.asnumpy(b[:, cols]).astype(np.float64)
            got = cp.asnumpy(c[rows, cols]).astype(np.float64)
            check = gemm_bound_check(np, an, bn, got, n, "float32", name)
            return {"seconds": seconds, "work": 2.0 * n ** 3, "unit": "GFLOP/s", "check": check}
        if w == "copy":
            count = spec["bytes"] // 4
            src = cp.random.random(count, dtype=cp.float32)
            dst = cp.empty_like(src)
            seconds = sample(self.timer(lambda: cp.copyto(dst, src)), policy)
            stride = max(1, count // 4096)
            ok = bool(cp.array_equal(src[::stride], dst[::stride]))
            return {"seconds": seconds, "work": 2.0 * count * 4, "unit": "GB/s",
                    "check": {"done": True, "passed": ok, "detail": "sampled elements equal the source" if ok else "copy differs"}}
        raise Skip("not written for CuPy")


if __name__ == "__main__":
    main(CuPyFramework())
