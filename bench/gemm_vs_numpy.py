#!/usr/bin/env python3
"""Attune's GEMM next to numpy's (OpenBLAS or whichever BLAS numpy links) SGEMM, in the same run.

    bench/gemm_vs_numpy.py [--sizes 512 1024 2048] [--shapes NT:4096x256x80 ...] [--runs 5] [--rounds 1] [--attune "./attune"]

For each size N: numpy float32 C = A @ B on random N x N operands (2 warm-up calls, then the median
of --runs samples, each sample repeating the call for at least 20 ms, as `attune bench gemm` does),
then `<attune> bench gemm --size N --runs R`; then the same for each model shape OP:MxNxK (op(A) is
M x K, op(B) K x N, a T operand being a transposed view in both libraries; default: the shapes of
the JMH GemmBench, i.e. the HW4 models' Linear layers forward, input gradient and weight gradient)
with `bench gemm --shape`. Prints a Markdown table with the ratio Attune / numpy.
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


MODEL_SHAPES = ["NT:4096x256x80", "NN:4096x80x256", "TN:256x80x4096",
                "NT:4096x1024x256", "NN:4096x256x1024", "TN:1024x256x4096",
                "NT:4096x256x1024", "NN:4096x1024x256", "TN:256x1024x4096"]
SHAPE = re.compile(r"^([NT])([NT]):(\d+)x(\d+)x(\d+)$")


def parse_shape(text):
    """OP:MxNxK -> (transA, transB, m, n, k)."""
    g = SHAPE.match(text)
    if not g:
        raise argparse.ArgumentTypeError("shape must look like NT:4096x256x80 (OP in NN, NT, TN, TT), got %r" % text)
    return g.group(1) == "T", g.group(2) == "T", int(g.group(3)), int(g.group(4)), int(g.group(5))


def numpy_gflops(shape, runs):
    trans_a, trans_b, m, n, k = parse_shape(shape)
    rng = np.random.default_rng(0)
    # A transposed operand is the .T view of a row-major array: numpy hands BLAS the transpose flag.
    a = rng.standard_normal((k, m), dtype=np.float32).T if trans_a else rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((n, k), dtype=np.float32).T if trans_b else rng.standard_normal((k, n), dtype=np.float32)
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
    return 2.0 * m * n * k / statistics.median(samples) / 1e9


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


def attune_gflops(attune, shape, runs):
    """`bench gemm --size N` for a square NN:NxNxN shape, else `bench gemm --shape OP:MxNxK`."""
    trans_a, trans_b, m, n, k = parse_shape(shape)
    square = not trans_a and not trans_b and m == n == k
    args = ["--size", str(n)] if square else ["--shape", shape]
    cmd = shlex.split(attune) + ["bench", "gemm"] + args + ["--runs", str(runs)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    name = "%dx%dx%d" % (m, n, k) if square else shape
    g = re.search(r"^gemm %s: ([0-9.]+) GFLOP/s$" % re.escape(name), out, re.MULTILINE)
    if not g:
        sys.exit("gemm_vs_numpy: unexpected output of %s:\n%s" % (" ".join(cmd), out))
    return float(g.group(1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="*", default=[512, 1024, 2048])
    p.add_argument("--shapes", nargs="*", default=MODEL_SHAPES,
                   help="model shapes OP:MxNxK (default: %s)" % " ".join(MODEL_SHAPES))
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--rounds", type=int, default=1,
                   help="measure each side this many times, alternating, and keep each side's best median: "
                        "on a machine shared with other virtual machines, a burst of interference then costs "
                        "one round, not the comparison")
    p.add_argument("--attune", default=shlex.quote(os.path.join(os.path.dirname(here), "attune")))
    args = p.parse_args()
    if args.runs < 1 or args.rounds < 1 or any(n < 1 for n in args.sizes):
        p.error("--runs, --rounds and every size must be positive")
    for shape in args.shapes:
        try:
            parse_shape(shape)
        except argparse.ArgumentTypeError as e:
            p.error(str(e))
    shapes = ["NN:%dx%dx%d" % (n, n, n) for n in args.sizes] + args.shapes
    print("numpy %s, %s, %d CPUs, %s" % (np.__version__, platform.processor() or platform.machine(), os.cpu_count(),
                                        time.strftime("%Y-%m-%d")))
    # numpy may link the reference BLAS rather than OpenBLAS: say which one this comparison is against.
    print("numpy's BLAS: %s" % blas_libraries())
    print()
    print("| shape | Attune | numpy | ratio Attune/numpy |")
    print("|---|---|---|---|")
    for shape in shapes:
        ours = theirs = 0.0
        for _ in range(args.rounds):
            ours = max(ours, attune_gflops(args.attune, shape, args.runs))
            theirs = max(theirs, numpy_gflops(shape, args.runs))
        print("| %s | %.1f GFLOP/s | %.1f GFLOP/s | %.2fx |" % (shape, ours, theirs, ours / theirs), flush=True)


if __name__ == "__main__":
    main()
