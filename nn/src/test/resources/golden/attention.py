"""Golden tensors for Attune's attention layers and the HW4 classifier, produced by PyTorch (1.13, CPU).

Run from this folder:  /usr/bin/python3 attention.py   -> attention.safetensors
Each case stores the module's state_dict under `<case>.sd.<name>`, the inputs, each output `<case>.<out>`
with a fixed upstream gradient `<case>.g<out>`, and the gradients (under the sum of all
output * upstream products) of the float inputs `<case>.grad_<input>` and of every parameter
`<case>.grad.<name>`. Modules run in eval mode (dropout off) with grad enabled, which keeps torch
on its reference ("slow") path.

The HW4 sample classifier has 125,896 parameters, too many to store here, so its weights are
made by a formula that the Java test repeats exactly (see det_values): parameter number p (in
state_dict order), element i, gets offset + (2u - 1) * scale with u = (splitmix64(p * 1000003 + i)
>> 40) / 2^24; scale = 1/sqrt(fan_in) for matrices, 0.1 for vectors; offset 1 for LayerNorm weights.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../../scripts"))
import golden_io  # noqa: E402

torch.manual_seed(0)
out = {}
meta = {"generator": "attention.py", "torch": torch.__version__}


def put(name, t):
    out[name] = t.detach().contiguous().clone()


def module_case(name, module, fn, inputs, output_names, store_state=True):
    """Runs fn(module, **inputs); stores state, inputs, outputs, upstream grads and gradients."""
    module.eval()
    module.zero_grad(set_to_none=True)
    if store_state:
        for k, v in module.state_dict().items():
            put(f"{name}.sd.{k}", v)
    leaves = {k: (v.clone().requires_grad_(True) if v.is_floating_point() else v) for k, v in inputs.items()}
    outs = fn(module, **leaves)
    loss = 0
    for oname, o in zip(output_names, outs):
        gy = torch.randn_like(o)
        put(f"{name}.{oname}", o)
        put(f"{name}.g{oname}", gy)
        loss = loss + (o * gy).sum()
    loss.backward()
    for k, v in inputs.items():
        put(f"{name}.{k}", v)
        if v.is_floating_point():
            put(f"{name}.grad_{k}", leaves[k].grad)
    for pname, p in module.named_parameters():
        put(f"{name}.grad.{pname}", p.grad)


def randomize(module):
    """Non-zero biases and LayerNorm affines, so every parameter matters in the comparison."""
    with torch.no_grad():
        for pname, p in module.named_parameters():
            if p.dim() == 1:
                p.copy_((1.0 if "norm" in pname and pname.endswith("weight") else 0.0) + 0.2 * torch.randn_like(p))
    return module


# ---- MultiheadAttention ----------------------------------------------------------------------------

E, H = 8, 2
mha = randomize(nn.MultiheadAttention(E, H, dropout=0.1, batch_first=True))
kpm = torch.tensor([[False, False, False, True], [False, False, True, True]])
module_case("mha_cross_bf", mha,
            lambda m, q, k, v, kpm: m(q, k, v, key_padding_mask=kpm, need_weights=True),
            {"q": torch.randn(2, 3, E), "k": torch.randn(2, 4, E), "v": torch.randn(2, 4, E), "kpm": kpm}, ["y", "w"])

mha = randomize(nn.MultiheadAttention(E, H, dropout=0.1, batch_first=False))
kpm = torch.tensor([[False] * 5, [False, False, False, True, True]])
causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
module_case("mha_self_sf", mha,
            lambda m, x, kpm, mask: m(x, x, x, key_padding_mask=kpm, attn_mask=mask, need_weights=True),
            {"x": torch.randn(5, 2, E), "kpm": kpm, "mask": causal}, ["y", "w"])

mha = nn.MultiheadAttention(E, H, bias=False, batch_first=True)
module_case("mha_float_mask_nobias", mha,
            lambda m, x, mask: (m(x, x, x, attn_mask=mask, need_weights=False)[0],),
            {"x": torch.randn(2, 4, E), "mask": torch.randn(2 * H, 4, 4)}, ["y"])

# ---- TransformerEncoderLayer / TransformerEncoder ----------------------------------------------------

kpm = torch.tensor([[False] * 5, [False, False, False, True, True]])
for norm_first in (False, True):
    for act in ("relu", "gelu"):
        batch_first = (act == "gelu") != norm_first
        layer = randomize(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, activation=act,
                                                     batch_first=batch_first, norm_first=norm_first))
        name = f"tel_{'pre' if norm_first else 'post'}_{act}"
        meta[name + ".batch_first"] = batch_first
        x = torch.randn(2, 5, 8) if batch_first else torch.randn(5, 2, 8)
        module_case(name, layer, lambda m, x, kpm: (m(x, src_key_padding_mask=kpm),), {"x": x, "kpm": kpm}, ["y"])

enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True, norm_first=True),
                            2, norm=nn.LayerNorm(8), enable_nested_tensor=False)
randomize(enc)
with torch.no_grad():
    for p in enc.layers[1].parameters():   # deepcopy made the two layers equal; make them differ
        p.add_(0.1 * torch.randn_like(p))
module_case("encoder", enc, lambda m, x, kpm: (m(x, src_key_padding_mask=kpm),), {"x": torch.randn(2, 5, 8), "kpm": kpm}, ["y"])


# ---- self-attention pooling and AM-softmax (written as in common HW4 solutions, plus masking) ----------

class SelfAttentionPooling(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.W = nn.Linear(dim, 1)

    def forward(self, x, pad=None):
        s = self.W(x).squeeze(-1)
        if pad is not None:
            s = s.masked_fill(pad, float("-inf"))
        a = F.softmax(s, dim=1).unsqueeze(-1)
        return torch.sum(x * a, dim=1)


class AMSoftmax(nn.Module):
    def __init__(self, dim, classes, s=30.0, m=0.4):
        super().__init__()
        self.s, self.m = s, m
        self.weight = nn.Parameter(torch.randn(classes, dim))

    def cos(self, x):
        return F.normalize(x, dim=1) @ F.normalize(self.weight, dim=1).t()

    def forward(self, x, labels):
        cos = self.cos(x)
        margin = F.one_hot(labels, cos.size(1)).float() * self.m
        return self.s * cos, F.cross_entropy(self.s * (cos - margin), labels)


pool = SelfAttentionPooling(6)
pad = torch.tensor([[False] * 5, [False, False, True, True, True], [False, False, False, False, True]])
module_case("sap", pool, lambda m, x: (m(x),), {"x": torch.randn(3, 5, 6)}, ["y"])
module_case("sap_masked", pool, lambda m, x, pad: (m(x, pad),), {"x": torch.randn(3, 5, 6), "pad": pad}, ["y"])

am = AMSoftmax(6, 5)
module_case("amsoftmax", am, lambda m, x, labels: m(x, labels),
            {"x": torch.randn(4, 6), "labels": torch.tensor([0, 3, 4, 3])}, ["logits", "loss"])


# ---- HW4 sample classifier (the course's sample code) ----------------------------------------------------

class Classifier(nn.Module):
    def __init__(self, d_model=80, n_spks=600, dropout=0.1):
        super().__init__()
        self.prenet = nn.Linear(40, d_model)
        self.encoder_layer = nn.TransformerEncoderLayer(d_model=d_model, dim_feedforward=256, nhead=2)
        self.pred_layer = nn.Sequential(
            nn.Linear(d_model, d_model),
            nn.ReLU(),
            nn.Linear(d_model, n_spks),
        )

    def forward(self, mels):
        out = self.prenet(mels)
        out = out.permute(1, 0, 2)
        out = self.encoder_layer(out)
        out = out.transpose(0, 1)
        stats = out.mean(dim=1)
        out = self.pred_layer(stats)
        return out


M64 = (1 << 64) - 1


def splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def det_values(p, name, shape):
    n = math.prod(shape)
    scale = 1.0 / math.sqrt(shape[1]) if len(shape) == 2 else 0.1
    offset = 1.0 if "norm" in name and name.endswith("weight") else 0.0
    vals = [offset + (2.0 * (splitmix64(p * 1000003 + i) >> 40) / 16777216.0 - 1.0) * scale for i in range(n)]
    return torch.tensor(vals, dtype=torch.float64).float().reshape(shape)


model = Classifier().eval()
n_params = sum(p.numel() for p in model.parameters())
n_layer = sum(p.numel() for p in model.encoder_layer.parameters())
assert (n_params, n_layer) == (125896, 67536), (n_params, n_layer)
sd = model.state_dict()
with torch.no_grad():
    for p, (k, v) in enumerate(sd.items()):
        v.copy_(det_values(p, k, list(v.shape)))
meta["hw4_simple.state"] = ";".join(f"{k}:{'x'.join(map(str, v.shape))}" for k, v in sd.items())
meta["hw4_simple.parameters"] = n_params
meta["hw4_simple.encoder_layer_parameters"] = n_layer
mels = torch.randn(3, 50, 40)
with torch.no_grad():
    put("hw4_simple.mels", mels)
    put("hw4_simple.logits", model(mels))
    put("hw4_simple.probe", sd["pred_layer.2.weight"][7, :5])   # spot check of the formula

golden_io.save(out, "attention.safetensors", meta)
print(f"wrote {len(out)} tensors")
