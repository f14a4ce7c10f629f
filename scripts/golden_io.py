"""A minimal safetensors writer for the golden-tensor scripts (so they need only PyTorch).

save(tensors, path, metadata) writes an ordered dict of CPU tensors: float32 as F32,
int64 as I64, int32 as I32, bool as BOOL.
"""
import json
import struct

import torch

_DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.int32: "I32", torch.bool: "BOOL"}


def save(tensors, path, metadata=None):
    header = {"__metadata__": {k: str(v) for k, v in (metadata or {}).items()}}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
