package dev.attune.cli;

import java.util.Arrays;

/**
 * The in-process timer of {@code attune bench}: warm-up calls (JIT compilation, thread pool and buffer
 * set-up) for at least {@link #WARMUP} calls and {@link #WARMUP_NANOS}, and until the calls stop getting
 * faster, then the median of several timed samples: C2 compiles the vector kernels only after many slow
 * calls (a profile of {@code bench gemm --size 1024} showed the interpreter and the Vector API's Java
 * fallbacks well into its first seconds). A sample repeats the body enough times to last at least
 * {@link #MIN_SAMPLE_NANOS}, so tiny problems are not lost in the timer's resolution.
 */
final class Timing {
    static final int WARMUP = 5;
    static final long WARMUP_NANOS = 1_500_000_000L;
    /** Warm-up also lasts until STEADY_CALLS calls in a row are no more than 5 % faster than the best before them, or MAX_WARMUP_NANOS. */
    static final int STEADY_CALLS = 5;
    static final double IMPROVEMENT = 0.95;
    static final long MAX_WARMUP_NANOS = 15_000_000_000L;
    static final long MIN_SAMPLE_NANOS = 20_000_000L;

    private Timing() {}

    /** Median seconds per call of {@code body} over {@code runs} samples, after the warm-up. */
    static double medianSeconds(Runnable body, int runs) {
        if (runs < 1) throw new IllegalArgumentException("bench: --runs must be at least 1, got " + runs);
        long start = System.nanoTime(), last = 1, best = Long.MAX_VALUE;
        int sinceImprovement = 0;
        for (int i = 1; ; i++) {
            long t0 = System.nanoTime();
            body.run();
            last = Math.max(1, System.nanoTime() - t0);
            sinceImprovement = last < best * IMPROVEMENT ? 0 : sinceImprovement + 1;
            best = Math.min(best, last);
            long elapsed = System.nanoTime() - start;
            if (warmedUp(i, elapsed, sinceImprovement)) break;
        }
        // The last warm-up call is the best guess of a call's time: a sample repeats it for about the minimum.
        long reps = Math.max(1, MIN_SAMPLE_NANOS / last);
        double[] samples = new double[runs];
        for (int s = 0; s < runs; s++) {
            long t0 = System.nanoTime();
            for (long r = 0; r < reps; r++) body.run();
            samples[s] = (System.nanoTime() - t0) / 1e9 / reps;
        }
        return median(samples);
    }

    /**
     * Whether the warm-up may end after {@code calls} calls and {@code elapsed} ns, the last
     * {@code sinceImprovement} of them no more than 5 % faster than the best before them.
     */
    static boolean warmedUp(int calls, long elapsed, int sinceImprovement) {
        return calls >= WARMUP && elapsed >= WARMUP_NANOS && (sinceImprovement >= STEADY_CALLS || elapsed >= MAX_WARMUP_NANOS);
    }

    /** The middle value of {@code values}, or the mean of the two middle values when their number is even. */
    static double median(double[] values) {
        if (values.length == 0) throw new IllegalArgumentException("median: no values");
        double[] v = values.clone();
        Arrays.sort(v);
        int h = v.length / 2;
        return v.length % 2 == 1 ? v[h] : (v[h - 1] + v[h]) / 2;
    }
}
