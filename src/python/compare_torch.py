"""dlenv compare: the workloads in PyTorch, eager and compiled. See compare_harness.py.

Compiled means torch.compile where it exists (2.0 and later). PyTorch 1.x has only TorchScript:
there the RNN's loop is scripted (from a source string, since this file arrives on stdin and
torch.jit.script cannot read the source of a function without a file) and the other workloads
trace their forward pass.
"""

if "sample" not in globals():  # run by hand; dlenv sends compare_harness.py ahead of this file
    from compare_harness import *  # noqa: F401,F403

import numpy as np
import torch

DTYPES = {"float32": torch.float32, "tfloat32": torch.float32, "float64": torch.float64,
          "float16": torch.float16, "bfloat16": torch.bfloat16}

RNN_SCRIPT = """
def rnn(w: Tensor, u: Tensor, xs: Tensor, limit: float) -> Tuple[int, Tensor]:
    h = torch.zeros(xs.shape[1], w.shape[0], dtype=w.dtype, device=w.device)
    total = 0.0
    t = 0
    while t < xs.shape[0] and total < limit:
        h = torch.tanh(h @ w + xs[t] @ u)
        total += float(h.abs().mean())
        t += 1
    return t, h
"""


class TorchFramework:
    NAME = "torch"

    def info(self, config):
        self.device = "cpu"
        if config.get("device") == "cuda":
            if not torch.cuda.is_available():
                raise RuntimeError("torch.cuda.is_available() is False")
            self.device = "cuda:0"
        self.cuda = self.device != "cpu"
        if config.get("threads"):
            torch.set_num_threads(int(config["threads"]))
        # Honest fp32: no TF32 unless the workload asks for it.
        if hasattr(torch.backends, "cuda"):
            torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        out = {"version": torch.__version__, "device": self.device, "threads": torch.get_num_threads()}
        if self.cuda:
            out["device_name"] = torch.cuda.get_device_name(0)
        return out

    def timer(self, fn):
        if not self.cuda:
            return wall_timer(fn, lambda: None)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

        def run():
            start.record()
            fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1000.0

        return run

    def compile(self, fn, example_args):
        if hasattr(torch, "compile"):
            return torch.compile(fn), "torch.compile"
        return torch.jit.trace(fn, example_args), "torch.jit.trace"

    def run(self, spec, mode, config):
        policy = config.get("policy")
        w = spec["workload"]
        dev = self.device
        gen = torch.Generator().manual_seed(1)
        if w == "empty":
            if mode != "eager":
                raise Skip("nothing to compile")
            return {"seconds": sample(self.timer(lambda: None), policy), "work": 0, "unit": "us"}
        if w == "matmul":
            n, name = spec["n"], spec["dtype"]
            if mode != "eager":
                raise Skip("a single library call; compiling adds nothing")
            if name in ("tfloat32", "float16", "bfloat16") and not self.cuda:
                raise Skip("%s matmul is a GPU measurement" % name)
            if name == "float64" and self.cuda:
                raise Skip("float64 is a CPU measurement")
            dtype = DTYPES[name]
            if self.cuda:
                torch.backends.cuda.matmul.allow_tf32 = name == "tfloat32"
                for flag in ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
                    if hasattr(torch.backends.cuda.matmul, flag):
                        setattr(torch.backends.cuda.matmul, flag, False)
            a = (torch.rand(n, n, generator=gen) * 2 - 1).to(dtype).to(dev)
            b = (torch.rand(n, n, generator=gen) * 2 - 1).to(dtype).to(dev)
            c = torch.empty(n, n, dtype=dtype, device=dev)
            seconds = sample(self.timer(lambda: torch.matmul(a, b, out=c)), policy)
            torch.backends.cuda.matmul.allow_tf32 = False
            rows = torch.randint(0, n, (64,), generator=gen)
            cols = torch.randint(0, n, (64,), generator=gen)
            ar = a[rows.to(dev)].double().cpu().numpy()
            bc = b[:, cols.to(dev)].double().cpu().numpy()
            got = c[rows.to(dev), cols.to(dev)].double().cpu().numpy()
            accumulate = {"float64": "float64", "tfloat32": "tfloat32"}.get(name, "float32")
            check = gemm_bound_check(np, ar, bc, got, n, accumulate, name if name != "tfloat32" else "float32")
            return {"seconds": seconds, "work": 2.0 * n ** 3, "unit": "GFLOP/s", "check": check}
        if w == "copy":
            if mode != "eager":
                raise Skip("a single library call; compiling adds nothing")
            count = spec["bytes"] // 4
            src = torch.rand(count, generator=gen).to(dev)
            dst = torch.empty_like(src)
            seconds = sample(self.timer(lambda: dst.copy_(src)), policy)
            ok = bool(torch.equal(src[:: max(1, count // 4096)], dst[:: max(1, count // 4096)]))
            return {"seconds": seconds, "work": 2.0 * count * 4, "unit": "GB/s",
                    "check": {"done": True, "passed": ok, "detail": "sampled elements equal the source" if ok else "copy differs"}}
        if w in ("conv2d_fwd", "conv2d_bwd"):
            x_np, w_np = conv_input(np, spec)
            x = torch.from_numpy(x_np).to(dev)
            wt = torch.from_numpy(w_np).to(dev)
            conv = lambda xx, ww: torch.nn.functional.conv2d(xx, ww, padding=1)
            compiler = None
            if mode == "compiled":
                conv, compiler = self.compile(conv, (x, wt))
            flops = 2.0 * x_np.shape[0] * w_np.shape[0] * x_np.shape[1] * 9 * x_np.shape[2] * x_np.shape[3]
            if w == "conv2d_fwd":
                out = {}

                def fwd():
                    with torch.no_grad():
                        out["y"] = conv(x, wt)

                seconds = sample(self.timer(fwd), policy)
                check = close_check(np, out["y"][0].double().cpu().numpy(), conv_reference_image0(np, x_np, w_np), 1e-4,
                                    "image 0 against float64")
                return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check, "compiler": compiler}
            xg = x.clone().requires_grad_(True)
            wg = wt.clone().requires_grad_(True)
            grads = {}

            def fwd_bwd():
                y = conv(xg, wg)
                grads["x"], grads["w"] = torch.autograd.grad(y.sum(), (xg, wg))

            seconds = sample(self.timer(fwd_bwd), policy)
            ref = conv_weight_grad_reference(np, x_np)
            got = grads["w"].double().cpu().numpy()
            check = close_check(np, got, np.broadcast_to(ref, got.shape), 1e-4, "weight gradient against float64")
            return {"seconds": seconds, "work": 3 * flops, "unit": "GFLOP/s", "check": check, "compiler": compiler}
        if w == "mlp_train":
            weights, x_np, y_np = mlp_init(np, spec)
            lr = spec.get("lr", 0.01)
            x, y = torch.from_numpy(x_np).to(dev), torch.from_numpy(y_np).to(dev)
            params = [torch.from_numpy(v.copy()).to(dev).requires_grad_(True) for v in weights]

            def forward(inp, *ws):
                h = inp
                for i, wm in enumerate(ws):
                    h = h @ wm
                    if i < len(ws) - 1:
                        h = torch.relu(h)
                return h

            compiler = None
            if mode == "compiled":
                forward, compiler = self.compile(forward, (x, *params))

            def train_step():
                loss = torch.mean((forward(x, *params) - y) ** 2)
                grads = torch.autograd.grad(loss, params)
                with torch.no_grad():
                    for p, g in zip(params, grads):
                        p -= lr * g
                return loss

            loss = float(train_step())
            ref_loss, ref_new = mlp_reference_step(np, weights, x_np, y_np, lr)
            check = close_check(np, params[-1].detach().double().cpu().numpy(), ref_new[-1], 1e-4, "updated last layer")
            if abs(loss - ref_loss) > 1e-4 * abs(ref_loss):
                check = {"done": True, "passed": False, "detail": "loss %r, reference %r" % (loss, ref_loss)}
            seconds = sample(self.timer(train_step), policy)
            dims = spec["dims"]
            flops = 3 * 2.0 * spec["batch"] * sum(dims[i] * dims[i + 1] for i in range(len(dims) - 1))
            return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check, "compiler": compiler}
        if w == "rnn_dynamic":
            w_np, u_np, xs_np = rnn_init(np, spec)
            limit, ref_steps = rnn_limit(np, w_np, u_np, xs_np)
            wm, um, xs = (torch.from_numpy(v).to(dev) for v in (w_np, u_np, xs_np))

            def rnn(w_, u_, xs_, lim):
                h = torch.zeros(xs_.shape[1], w_.shape[0], dtype=w_.dtype, device=w_.device)
                total, t = 0.0, 0
                while t < xs_.shape[0] and total < lim:
                    h = torch.tanh(h @ w_ + xs_[t] @ u_)
                    total += float(h.abs().mean())
                    t += 1
                return t, h

            compiler = None
            if mode == "compiled":
                if hasattr(torch, "compile"):
                    rnn, compiler = torch.compile(rnn), "torch.compile"
                else:
                    rnn, compiler = torch.jit.CompilationUnit(RNN_SCRIPT).rnn, "torch.jit.script"
            out = {}

            def step():
                with torch.no_grad():
                    out["steps"], out["h"] = rnn(wm, um, xs, limit)

            seconds = sample(self.timer(step), policy)
            _, ref_h, _ = rnn_reference(np, w_np, u_np, xs_np, limit)
            check = close_check(np, out["h"].double().cpu().numpy(), ref_h, 1e-3, "final state after %d steps" % out["steps"])
            if out["steps"] != ref_steps:
                check = {"done": True, "passed": False, "detail": "%d steps, reference %d" % (out["steps"], ref_steps)}
            return {"seconds": seconds, "work": ref_steps, "unit": "steps/s", "check": check, "compiler": compiler}
        raise Skip("unknown workload %s" % w)


if __name__ == "__main__":
    main(TorchFramework())
