"""Golden tensors for Attune's WeNet/PaddleSpeech Conformer layers, produced by PyTorch (>= 1.10, CPU).

Run from this folder:  python3 conformer_wenet.py   -> conformer_wenet.safetensors

No WeNet/PaddleSpeech/ESPnet package is installed here, so the reference modules below are OUR OWN
transcription into PyTorch of the published equations and module layout (Conformer: Gulati et al.
2020; relative-position attention: Dai et al. 2019 as used in WeNet's RelPositionMultiHeadedAttention,
without rel_shift; ESPnet's newer RelPositionalEncoding with 2T-1 positions and rel_shift). They are
not WeNet's code. Member names follow WeNet's checkpoints (embed.conv.0, encoders.0.self_attn.linear_pos,
pos_bias_u, ...). The rel_shift here is ESPnet's zero-pad-and-reshape trick, independent of the gather
Attune uses, so the two check each other.

For each case <c> it stores the module's state dict under "<c>.state.<name>", the inputs, the output
"<c>.y", a fixed upstream gradient "<c>.gy" and the input gradients "<c>.grad_<input>" (and, for the
attention, "<c>.grad_param.<name>" for every parameter).
"""
import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../../scripts"))
import golden_io  # noqa: E402

torch.manual_seed(0)
out = {}


def put(name, t):
    out[name] = t.detach().contiguous().clone()


def sinusoids(d, positions):
    freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * -(math.log(10000.0) / d))
    pe = torch.zeros(len(positions), d)
    pos = positions.to(torch.float32).unsqueeze(1)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)
    return pe


class RelPositionalEncoding(nn.Module):
    """x * sqrt(D); positions 0..T-1 ("wenet") or T-1..-(T-1) ("espnet")."""

    def __init__(self, d, p, variant):
        super().__init__()
        self.d, self.variant = d, variant
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        t = x.size(1)
        if self.variant == "wenet":
            positions = torch.arange(0, t)
        else:
            positions = torch.arange(t - 1, -t, -1)
        pe = sinusoids(self.d, positions).unsqueeze(0)
        return self.dropout(x * math.sqrt(self.d)), self.dropout(pe)


class RelPositionMultiHeadedAttention(nn.Module):
    """scores = ((q+u) k^T + (q+v) (W_pos p)^T) / sqrt(d_k); masked softmax; dropout; @ v; linear_out."""

    def __init__(self, h, d, p, variant):
        super().__init__()
        self.h, self.d_k, self.variant = h, d // h, variant
        self.linear_q = nn.Linear(d, d)
        self.linear_k = nn.Linear(d, d)
        self.linear_v = nn.Linear(d, d)
        self.linear_out = nn.Linear(d, d)
        self.dropout = nn.Dropout(p)
        self.linear_pos = nn.Linear(d, d, bias=False)
        self.pos_bias_u = nn.Parameter(torch.empty(h, self.d_k))
        self.pos_bias_v = nn.Parameter(torch.empty(h, self.d_k))
        nn.init.xavier_uniform_(self.pos_bias_u)
        nn.init.xavier_uniform_(self.pos_bias_v)

    @staticmethod
    def rel_shift(x):
        # ESPnet's trick: pad a zero column, re-read the buffer as (2T, T), drop the first row.
        b, h, t, r = x.shape
        padded = torch.cat([x.new_zeros(b, h, t, 1), x], dim=-1).view(b, h, r + 1, t)
        return padded[:, :, 1:].reshape(b, h, t, r)[:, :, :, : r // 2 + 1]

    def forward(self, query, key, value, mask, pos_emb):
        n = query.size(0)
        q = self.linear_q(query).view(n, -1, self.h, self.d_k)
        k = self.linear_k(key).view(n, -1, self.h, self.d_k).transpose(1, 2)
        v = self.linear_v(value).view(n, -1, self.h, self.d_k).transpose(1, 2)
        p = self.linear_pos(pos_emb).view(pos_emb.size(0), -1, self.h, self.d_k).transpose(1, 2)
        ac = (q + self.pos_bias_u).transpose(1, 2) @ k.transpose(-2, -1)
        bd = (q + self.pos_bias_v).transpose(1, 2) @ p.transpose(-2, -1)
        if self.variant == "espnet":
            bd = self.rel_shift(bd)
        scores = (ac + bd) / math.sqrt(self.d_k)
        blocked = mask.unsqueeze(1).eq(0)
        attn = torch.softmax(scores.masked_fill(blocked, -float("inf")), dim=-1).masked_fill(blocked, 0.0)
        x = (self.dropout(attn) @ v).transpose(1, 2).reshape(n, -1, self.h * self.d_k)
        return self.linear_out(x)


class PositionwiseFeedForward(nn.Module):
    def __init__(self, d, hidden, p):
        super().__init__()
        self.w_1 = nn.Linear(d, hidden)
        self.activation = nn.SiLU()
        self.dropout = nn.Dropout(p)
        self.w_2 = nn.Linear(hidden, d)

    def forward(self, x):
        return self.w_2(self.dropout(self.activation(self.w_1(x))))


class ConvolutionModule(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.pointwise_conv1 = nn.Conv1d(d, 2 * d, 1)
        self.depthwise_conv = nn.Conv1d(d, d, k, padding=(k - 1) // 2, groups=d)
        self.norm = nn.BatchNorm1d(d)
        self.pointwise_conv2 = nn.Conv1d(d, d, 1)
        self.activation = nn.SiLU()

    def forward(self, x, mask_pad):
        x = x.transpose(1, 2).masked_fill(~mask_pad, 0.0)
        x = nn.functional.glu(self.pointwise_conv1(x), dim=1)
        x = self.activation(self.norm(self.depthwise_conv(x)))
        x = self.pointwise_conv2(x).masked_fill(~mask_pad, 0.0)
        return x.transpose(1, 2)


class Conv2dSubsampling4(nn.Module):
    def __init__(self, idim, d, pos_enc):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, d, 3, 2), nn.ReLU(), nn.Conv2d(d, d, 3, 2), nn.ReLU())
        self.out = nn.Sequential(nn.Linear(d * (((idim - 1) // 2 - 1) // 2), d))
        self.pos_enc = pos_enc

    def forward(self, x, mask):
        x = self.conv(x.unsqueeze(1))
        b, c, t, f = x.shape
        x = self.out(x.transpose(1, 2).reshape(b, t, c * f))
        x, pos_emb = self.pos_enc(x)
        return x, pos_emb, mask[:, :, 2::2][:, :, 2::2]


class ConformerEncoderLayer(nn.Module):
    def __init__(self, d, h, hidden, k, p, variant, eps):
        super().__init__()
        self.self_attn = RelPositionMultiHeadedAttention(h, d, p, variant)
        self.feed_forward = PositionwiseFeedForward(d, hidden, p)
        self.feed_forward_macaron = PositionwiseFeedForward(d, hidden, p)
        self.conv_module = ConvolutionModule(d, k)
        self.norm_ff = nn.LayerNorm(d, eps=eps)
        self.norm_mha = nn.LayerNorm(d, eps=eps)
        self.norm_ff_macaron = nn.LayerNorm(d, eps=eps)
        self.norm_conv = nn.LayerNorm(d, eps=eps)
        self.norm_final = nn.LayerNorm(d, eps=eps)
        self.dropout = nn.Dropout(p)

    def forward(self, x, mask, pos_emb, mask_pad):
        x = x + 0.5 * self.dropout(self.feed_forward_macaron(self.norm_ff_macaron(x)))
        a = self.norm_mha(x)
        x = x + self.dropout(self.self_attn(a, a, a, mask, pos_emb))
        x = x + self.dropout(self.conv_module(self.norm_conv(x), mask_pad))
        x = x + 0.5 * self.dropout(self.feed_forward(self.norm_ff(x)))
        return self.norm_final(x)


class ConformerEncoder(nn.Module):
    def __init__(self, idim, d, h, hidden, blocks, k, p, variant, eps):
        super().__init__()
        self.embed = Conv2dSubsampling4(idim, d, RelPositionalEncoding(d, p, variant))
        self.after_norm = nn.LayerNorm(d, eps=eps)
        self.encoders = nn.ModuleList([ConformerEncoderLayer(d, h, hidden, k, p, variant, eps) for _ in range(blocks)])

    def forward(self, xs, lengths):
        mask = (torch.arange(xs.size(1)).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(1)
        x, pos_emb, mask = self.embed(xs, mask)
        for layer in self.encoders:
            x = layer(x, mask, pos_emb, mask)
        return self.after_norm(x), mask


def randomize(module):
    """Moves every parameter and BatchNorm statistic off its trivial initial value."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.2 * torch.randn_like(p) if name.endswith("weight") else 0.2 * torch.randn_like(p))
            if "pos_bias" in name:
                p.normal_(0, 0.5)
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.normal_(0, 0.2)
            elif name.endswith("running_var"):
                b.uniform_(0.5, 1.5)


def case(name, module, inputs, fn, param_grads=False, state_from=None):
    """state_from: reuse (and do not store again) the state of an earlier case."""
    if state_from is None:
        randomize(module)
        for k, v in module.state_dict().items():
            put(f"{name}.state.{k}", v)
    else:
        module.load_state_dict({k[len(state_from) + 7:]: v for k, v in out.items() if k.startswith(state_from + ".state.")})
    leaves = {k: (v.clone().requires_grad_(True) if v.is_floating_point() else v) for k, v in inputs.items()}
    y = fn(module, **leaves)
    gy = torch.randn_like(y)
    y.backward(gy)
    for k, v in inputs.items():
        put(f"{name}.{k}", v)
        if v.is_floating_point():
            put(f"{name}.grad_{k}", leaves[k].grad)
    put(f"{name}.y", y)
    put(f"{name}.gy", gy)
    if param_grads:
        for k, p in module.named_parameters():
            put(f"{name}.grad_param.{k}", p.grad)
    return y


def lengths_mask(lengths, t):
    return (torch.arange(t).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(1)


# Positional tables, both variants (scaled input and pos_emb; eval, so no dropout).
for variant in ("wenet", "espnet"):
    pe = RelPositionalEncoding(16, 0.1, variant).eval()
    x = torch.randn(2, 40, 16)
    xs, pos = pe(x)
    put(f"pos_{variant}.x", x)
    put(f"pos_{variant}.y", xs)
    put(f"pos_{variant}.pos_emb", pos)

# Attention, both variants: self-attention over x, key padding mask from lengths (3, 5).
n, t, d, h = 2, 5, 8, 2
lengths = torch.tensor([3, 5])
for variant in ("wenet", "espnet"):
    rows = t if variant == "wenet" else 2 * t - 1
    att = RelPositionMultiHeadedAttention(h, d, 0.0, variant).eval()
    case(f"attn_{variant}", att, {"x": torch.randn(n, t, d), "pos_emb": torch.randn(1, rows, d),
                                  "mask": lengths_mask(lengths, t)},
         lambda m, x, pos_emb, mask: m(x, x, x, mask, pos_emb), param_grads=True)

# Feed-forward, convolution module (eval and train), subsampling.
case("ffn", PositionwiseFeedForward(6, 10, 0.0).eval(), {"x": torch.randn(2, 3, 6)}, lambda m, x: m(x))
conv_inputs = {"x": torch.randn(2, 9, 6), "mask": lengths_mask(torch.tensor([9, 6]), 9)}
case("conv_eval", ConvolutionModule(6, 5).eval(), conv_inputs, lambda m, x, mask: m(x, mask))
case("conv_train", ConvolutionModule(6, 5).train(), conv_inputs, lambda m, x, mask: m(x, mask))
sub = Conv2dSubsampling4(11, 4, RelPositionalEncoding(4, 0.0, "wenet")).eval()
case("subsampling", sub, {"x": torch.randn(2, 17, 11), "mask": lengths_mask(torch.tensor([17, 12]), 17)},
     lambda m, x, mask: m(x, mask)[0])
put("subsampling.mask_out", sub(out["subsampling.x"], out["subsampling.mask"])[2])

# A small encoder (idim 24, D 32, 4 heads, 2 blocks, linear_units 48, kernel 7), eval and train
# (all dropout rates 0, so train mode differs only by BatchNorm's batch statistics).
enc = ConformerEncoder(24, 32, 4, 48, 2, 7, 0.0, "wenet", 1e-5)
enc_inputs = {"x": torch.randn(2, 30, 24), "lengths": torch.tensor([30, 23], dtype=torch.int32)}
case("encoder_eval", enc.eval(), enc_inputs, lambda m, x, lengths: m(x, lengths)[0])
put("encoder_eval.mask_out", enc(enc_inputs["x"], enc_inputs["lengths"])[1])
# The same weights with ESPnet's positions (2T-1, rel_shift), LayerNorm eps 1e-12, in train mode.
enc_train = ConformerEncoder(24, 32, 4, 48, 2, 7, 0.0, "espnet", 1e-12)
case("encoder_train_espnet", enc_train.train(), enc_inputs, lambda m, x, lengths: m(x, lengths)[0],
     state_from="encoder_eval")

golden_io.save(out, "conformer_wenet.safetensors", {"generator": "conformer_wenet.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors, {os.path.getsize('conformer_wenet.safetensors')} bytes")
