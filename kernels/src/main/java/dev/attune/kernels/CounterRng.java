package dev.attune.kernels;

/**
 * A counter-based generator: the value at stream position i depends only on (seed, i), so a
 * tensor of random numbers can be filled in parallel, on any backend, with the same result.
 * Each position gives 64 bits from the SplitMix64 finaliser of {@code key + (i + 1) * gamma},
 * where the key is the seed mixed once more; CUDA kernels compute the same function.
 */
public final class CounterRng {
    /** The stream step, and the two multipliers of {@link #mix} (vector forms of these draws use them too). */
    public static final long GAMMA = 0x9E3779B97F4A7C15L, MIX_1 = 0xBF58476D1CE4E5B9L, MIX_2 = 0x94D049BB133111EBL;
    /** 2^-24: a 24-bit integer times this is a uniform float on [0, 1). */
    public static final float INV_2_24 = 1.0f / (1 << 24);

    private CounterRng() {}

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * MIX_1;
        z = (z ^ (z >>> 27)) * MIX_2;
        return z ^ (z >>> 31);
    }

    /** The 64 random bits at stream position {@code index}. */
    public static long bits(long seed, long index) {
        return mix(mix(seed) + (index + 1) * GAMMA);
    }

    /** Uniform on [0, 1) with 24 bits of precision. */
    public static float uniform(long seed, long index) {
        return (bits(seed, index) >>> 40) * INV_2_24;
    }

    /** Standard normal by Box-Muller from the two 24-bit halves of one draw. */
    public static float normal(long seed, long index) {
        long r = bits(seed, index);
        double u1 = ((r >>> 40) + 1) * (double) INV_2_24;          // (0, 1]: log is finite
        double u2 = ((r >>> 16) & 0xFFFFFF) * (double) INV_2_24;    // [0, 1)
        return (float) (Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2));
    }
}
