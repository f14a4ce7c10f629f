"""Golden tensors for Attune's functional ops, produced by PyTorch (any version >= 1.10, CPU).

Run from this folder:  python3 make_golden.py   -> functional.safetensors
For each case it stores the inputs, the output, a fixed upstream gradient `<case>.gy` and the
gradients of the inputs under that upstream gradient (written by scripts/golden_io.py).
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../../scripts"))
import golden_io  # noqa: E402

torch.manual_seed(0)
out = {}


def put(name, t):
    out[name] = t.detach().contiguous().clone()


def case(name, fn, inputs, extra=None):
    leaves = {k: (v.clone().requires_grad_(True) if v.is_floating_point() else v) for k, v in inputs.items()}
    y = fn(**leaves)
    gy = torch.randn_like(y)
    y.backward(gy)
    for k, v in inputs.items():
        put(f"{name}.{k}", v)
        if v.is_floating_point() and leaves[k].grad is not None:
            put(f"{name}.grad_{k}", leaves[k].grad)
    put(f"{name}.y", y)
    put(f"{name}.gy", gy)
    for k, v in (extra or {}).items():
        put(f"{name}.{k}", v)


x = torch.randn(3, 4, 5)
case("softmax", lambda x: F.softmax(x, dim=1), {"x": x})
case("log_softmax", lambda x: F.log_softmax(x, dim=-1), {"x": x})
case("layer_norm", lambda x, w, b: F.layer_norm(x, (5,), w, b, 1e-5),
     {"x": x * 3 + 1, "w": torch.randn(5), "b": torch.randn(5)})

rm, rv = torch.randn(4), torch.rand(4) + 0.5
rm_t, rv_t = rm.clone(), rv.clone()
xb = torch.randn(6, 4, 7) * 2 + 0.5
wb, bb = torch.randn(4), torch.randn(4)
case("batch_norm_train", lambda x, w, b: F.batch_norm(x, rm_t, rv_t, w, b, True, 0.1, 1e-5),
     {"x": xb, "w": wb, "b": bb}, {"running_mean_before": rm, "running_var_before": rv})
put("batch_norm_train.running_mean_after", rm_t)
put("batch_norm_train.running_var_after", rv_t)
case("batch_norm_eval", lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False, 0.1, 1e-5),
     {"x": xb, "w": wb, "b": bb}, {"running_mean": rm, "running_var": rv})

case("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=3, dilation=2, groups=2),
     {"x": torch.randn(2, 4, 17), "w": torch.randn(6, 2, 3), "b": torch.randn(6)})
case("conv1d_depthwise", lambda x, w, b: F.conv1d(x, w, b, padding=7, groups=8),
     {"x": torch.randn(2, 8, 20), "w": torch.randn(8, 1, 15), "b": torch.randn(8)})
case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
     {"x": torch.randn(2, 3, 9, 8), "w": torch.randn(5, 3, 3, 3), "b": torch.randn(5)})
case("gelu", lambda x: F.gelu(x), {"x": torch.randn(20) * 2})
case("glu", lambda x: F.glu(x, dim=1), {"x": torch.randn(3, 6, 2)})

logits = torch.randn(6, 5)
target = torch.tensor([0, 4, -100, 2, 1, 4])
case("cross_entropy", lambda x, t: F.cross_entropy(x, t, ignore_index=-100, label_smoothing=0.1),
     {"x": logits, "t": target})
case("cross_entropy_3d", lambda x, t: F.cross_entropy(x, t),
     {"x": torch.randn(2, 5, 3), "t": torch.tensor([[0, 1, 4], [3, 3, 2]])})
case("nll_loss", lambda x, t: F.nll_loss(F.log_softmax(x, 1), t, ignore_index=4),
     {"x": logits, "t": torch.tensor([0, 4, 3, 2, 1, 4])})
case("var", lambda x: x.var(dim=(0, 2), keepdim=True), {"x": x})
case("matmul_batched", lambda a, b: a @ b, {"a": torch.randn(2, 1, 3, 4), "b": torch.randn(3, 4, 2)})


golden_io.save(out, "functional.safetensors", {"generator": "make_golden.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors")
