"""Golden tensors for Attune's LSTM and LSTMCell, produced by PyTorch (CPU).

Run from this folder:  /usr/bin/python3 lstm.py   -> lstm.safetensors
Per case: the module's state_dict under `<case>.w.`, the inputs, the outputs, fixed upstream
gradients `<case>.g*` and, under them, the gradients of the inputs and of every parameter
(`<case>.grad.<param>`), written by scripts/golden_io.py.
"""
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../../scripts"))
import golden_io  # noqa: E402

torch.manual_seed(0)
out = {}


def put(name, t):
    out[name] = t.detach().contiguous().clone()


def store_module(case, m):
    for k, v in m.state_dict().items():
        put(f"{case}.w.{k}", v)
    for k, p in m.named_parameters():
        put(f"{case}.grad.{k}", p.grad)


# 2 layers, bidirectional, batch_first, with lengths (unsorted, so enforce_sorted=False).
lstm = torch.nn.LSTM(5, 4, num_layers=2, batch_first=True, bidirectional=True)
x = torch.randn(3, 6, 5, requires_grad=True)
lengths = torch.tensor([6, 3, 5])
packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
y_packed, (hn, cn) = lstm(packed)
y, _ = pad_packed_sequence(y_packed, batch_first=True, total_length=6)
gy, ghn, gcn = torch.randn_like(y), torch.randn_like(hn), torch.randn_like(cn)
((y * gy).sum() + (hn * ghn).sum() + (cn * gcn).sum()).backward()
store_module("bi", lstm)
for k, v in {"x": x, "lengths": lengths.int(), "y": y, "hn": hn, "cn": cn, "gy": gy, "ghn": ghn, "gcn": gcn,
             "grad_x": x.grad}.items():
    put(f"bi.{k}", v)

# Unidirectional, sequence-first, with an initial state.
lstm = torch.nn.LSTM(4, 3, num_layers=2)
x = torch.randn(5, 2, 4, requires_grad=True)
h0 = torch.randn(2, 2, 3, requires_grad=True)
c0 = torch.randn(2, 2, 3, requires_grad=True)
y, (hn, cn) = lstm(x, (h0, c0))
gy, ghn, gcn = torch.randn_like(y), torch.randn_like(hn), torch.randn_like(cn)
((y * gy).sum() + (hn * ghn).sum() + (cn * gcn).sum()).backward()
store_module("uni", lstm)
for k, v in {"x": x, "h0": h0, "c0": c0, "y": y, "hn": hn, "cn": cn, "gy": gy, "ghn": ghn, "gcn": gcn,
             "grad_x": x.grad, "grad_h0": h0.grad, "grad_c0": c0.grad}.items():
    put(f"uni.{k}", v)

# LSTMCell, one step from a given state.
cell = torch.nn.LSTMCell(4, 3)
x = torch.randn(2, 4, requires_grad=True)
h = torch.randn(2, 3, requires_grad=True)
c = torch.randn(2, 3, requires_grad=True)
h1, c1 = cell(x, (h, c))
gh, gc = torch.randn_like(h1), torch.randn_like(c1)
((h1 * gh).sum() + (c1 * gc).sum()).backward()
store_module("cell", cell)
for k, v in {"x": x, "h": h, "c": c, "h1": h1, "c1": c1, "gh": gh, "gc": gc,
             "grad_x": x.grad, "grad_h": h.grad, "grad_c": c.grad}.items():
    put(f"cell.{k}", v)

golden_io.save(out, "lstm.safetensors", {"generator": "lstm.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors")
