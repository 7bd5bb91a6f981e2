"""dlenv compare: the workloads in JAX, op by op (eager) and under jax.jit. See
compare_harness.py. JAX dispatches asynchronously: every timed call ends in block_until_ready.
"""

if "sample" not in globals():  # run by hand; dlenv sends compare_harness.py ahead of this file
    from compare_harness import *  # noqa: F401,F403

import numpy as np
import jax

jax.config.update("jax_enable_x64", True)  # for the float64 matmul; float32 arrays stay float32
# Honest fp32: without this, JAX multiplies float32 matrices in TF32 or bf16 passes on GPUs.
jax.config.update("jax_default_matmul_precision", "highest")

import jax.numpy as jnp

DTYPES = {"float32": jnp.float32, "tfloat32": jnp.float32, "float64": jnp.float64,
          "float16": jnp.float16, "bfloat16": jnp.bfloat16}


def ready(tree):
    jax.tree_util.tree_map(lambda a: a.block_until_ready() if hasattr(a, "block_until_ready") else a, tree)


class JaxFramework:
    NAME = "jax"

    def info(self, config):
        want = "gpu" if config.get("device") == "cuda" else "cpu"
        devices = [d for d in jax.devices() if d.platform == want] if want == "cpu" else jax.devices("gpu")
        if not devices:
            raise RuntimeError("JAX sees no %s device" % want)
        self.dev = devices[0]
        self.cuda = want == "gpu"
        return {"version": jax.__version__, "device": "cuda:0" if self.cuda else "cpu"}

    def timer(self, fn):
        out = {}

        def call():
            out["r"] = fn()

        return wall_timer(call, lambda: ready(out.get("r")))

    def put(self, a):
        return jax.device_put(a, self.dev)

    def run(self, spec, mode, config):
        policy = config.get("policy")
        w = spec["workload"]
        compiled = mode == "compiled"
        maybe_jit = (lambda f: jax.jit(f)) if compiled else (lambda f: f)
        compiler = "jax.jit" if compiled else None
        if w == "empty":
            if compiled:
                raise Skip("nothing to compile")
            return {"seconds": sample(self.timer(lambda: None), policy), "work": 0, "unit": "us"}
        if w == "matmul":
            n, name = spec["n"], spec["dtype"]
            if compiled:
                raise Skip("a single library call; compiling adds nothing")
            if name in ("tfloat32", "float16", "bfloat16") and not self.cuda:
                raise Skip("%s matmul is a GPU measurement" % name)
            if name == "float64" and self.cuda:
                raise Skip("float64 is a CPU measurement")
            rng = np.random.default_rng(1)
            a = self.put(jnp.asarray(rng.uniform(-1, 1, (n, n)).astype(np.float32)).astype(DTYPES[name]))
            b = self.put(jnp.asarray(rng.uniform(-1, 1, (n, n)).astype(np.float32)).astype(DTYPES[name]))
            precision = "tensorfloat32" if name == "tfloat32" else "highest"
            out = {}

            def step():
                out["c"] = jnp.matmul(a, b, precision=precision)
                return out["c"]

            seconds = sample(self.timer(step), policy)
            rows = rng.integers(0, n, 64)
            cols = rng.integers(0, n, 64)
            an = np.asarray(a.astype(jnp.float64))
            bn = np.asarray(b.astype(jnp.float64))
            got = np.asarray(out["c"].astype(jnp.float64))[rows, cols]
            accumulate = {"float64": "float64", "tfloat32": "tfloat32"}.get(name, "float32")
            check = gemm_bound_check(np, an[rows], bn[:, cols], got, n, accumulate, name if name != "tfloat32" else "float32")
            return {"seconds": seconds, "work": 2.0 * n ** 3, "unit": "GFLOP/s", "check": check}
        if w == "copy":
            if compiled:
                raise Skip("a single library call; compiling adds nothing")
            count = spec["bytes"] // 4
            src = self.put(jnp.asarray(np.random.default_rng(2).random(count, dtype=np.float32)))
            out = {}

            def step():
                out["d"] = jnp.array(src, copy=True)
                return out["d"]

            seconds = sample(self.timer(step), policy)
            stride = max(1, count // 4096)
            ok = bool(np.array_equal(np.asarray(src[::stride]), np.asarray(out["d"][::stride])))
            return {"seconds": seconds, "work": 2.0 * count * 4, "unit": "GB/s",
                    "check": {"done": True, "passed": ok, "detail": "sampled elements equal the source" if ok else "copy differs"}}
        if w in ("conv2d_fwd", "conv2d_bwd"):
            x_np, w_np = conv_input(np, spec)
            x, wt = self.put(jnp.asarray(x_np)), self.put(jnp.asarray(w_np))
            flops = 2.0 * x_np.shape[0] * w_np.shape[0] * x_np.shape[1] * 9 * x_np.shape[2] * x_np.shape[3]

            def conv(xx, ww):
                return jax.lax.conv_general_dilated(xx, ww, (1, 1), ((1, 1), (1, 1)),
                                                    dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                                    precision="highest")

            if w == "conv2d_fwd":
                fn = maybe_jit(conv)
                out = {}

                def fwd():
                    out["y"] = fn(x, wt)
                    return out["y"]

                seconds = sample(self.timer(fwd), policy)
                check = close_check(np, np.asarray(out["y"][0]), conv_reference_image0(np, x_np, w_np), 1e-4,
                                    "image 0 against float64")
                return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check, "compiler": compiler}
            fn = maybe_jit(jax.grad(lambda xx, ww: jnp.sum(conv(xx, ww)), argnums=(0, 1)))
            out = {}

            def step():
                out["g"] = fn(x, wt)
                return out["g"]

            seconds = sample(self.timer(step), policy)
            got = np.asarray(out["g"][1])
            ref = conv_weight_grad_reference(np, x_np)
            check = close_check(np, got, np.broadcast_to(ref, got.shape), 1e-4, "weight gradient against float64")
            return {"seconds": seconds, "work": 3 * flops, "unit": "GFLOP/s", "check": check, "compiler": compiler}
        if w == "mlp_train":
            weights, x_np, y_np = mlp_init(np, spec)
            lr = spec.get("lr", 0.01)
            x, y = self.put(jnp.asarray(x_np)), self.put(jnp.asarray(y_np))

            def loss_fn(ws):
                h = x
                for i, wm in enumerate(ws):
                    h = jnp.matmul(h, wm, precision="highest")
                    if i < len(ws) - 1:
                        h = jax.nn.relu(h)
                return jnp.mean((h - y) ** 2)

            grad_fn = jax.value_and_grad(loss_fn)

            def train_step(ws):
                loss, grads = grad_fn(ws)
                return loss, [wm - lr * g for wm, g in zip(ws, grads)]

            fn = maybe_jit(train_step)
            state = {"w": [self.put(jnp.asarray(v)) for v in weights]}
            loss, first = fn(state["w"])
            ref_loss, ref_new = mlp_reference_step(np, weights, x_np, y_np, lr)
            check = close_check(np, np.asarray(first[-1]), ref_new[-1], 1e-4, "updated last layer")
            if abs(float(loss) - ref_loss) > 1e-4 * abs(ref_loss):
                check = {"done": True, "passed": False, "detail": "loss %r, reference %r" % (float(loss), ref_loss)}

            def step():
                _, state["w"] = fn(state["w"])
                return state["w"]

            seconds = sample(self.timer(step), policy)
            dims = spec["dims"]
            flops = 3 * 2.0 * spec["batch"] * sum(dims[i] * dims[i + 1] for i in range(len(dims) - 1))
            return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check, "compiler": compiler}
        if w == "rnn_dynamic":
            w_np, u_np, xs_np = rnn_init(np, spec)
            limit, ref_steps = rnn_limit(np, w_np, u_np, xs_np)
            wm, um, xs = (self.put(jnp.asarray(v)) for v in (w_np, u_np, xs_np))
            steps_max = xs_np.shape[0]
            h0 = jnp.zeros((xs_np.shape[1], w_np.shape[0]), jnp.float32)

            def cell(h, xt):
                return jnp.tanh(jnp.matmul(h, wm, precision="highest") + jnp.matmul(xt, um, precision="highest"))

            if compiled:
                @jax.jit
                def rnn():
                    def cond(c):
                        t, total, _ = c
                        return jnp.logical_and(t < steps_max, total < limit)

                    def body(c):
                        t, total, h = c
                        h = cell(h, xs[t])
                        return t + 1, total + jnp.mean(jnp.abs(h)), h

                    t, _, h = jax.lax.while_loop(cond, body, (0, jnp.float32(0), h0))
                    return t, h
            else:
                def rnn():
                    h, total, t = h0, 0.0, 0
                    while t < steps_max and total < limit:
                        h = cell(h, xs[t])
                        total += float(jnp.mean(jnp.abs(h)))
                        t += 1
                    return t, h
            out = {}

            def step():
                out["t"], out["h"] = rnn()
                return out["h"]

            seconds = sample(self.timer(step), policy)
            steps = int(out["t"])
            _, ref_h, _ = rnn_reference(np, w_np, u_np, xs_np, limit)
            check = close_check(np, np.asarray(out["h"]), ref_h, 1e-3, "final state after %d steps" % steps)
            if steps != ref_steps:
                check = {"done": True, "passed": False, "detail": "%d steps, reference %d" % (steps, ref_steps)}
            return {"seconds": seconds, "work": ref_steps, "unit": "steps/s", "check": check, "compiler": compiler}
        raise Skip("unknown workload %s" % w)


if __name__ == "__main__":
    main(JaxFramework())
