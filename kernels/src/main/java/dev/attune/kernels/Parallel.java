package dev.attune.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU backend's thread pool. Work is split statically into at most {@link #threads()}
 * contiguous ranges, so which thread computes which output is fixed by the thread count:
 * with the same seed and thread count, every kernel gives bit-identical results.
 *
 * <p>The thread count is {@code -Dattune.threads=N}, else the number of available processors.
 */
public final class Parallel {
    private static final int THREADS = Math.max(1,
            Integer.getInteger("attune.threads", Runtime.getRuntime().availableProcessors()));
    private static final ForkJoinPool POOL = THREADS == 1 ? null : new ForkJoinPool(THREADS);
    /**
     * True while the calling thread runs its own chunk of a split range: a range nested in it
     * (a kernel that calls another, as fused attention calls the GEMM) then runs inline, as it
     * does on pool threads, instead of splitting again onto threads that are already busy.
     */
    private static final ThreadLocal<Boolean> SPLIT = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Parallel() {}

    /** A body over the half-open range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)}, split into equal contiguous chunks of at least
     * {@code minChunk} items. Small work, and work nested in a range already split, runs on the
     * calling thread.
     */
    public static void forRange(int n, int minChunk, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS, Math.max(1, n / Math.max(1, minChunk)));
        if (chunks == 1 || POOL == null || ForkJoinTask.inForkJoinPool() || SPLIT.get()) {
            body.run(0, n);
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            tasks.add(POOL.submit(() -> body.run(from, to)));
        }
        SPLIT.set(Boolean.TRUE);
        try {
            body.run(0, (int) ((long) n / chunks));
        } finally {
            SPLIT.set(Boolean.FALSE);
        }
        for (ForkJoinTask<?> t : tasks) t.join();
    }
}
