#!/usr/bin/env python3
"""Attune's GEMM next to numpy's (OpenBLAS or whichever BLAS numpy links) SGEMM, in the same run.

    bench/gemm_vs_numpy.py [--sizes 512 1024 2048] [--runs 5] [--attune "./attune"]

For each size N: numpy float32 C = A @ B on random N x N operands (2 warm-up calls, then the median
of --runs samples, each sample repeating the call for at least 20 ms, as `attune bench gemm` does),
then `<attune> bench gemm --size N --runs R`; prints a Markdown table with the ratio Attune / numpy.
--attune is the command that runs the Attune command line (default: the ./attune launcher next to
this folder; it builds the project first when the sources changed).
"""
import argparse
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

import numpy as np

WARMUP = 2
MIN_SAMPLE_SECONDS = 0.02


def numpy_gflops(n, runs):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    slowest = 1e-9
    for _ in range(WARMUP):
        t0 = time.perf_counter()
        a @ b
        slowest = max(slowest, time.perf_counter() - t0)
    reps = max(1, int(MIN_SAMPLE_SECONDS / slowest))
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        samples.append((time.perf_counter() - t0) / reps)
    return 2.0 * n ** 3 / statistics.median(samples) / 1e9


def blas_libraries():
    """The BLAS libraries loaded into this process (Linux: from /proc/self/maps), after a first matmul."""
    np.ones((2, 2), dtype=np.float32) @ np.ones((2, 2), dtype=np.float32)
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if len(line.split()) >= 6}
    except OSError:
        return "unknown (no /proc/self/maps)"
    blas = sorted(os.path.realpath(p) for p in paths if re.search(r"blas|mkl|blis", os.path.basename(p), re.IGNORECASE))
    return ", ".join(sorted(set(blas))) or "none found in /proc/self/maps"


def attune_gflops(attune, n, runs):
    cmd = shlex.split(attune) + ["bench", "gemm", "--size", str(n), "--runs", str(runs)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    m = re.search(r"^gemm (\d+)x\1x\1: ([0-9.]+) GFLOP/s$", out, re.MULTILINE)
    if not m or int(m.group(1)) != n:
        sys.exit("gemm_vs_numpy: unexpected output of %s:\n%s" % (" ".join(cmd), out))
    return float(m.group(2))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--attune", default=shlex.quote(os.path.join(os.path.dirname(here), "attune")))
    args = p.parse_args()
    if args.runs < 1 or any(n < 1 for n in args.sizes):
        p.error("--runs and every size must be positive")
    print("numpy %s, %s, %d CPUs, %s" % (np.__version__, platform.processor() or platform.machine(), os.cpu_count(),
                                        time.strftime("%Y-%m-%d")))
    # numpy may link the reference BLAS rather than OpenBLAS: say which one this comparison is against.
    print("numpy's BLAS: %s" % blas_libraries())
    print()
    print("| shape | Attune | numpy | ratio Attune/numpy |")
    print("|---|---|---|---|")
    for n in args.sizes:
        ours = attune_gflops(args.attune, n, args.runs)
        theirs = numpy_gflops(n, args.runs)
        print("| %dx%dx%d | %.1f GFLOP/s | %.1f GFLOP/s | %.2fx |" % (n, n, n, ours, theirs, ours / theirs), flush=True)


if __name__ == "__main__":
    main()
