package dev.attune.bench;

import dev.attune.kernels.Backend;
import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import dev.attune.kernels.cpu.CpuBackend;
import java.util.SplittableRandom;

/** Seeded operands for the kernel benchmarks, and the parsing of shape parameters. */
final class BenchData {
    static final Backend CPU = CpuBackend.INSTANCE;

    private BenchData() {}

    /** {@code n} values uniform in [-1, 1) from {@code seed}. */
    static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (2 * r.nextDouble() - 1);
        return a;
    }

    /** {@code n} values uniform in [lo, hi) from {@code seed}. */
    static float[] random(long seed, int n, float lo, float hi) {
        float[] a = random(seed, n);
        for (int i = 0; i < n; i++) a[i] = lo + (a[i] + 1) * 0.5f * (hi - lo);
        return a;
    }

    static Storage upload(float[] a) {
        return CPU.upload(a);
    }

    static Storage zeros(int n) {
        return CPU.allocate(DType.FLOAT32, n);
    }

    /** {@code "32x256x128"} to {32, 256, 128}; every size must be positive. */
    static int[] dims(String shape) {
        String[] parts = shape.split("x");
        int[] d = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            d[i] = Integer.parseInt(parts[i].trim());
            if (d[i] <= 0) throw new IllegalArgumentException("bench: sizes must be positive, got shape '" + shape + "'");
        }
        return d;
    }

    /** {@link #dims} with an expected rank. */
    static int[] dims(String shape, int rank) {
        int[] d = dims(shape);
        if (d.length != rank) throw new IllegalArgumentException("bench: shape '" + shape + "' must have " + rank + " sizes");
        return d;
    }
}
