"""Writes the torch.save fixtures of PtReaderTest and Hw4CorpusTest.

Run from this folder with a Python that has PyTorch (any version >= 1.6, which writes the zip
format): python3 make_fixtures.py. The fixtures were generated with PyTorch 1.13 (Debian
python3-torch). The values are small and exact in float32, so the tests can state them.
"""
import collections
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
HW4 = os.path.join(HERE, "..", "hw4")


def save(obj, name):
    torch.save(obj, os.path.join(HERE, name))


# 3x4 float32, contiguous: t[i][j] = 0.5 * (4 i + j) - 1
save(torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1, "tensor_3x4.pt")

# Transposed view (4x3, strides (1, 4)) of that same storage.
save((torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5 - 1).t(), "transposed.pt")

# A view with a storage offset and a step: arange(20).reshape(4, 5)[1:, ::2] -> 3x3, offset 5, strides (5, 2).
save(torch.arange(20, dtype=torch.float32).reshape(4, 5)[1:, ::2], "slice.pt")

# int64 with a value beyond float32's exact range.
save(torch.tensor([[-3, 0, 2 ** 40], [7, 8, 9]], dtype=torch.int64), "int64.pt")

# A dict of tensors and plain values; two entries share one storage.
base = torch.tensor([1.5, -2.0, 3.25, 4.0])
save({"weight": base.reshape(2, 2), "tail": base[2:], "ids": torch.tensor([5, 6], dtype=torch.int64),
      "name": "fixture", "count": 3, "scale": 0.25, "flags": [True, None], "pair": (1, "a")}, "dict.pt")

# Other dtypes.
save({"f64": torch.tensor([0.1, -2.5], dtype=torch.float64), "f16": torch.tensor([0.5, -1.25], dtype=torch.float16),
      "bf16": torch.tensor([1.0, -0.375], dtype=torch.bfloat16), "i32": torch.tensor([-7, 2 ** 30], dtype=torch.int32),
      "u8": torch.tensor([0, 255], dtype=torch.uint8), "b": torch.tensor([True, False]),
      "scalar": torch.tensor(2.5)}, "dtypes.pt")

# A module state dict: an OrderedDict with _metadata (needs BUILD).
linear = torch.nn.Linear(2, 3)
with torch.no_grad():
    linear.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    linear.bias.copy_(torch.tensor([-1.0, 0.0, 1.0]))
save(linear.state_dict(), "state_dict.pt")

# A tiny HW4 layout: two speakers, one test utterance; features t[i][j] = k + i / 10 + j / 1000.
os.makedirs(HW4, exist_ok=True)
utts = {"id00002": [("uttr-a.pt", 3), ("uttr-b.pt", 2)], "id00001": [("uttr-c.pt", 4)]}
test = [("uttr-t.pt", 5)]
for k, (path, frames) in enumerate([u for s in utts.values() for u in s] + test):
    mel = k + torch.arange(frames, dtype=torch.float32).unsqueeze(1) / 10 + torch.arange(40, dtype=torch.float32) / 1000
    torch.save(mel, os.path.join(HW4, path))
with open(os.path.join(HW4, "metadata.json"), "w") as f:
    json.dump({"n_mels": 40, "speakers": {s: [{"feature_path": p, "mel_len": n} for p, n in us] for s, us in utts.items()}}, f)
with open(os.path.join(HW4, "mapping.json"), "w") as f:
    json.dump({"speaker2id": {"id00001": 0, "id00002": 1}, "id2speaker": {"0": "id00001", "1": "id00002"}}, f)
with open(os.path.join(HW4, "testdata.json"), "w") as f:
    json.dump({"n_mels": 40, "utterances": [{"feature_path": p, "mel_len": n} for p, n in test]}, f)
