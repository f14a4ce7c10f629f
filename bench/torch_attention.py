#!/usr/bin/env python3
"""Times PyTorch attention at (B32, H4, T512, dk64), forward + backward, for comparison with
Attune's fused attention:

  eager   the WeNet rel-pos composition: scores = ((q+u) k^T + (q+v) p^T) / sqrt(dk), key padding
          mask, softmax, dropout, @ v (RelPositionMultiHeadedAttention without rel_shift)
  sdpa    torch.nn.functional.scaled_dot_product_attention on the same q, k, v (no rel-pos term)

Run: python3 bench/torch_attention.py [--device cuda] [--iters 20] [--dropout 0.1]
Prints one line per variant: mean milliseconds of forward+backward (CUDA-synchronised on GPU).
"""
import argparse
import math
import time

import torch


def eager_relpos(q, k, v, p, u_bias, v_bias, pad, dropout):
    dk = q.size(-1)
    qu = q + u_bias[None, :, None, :]
    qv = q + v_bias[None, :, None, :]
    scores = (qu @ k.transpose(-2, -1) + qv @ p.transpose(-2, -1)) / math.sqrt(dk)
    scores = scores.masked_fill(pad[:, None, None, :], float("-inf"))
    attn = torch.softmax(scores, dim=-1).masked_fill(pad[:, None, None, :], 0.0)
    attn = torch.nn.functional.dropout(attn, p=dropout, training=dropout > 0)
    return attn @ v


def sdpa(q, k, v, pad, dropout):
    if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        return None
    mask = ~pad[:, None, None, :]
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout)


def timed(fn, device, iters):
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()
    out = fn()
    if out is None:
        return None
    out.sum().backward()
    sync()
    start = time.perf_counter()
    for _ in range(iters):
        fn().sum().backward()
    sync()
    return (time.perf_counter() - start) * 1e3 / iters


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--time", type=int, default=512)
    ap.add_argument("--dk", type=int, default=64)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--dropout", type=float, default=0.0)
    a = ap.parse_args()
    device = torch.device(a.device)
    g = torch.Generator(device="cpu").manual_seed(0)
    shape = (a.batch, a.heads, a.time, a.dk)

    def leaf(*s):
        return torch.randn(*s, generator=g).to(device).requires_grad_(True)

    q, k, v, p = leaf(*shape), leaf(*shape), leaf(*shape), leaf(1, a.heads, a.time, a.dk)
    u_bias, v_bias = leaf(a.heads, a.dk), leaf(a.heads, a.dk)
    lengths = torch.randint(a.time // 2, a.time + 1, (a.batch,), generator=g)
    pad = (torch.arange(a.time)[None, :] >= lengths[:, None]).to(device)

    print(f"torch {torch.__version__} on {device} (B{a.batch}, H{a.heads}, T{a.time}, dk{a.dk}), "
          f"dropout {a.dropout}, {a.iters} iterations, forward+backward:")
    ms = timed(lambda: eager_relpos(q, k, v, p, u_bias, v_bias, pad, a.dropout), device, a.iters)
    print(f"  eager rel-pos attention: {ms:.2f} ms")
    ms = timed(lambda: sdpa(q, k, v, pad, a.dropout), device, a.iters)
    print("  scaled_dot_product_attention: " + ("not in this PyTorch" if ms is None else f"{ms:.2f} ms"))


if __name__ == "__main__":
    main()
