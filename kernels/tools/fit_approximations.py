#!/usr/bin/env python3
"""Fits the polynomial coefficients of the CPU backend's vector exp and erfc (VectorMath.java).

Weighted least squares on Chebyshev nodes (relative error), then a check on a dense grid with
float32 Horner evaluation, as the Vector API code evaluates them. Needs numpy and scipy.

  exp(r)  = 1 + r + r^2 X(r)                   for |r| <= ln(2) / 2   (exp(x) = 2^k exp(x - k ln 2))
  erfc(z) = exp(-z^2) Q(t), t = 1 / (1 + z/2)  for 0 <= z <= 10
(tanh needs no fit of its own: it is -m / (2 + m) with m = expm1(-2|x|), from the exp polynomial.)
"""
import numpy as np
from scipy.special import erfcx


def nodes(a, b, n):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))


def fit(basis, target, scale=None):
    """Least-squares coefficients c of basis c ~ target, relative to |scale| (default: |target|)."""
    w = 1 / np.abs(target if scale is None else scale)
    c, *_ = np.linalg.lstsq(basis * w[:, None], target * w, rcond=None)
    return c.astype(np.float32)


def horner(c, u):
    r = np.float32(c[-1]) * np.ones_like(u)
    for k in range(len(c) - 2, -1, -1):
        r = (r * u + c[k]).astype(np.float32)
    return r


ERFC_END, T_SCALE = 10.0, 0.5

r = nodes(-np.log(2) / 2, np.log(2) / 2, 4000)
exp_c = fit(np.stack([r ** (k + 2) for k in range(5)], 1), np.exp(r) - 1 - r, np.exp(r))
z = nodes(0, ERFC_END, 8000)
t = 1 / (1 + T_SCALE * z)
erfc_c = fit(np.stack([t ** k for k in range(10)], 1), erfcx(z))

for name, c in (("EXP_X", exp_c), ("ERFC_Q", erfc_c)):
    print(f"{name} = {{" + ", ".join(f"{v!r}f" for v in c.tolist()) + "}")

# float32 evaluation against double references
rg = np.linspace(-np.log(2) / 2, np.log(2) / 2, 400001).astype(np.float32)
ex = (np.float32(1) + (rg + (rg * rg).astype(np.float32) * horner(exp_c, rg)).astype(np.float32)).astype(np.float32)
print("exp poly max rel err", np.max(np.abs(ex - np.exp(rg.astype(np.float64))) / np.exp(rg.astype(np.float64))))
zg = np.linspace(0, ERFC_END, 400001).astype(np.float32)
tg = (np.float32(1) / (np.float32(1) + np.float32(T_SCALE) * zg)).astype(np.float32)
q = horner(erfc_c, tg)
print("erfcx max rel err", np.max(np.abs(q - erfcx(zg.astype(np.float64))) / erfcx(zg.astype(np.float64))))
