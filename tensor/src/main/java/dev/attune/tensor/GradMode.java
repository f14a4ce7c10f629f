package dev.attune.tensor;

/**
 * Whether ops record the autograd graph on this thread. {@code try (var g = GradMode.noGrad())}
 * turns recording off for its block (nesting is fine); results computed inside never require grad.
 */
public final class GradMode implements AutoCloseable {
    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private boolean closed;

    private GradMode() {
        DISABLED_DEPTH.get()[0]++;
    }

    /** Opens a scope in which no graph is recorded. */
    public static GradMode noGrad() {
        return new GradMode();
    }

    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            DISABLED_DEPTH.get()[0]--;
        }
    }
}
