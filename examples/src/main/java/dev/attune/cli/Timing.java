package dev.attune.cli;

import java.util.Arrays;

/**
 * The in-process timer of {@code attune bench}: warm-up calls (JIT compilation, thread pool and buffer
 * set-up) for at least {@link #WARMUP} calls and {@link #WARMUP_NANOS}, then the median of several timed samples. A sample repeats the body enough times to
 * last at least {@link #MIN_SAMPLE_NANOS}, so tiny problems are not lost in the timer's resolution.
 */
final class Timing {
    static final int WARMUP = 5;
    static final long WARMUP_NANOS = 1_500_000_000L;
    static final long MIN_SAMPLE_NANOS = 20_000_000L;

    private Timing() {}

    /** Median seconds per call of {@code body} over {@code runs} samples, after the warm-up. */
    static double medianSeconds(Runnable body, int runs) {
        if (runs < 1) throw new IllegalArgumentException("bench: --runs must be at least 1, got " + runs);
        long start = System.nanoTime(), last = 1;
        for (int i = 0; i < WARMUP || System.nanoTime() - start < WARMUP_NANOS; i++) {
            long t0 = System.nanoTime();
            body.run();
            last = Math.max(1, System.nanoTime() - t0);
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

    /** The middle value of {@code values}, or the mean of the two middle values when their number is even. */
    static double median(double[] values) {
        if (values.length == 0) throw new IllegalArgumentException("median: no values");
        double[] v = values.clone();
        Arrays.sort(v);
        int h = v.length / 2;
        return v.length % 2 == 1 ? v[h] : (v[h - 1] + v[h]) / 2;
    }
}
