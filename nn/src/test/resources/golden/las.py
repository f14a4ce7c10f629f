"""Golden tensors for Attune's LAS parts (dev.attune.nn.las), produced by PyTorch (CPU).

Run from this folder:  /usr/bin/python3 las.py   -> las.safetensors
The classes below restate, in plain torch, the model Attune builds (same child names, so the
state_dicts load 1:1): a listener of a BLSTM plus pyramidal BLSTMs (lengths through
pack_padded_sequence), dot-product (las-pytorch) or location-aware (Chorowski et al.) attention,
and the speller stepped with teacher forcing. Per case: the state_dict under `<case>.w.`,
inputs, logits, attention weights, fixed upstream gradients and the gradients of the input and
of every parameter (`<case>.grad.<param>`).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../../scripts"))
import golden_io  # noqa: E402


def blstm(x, lengths, rnn):
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    y, _ = rnn(packed)
    return pad_packed_sequence(y, batch_first=True, total_length=x.size(1))[0]


class PyramidalBLSTM(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.rnn = nn.LSTM(2 * d, h, batch_first=True, bidirectional=True)

    def forward(self, x, lengths):
        n, t, d = x.shape
        z = x[:, : t // 2 * 2].reshape(n, t // 2, 2 * d)
        lengths = [l // 2 for l in lengths]
        return blstm(z, lengths, self.rnn), lengths


class Listener(nn.Module):
    def __init__(self, d, h, k):
        super().__init__()
        self.rnn = nn.LSTM(d, h, batch_first=True, bidirectional=True)
        self.pyramid = nn.ModuleList([PyramidalBLSTM(2 * h, h) for _ in range(k)])

    def forward(self, x, lengths):
        h = blstm(x, lengths, self.rnn)
        for layer in self.pyramid:
            h, lengths = layer(h, lengths)
        return h, lengths


def masked_softmax(e, lengths):
    mask = torch.arange(e.size(1))[None, :] >= torch.tensor(lengths)[:, None]
    return F.softmax(e.masked_fill(mask, -1e30), dim=1)


class DotAttention(nn.Module):
    def __init__(self, s, d, a):
        super().__init__()
        self.phi = nn.Linear(s, a)
        self.psi = nn.Linear(d, a)

    def forward(self, s, h, lengths, prev):
        e = torch.bmm(F.relu(self.psi(h)), F.relu(self.phi(s)).unsqueeze(2)).squeeze(2)
        alpha = masked_softmax(e, lengths)
        return torch.bmm(alpha.unsqueeze(1), h).squeeze(1), alpha


class LocationAwareAttention(nn.Module):
    def __init__(self, s, d, a, channels, half):
        super().__init__()
        self.mlp_enc = nn.Linear(d, a)
        self.mlp_dec = nn.Linear(s, a, bias=False)
        self.mlp_att = nn.Linear(channels, a, bias=False)
        self.loc_conv = nn.Conv1d(1, channels, 2 * half + 1, padding=half, bias=False)
        self.gvec = nn.Linear(a, 1)

    def forward(self, s, h, lengths, prev):
        loc = self.loc_conv(prev.unsqueeze(1)).transpose(1, 2)
        e = self.gvec(torch.tanh(self.mlp_enc(h) + self.mlp_dec(s).unsqueeze(1) + self.mlp_att(loc))).squeeze(2)
        alpha = masked_softmax(e, lengths)
        return torch.bmm(alpha.unsqueeze(1), h).squeeze(1), alpha


class Speller(nn.Module):
    def __init__(self, vocab, emb, s, layers, d, attention):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb + d, s, num_layers=layers)
        self.attention = attention
        self.character_distribution = nn.Sequential(nn.Linear(s + d, s), nn.ReLU(), nn.Linear(s, vocab))
        self.layers, self.s = layers, s

    def forward(self, h, lengths, targets, sos):
        n, u, d = h.shape
        state = (torch.zeros(self.layers, n, self.s), torch.zeros(self.layers, n, self.s))
        context = torch.zeros(n, d)
        prev = torch.zeros(n, u)
        for b, l in enumerate(lengths):
            prev[b, :l] = 1.0 / l
        token = torch.full((n,), sos, dtype=torch.long)
        logits, weights = [], []
        for i in range(targets.size(1)):
            y, state = self.rnn(torch.cat([self.embedding(token), context], 1).unsqueeze(0), state)
            context, prev = self.attention(y[0], h, lengths, prev)
            logits.append(self.character_distribution(torch.cat([y[0], context], 1)))
            weights.append(prev)
            token = targets[:, i]
        return torch.stack(logits, 1), torch.stack(weights, 1)


class Las(nn.Module):
    def __init__(self, attention):
        super().__init__()
        self.listener = Listener(4, 3, 2)
        self.speller = Speller(7, 3, 5, 2, 6, attention)

    def forward(self, x, lengths, targets):
        h, lens = self.listener(x, lengths)
        return self.speller(h, lens, targets, 1)


out = {}


def put(name, t):
    out[name] = t.detach().contiguous().clone()


torch.manual_seed(0)
x = torch.randn(2, 11, 4)
lengths = [11, 9]
targets = torch.tensor([[3, 4, 5, 2], [6, 2, 0, 0]])
put("x", x)
put("lengths", torch.tensor(lengths, dtype=torch.int32))
put("targets", targets.int())
for case, attention in [("dot", DotAttention(5, 6, 4)), ("loc", LocationAwareAttention(5, 6, 4, 2, 1))]:
    model = Las(attention)
    xl = x.clone().requires_grad_(True)
    logits, weights = model(xl, lengths, targets)
    gl, gw = torch.randn_like(logits), torch.randn_like(weights)
    ((logits * gl).sum() + (weights * gw).sum()).backward()
    for k, v in model.state_dict().items():
        put(f"{case}.w.{k}", v)
    for k, p in model.named_parameters():
        put(f"{case}.grad.{k}", p.grad)
    for k, v in {"logits": logits, "weights": weights, "glogits": gl, "gweights": gw, "grad_x": xl.grad}.items():
        put(f"{case}.{k}", v)

golden_io.save(out, "las.safetensors", {"generator": "las.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors")
