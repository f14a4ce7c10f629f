package dev.attune.tensor;

import dev.attune.kernels.Backend.Distribution;
import dev.attune.kernels.DType;

/**
 * An explicit, seeded source of random tensors. It is counter-based: the k-th number it ever
 * draws depends only on the seed and k, so a run is reproducible on any device and thread count.
 * Not thread-safe: give each thread its own generator.
 */
public final class Generator {
    private final long seed;
    private long counter;

    public Generator(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** How many numbers have been drawn so far (the stream position). */
    public long position() {
        return counter;
    }

    private Tensor draw(Distribution dist, float a, float b, Device device, int[] shape) {
        Tensor t = Tensor.empty(DType.FLOAT32, device, shape);
        int n = t.numel();
        device.backend().random(dist, a, b, seed, counter, t.storage, 0, n);
        counter += n;
        return t;
    }

    /**
     * Advances the stream by {@code count} positions, as drawing that many numbers would, for a
     * kernel that draws them itself (fused attention's dropout); returns the position before.
     */
    long skip(long count) {
        long at = counter;
        counter += count;
        return at;
    }

    /** Uniform on [0, 1). */
    public Tensor rand(int... shape) {
        return uniform(0f, 1f, shape);
    }

    /** Standard normal. */
    public Tensor randn(int... shape) {
        return normal(0f, 1f, shape);
    }

    /** Uniform on [low, high). */
    public Tensor uniform(float low, float high, int... shape) {
        if (!(low <= high)) throw new IllegalArgumentException("uniform: low must be <= high, got " + low + ", " + high);
        return draw(Distribution.UNIFORM, low, high, Device.CPU, shape);
    }

    /** Normal with the given mean and standard deviation. */
    public Tensor normal(float mean, float std, int... shape) {
        if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        return draw(Distribution.NORMAL, mean, std, Device.CPU, shape);
    }

    /** 1 with probability p, else 0 (float32). */
    public Tensor bernoulli(float p, Device device, int... shape) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("bernoulli: p must be in [0, 1], got " + p);
        return draw(Distribution.BERNOULLI, p, 0f, device, shape);
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates driven by this stream). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int k = 0; k < n; k++) p[k] = k;
        for (int k = n - 1; k > 0; k--) {
            int j = (int) Math.floor(dev.attune.kernels.CounterRng.uniform(seed, counter++) * (k + 1));
            j = Math.min(j, k);
            int tmp = p[k];
            p[k] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** A uniform integer in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("nextInt: bound must be positive, got " + bound);
        return Math.min(bound - 1, (int) Math.floor(dev.attune.kernels.CounterRng.uniform(seed, counter++) * bound));
    }
}
