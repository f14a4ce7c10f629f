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
     * {@code minChunk} items. Small work runs on the calling thread.
     */
    public static void forRange(int n, int minChunk, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS, Math.max(1, n / Math.max(1, minChunk)));
        if (chunks == 1 || POOL == null || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            tasks.add(POOL.submit(() -> body.run(from, to)));
        }
        body.run(0, (int) ((long) n / chunks));
        for (ForkJoinTask<?> t : tasks) t.join();
    }
}
