"""Golden values for dev.attune.nn.optim (OptimTest): torch.optim trajectories, clip_grad_norm_,
and LambdaLR learning rates under the warm-up/cosine schedule.

Run from the repository root with PyTorch 1.13:  python3 nn/src/test/resources/golden/optim.py
Writes optim.safetensors next to this script.

Optimizer problem: three parameters p0 (3, 2), p1 (2,), p2 (4,) and five steps with fixed
gradients per step (stored); p2 has no gradient at steps 0 and 3, so torch skips it there and
its per-parameter step count lags. The learning rate is changed before each step to
base_lr * lr_factor[t], as a schedule would. Stored per configuration: every parameter after
every step ("<cfg>.s<t>.p<i>") and torch's final optimizer state ("<cfg>.state.<i>.<name>").
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../../scripts"))
import golden_io  # noqa: E402

torch.manual_seed(1234)
out = {}

shapes = [(3, 2), (2,), (4,)]
init = [torch.randn(s) for s in shapes]
steps = 5
grad_scale = [1.0, 3.0, 0.1, 0.5, 2.0]  # shrinking gradients make AMSGrad's max matter
lr_factor = [1.0, 0.5, 0.25, 0.75, 1.5]  # exact in float32, so base_lr * factor is the same double in Java
no_grad = {(2, 0), (2, 3)}  # (param, step) pairs without a gradient
grads = {}
for t in range(steps):
    for i, s in enumerate(shapes):
        if (i, t) not in no_grad:
            grads[(i, t)] = torch.randn(s) * grad_scale[t]

for i, p in enumerate(init):
    out[f"init.p{i}"] = p
for (i, t), g in sorted(grads.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    out[f"grad.s{t}.p{i}"] = g
out["lr_factor"] = torch.tensor(lr_factor)

configs = {
    "sgd": (torch.optim.SGD, dict(lr=0.1)),
    "sgd_momentum": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    "sgd_nesterov": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "adam": (torch.optim.Adam, dict(lr=0.01, weight_decay=0.1)),
    "adam_amsgrad": (torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, amsgrad=True)),
    "adamw": (torch.optim.AdamW, dict(lr=0.01)),
    "adamw_amsgrad": (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
}
for name, (cls, kw) in configs.items():
    params = [torch.nn.Parameter(p.clone()) for p in init]
    opt = cls(params, **kw)
    for t in range(steps):
        for i, p in enumerate(params):
            p.grad = grads[(i, t)].clone() if (i, t) in grads else None
        opt.param_groups[0]["lr"] = kw["lr"] * lr_factor[t]
        opt.step()
        for i, p in enumerate(params):
            out[f"{name}.s{t}.p{i}"] = p.detach().clone()
    for i, st in opt.state_dict()["state"].items():
        for key, v in st.items():
            if v is not None:  # plain SGD keeps momentum_buffer = None
                out[f"{name}.state.{i}.{key}"] = v.float().reshape(()) if key == "step" else v

# clip_grad_norm_: one call that clips and one that does not.
cg = [torch.randn(3, 2), torch.randn(4), torch.randn(5) * 0.01]
for i, g in enumerate(cg):
    out[f"clip.g{i}"] = g
for tag, max_norm in (("clipped", 1.0), ("unclipped", 100.0)):
    ps = [torch.nn.Parameter(torch.zeros_like(g)) for g in cg]
    for p, g in zip(ps, cg):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    out[f"clip.{tag}.total"] = total.reshape(())
    for i, p in enumerate(ps):
        out[f"clip.{tag}.g{i}"] = p.grad

# Warm-up then half-cosine decay (HW4: 1000 warm-up steps, 70000 in all), driven by LambdaLR
# exactly as the training loop drives it (optimizer.step(); scheduler.step() per batch).
W, TOTAL = 1000, 70000


def cosine_with_warmup(step):
    if step < W:
        return step / max(1, W)
    progress = (step - W) / max(1, TOTAL - W)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


probe = [0, 1, 500, 999, 1000, 1001, 12345, 35500, 69999, 70000, 70500]
p = torch.nn.Parameter(torch.zeros(1))
opt = torch.optim.SGD([p], lr=1.0)
sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine_with_warmup)
lrs = []
for step in range(max(probe) + 1):
    if step in probe:
        lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
out["cosine.steps"] = torch.tensor(probe, dtype=torch.int32)
out["cosine.lr"] = torch.tensor(lrs, dtype=torch.float32)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim.safetensors")
golden_io.save(out, path, {"torch": torch.__version__})
print(f"wrote {len(out)} tensors to {path}")
