"""Golden tensors for Attune's torchaudio-style Conformer, produced by torchaudio's own modules
(torchaudio.models.conformer, tested with torchaudio 0.13 / PyTorch 1.13, CPU).

Run from this folder:  python3 conformer_torchaudio.py   -> conformer_torchaudio.safetensors

For each case <c>: the module's state dict under "<c>.state.<name>", the inputs, the output "<c>.y",
a fixed upstream gradient "<c>.gy" and the input gradient "<c>.grad_x". Parameters, BatchNorm
statistics and the (zero-initialised) attention biases are randomised first so every one matters.
"""
import os
import sys

import torch
from torchaudio.models import Conformer
from torchaudio.models.conformer import ConformerLayer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../../scripts"))
import golden_io  # noqa: E402

torch.manual_seed(0)
out = {}


def put(name, t):
    out[name] = t.detach().contiguous().clone()


def randomize(module):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (torch.nn.LayerNorm, torch.nn.BatchNorm1d)):
                m.weight.copy_(1.0 + 0.2 * torch.randn_like(m.weight))
                m.bias.normal_(0, 0.2)
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
            if isinstance(m, torch.nn.MultiheadAttention):
                m.in_proj_bias.normal_(0, 0.2)
                m.out_proj.bias.normal_(0, 0.2)


def case(name, module, x, fn, state_from=None):
    if state_from is None:
        randomize(module)
        for k, v in module.state_dict().items():
            put(f"{name}.state.{k}", v)
    else:
        module.load_state_dict({k[len(state_from) + 7:]: v for k, v in out.items() if k.startswith(state_from + ".state.")})
    leaf = x.clone().requires_grad_(True)
    y = fn(module, leaf)
    gy = torch.randn_like(y)
    y.backward(gy)
    put(f"{name}.x", x)
    put(f"{name}.y", y)
    put(f"{name}.gy", gy)
    put(f"{name}.grad_x", leaf.grad)


def padding_mask(lengths, t):
    return torch.arange(t).unsqueeze(0) >= lengths.unsqueeze(1)


assert sum(p.numel() for p in ConformerLayer(80, 256, 4, 31).parameters()) == 131472

# One layer (D 16, ffn 32, 4 heads, kernel 7), sequence-first (T 9, B 2), lengths 9 and 6.
lengths = torch.tensor([9, 6], dtype=torch.int32)
mask = padding_mask(lengths, 9)
put("layer.key_padding_mask", mask)
x = torch.randn(9, 2, 16)
case("layer", ConformerLayer(16, 32, 4, 7, dropout=0.0).eval(), x, lambda m, x: m(x, mask))
# The same weights in train mode (dropout 0): BatchNorm uses the batch statistics.
case("layer_train", ConformerLayer(16, 32, 4, 7, dropout=0.0).train(), x, lambda m, x: m(x, mask), state_from="layer")

# The encoder: 2 layers, batch-first input (B 2, T 9), lengths 9 and 6.
put("conformer.lengths", lengths)
enc = Conformer(input_dim=16, num_heads=4, ffn_dim=32, num_layers=2, depthwise_conv_kernel_size=7, dropout=0.0).eval()
case("conformer", enc, torch.randn(2, 9, 16), lambda m, x: m(x, lengths)[0])

golden_io.save(out, "conformer_torchaudio.safetensors", {"generator": "conformer_torchaudio.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors, {os.path.getsize('conformer_torchaudio.safetensors')} bytes")
