package dev.attune.cli;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attune bench KERNEL}: a quick in-process speed check (warm-up, then the median of several
 * runs, see {@link Timing}). The full suite with baselines and % of peak is the JMH suite in {@code bench/}.
 * Each timed call runs in a {@link MemoryScope}, as a training step does, so its outputs go back to the
 * CPU array pool: without it every call gets a fresh multi-megabyte array from the garbage collector,
 * whose zeroing and collections made {@code bench gemm --size 1024} bimodal under G1 (99 to 232 GFLOP/s).
 */
@Command(name = "bench", description = "Quick speed check of a kernel on this machine (the full JMH suite is bench/run.sh).",
        synopsisSubcommandLabel = "KERNEL", subcommands = {BenchCommand.Gemm.class, BenchCommand.Attention.class})
final class BenchCommand extends TaskGroupCommand {
    static final int MAX_GEMM_SIZE = 16384;

    /**
     * {@code attune bench gemm}: {@code C = op(A) op(B)} for random float32 operands, {@code 2 M N K} FLOP:
     * N x N x N by default, or one shape {@code OP:MxNxK} (OP in NN, NT, TN, TT; a T operand is a
     * transposed view, as a Linear layer's weight is).
     */
    @Command(name = "gemm", description = {"Time C = A B for random float32 matrices and print one line:",
        "gemm NxNxN: <GFLOP/s> GFLOP/s, or with --shape, gemm OP:MxNxK: <GFLOP/s> GFLOP/s",
        "(2 M N K FLOP, median of --runs after warm-up)."})
    static final class Gemm extends AttuneCommand {
        private static final Pattern SHAPE = Pattern.compile("([NT])([NT]):(\\d+)x(\\d+)x(\\d+)");

        @Option(names = "--size", paramLabel = "N", description = "Square size (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
        private int size;

        @Option(names = "--shape", paramLabel = "OP:MxNxK", description = {"A model shape instead of --size: op(A) is M x K, op(B) K x N;",
            "OP says which operands are transposed views, e.g. NT:4096x256x80 (a Linear layer's forward)."})
        private String shape;

        @Option(names = "--runs", description = "Timed samples; the median is printed (default: ${DEFAULT-VALUE}).", defaultValue = "5")
        private int runs;

        @Override
        public Integer call() {
            boolean transA = false, transB = false;
            int m = size, n = size, k = size;
            if (shape != null) {
                Matcher g = SHAPE.matcher(shape);
                if (!g.matches()) throw new IllegalArgumentException("--shape must look like NT:4096x256x80 (OP in NN, NT, TN, TT), got '" + shape + "'");
                transA = g.group(1).equals("T");
                transB = g.group(2).equals("T");
                m = parseSize(g.group(3));
                n = parseSize(g.group(4));
                k = parseSize(g.group(5));
            } else if (size < 1 || size > MAX_GEMM_SIZE) {
                throw new IllegalArgumentException("--size must be between 1 and " + MAX_GEMM_SIZE + ", got " + size);
            }
            Generator g = new Generator(0);
            Tensor a = transA ? g.randn(k, m).t() : g.randn(m, k), b = transB ? g.randn(n, k).t() : g.randn(k, n);
            double seconds;
            try (GradMode _ = GradMode.noGrad()) {
                seconds = Timing.medianSeconds(scoped(() -> a.matmul(b)), runs);
            }
            String name = shape != null ? shape : size + "x" + size + "x" + size;
            out().printf(Locale.ROOT, "gemm %s: %.1f GFLOP/s%n", name, 2.0 * m * n * k / seconds / 1e9);
            return 0;
        }

        private static int parseSize(String digits) {
            int v;
            try {
                v = Integer.parseInt(digits);
            } catch (NumberFormatException e) { // the pattern admits only digits: too many of them
                v = Integer.MAX_VALUE;
            }
            if (v < 1 || v > MAX_GEMM_SIZE) throw new IllegalArgumentException("--shape sizes must be between 1 and " + MAX_GEMM_SIZE + ", got " + digits);
            return v;
        }
    }

    /**
     * {@code attune bench attention}: {@code F.attention} (no mask, no dropout, scale 1/sqrt(dk)) at the
     * three shapes of the CPU speed issue, forward and forward+backward.
     */
    @Command(name = "attention", description = {"Time F.attention forward and forward+backward at (B32,H2,T128,dk40), (B8,H4,T256,dk64)",
        "and (B1,H8,T90,dk64): forward counts 4 B H T^2 dk FLOP, forward+backward 2.5 times that."})
    static final class Attention extends AttuneCommand {
        /** The forward+backward FLOP as a multiple of the forward's (the convention of the CPU speed issue). */
        static final double FWD_BWD_FLOP_FACTOR = 2.5;
        static final List<int[]> SHAPES = List.of(new int[] {32, 2, 128, 40}, new int[] {8, 4, 256, 64}, new int[] {1, 8, 90, 64});

        @Option(names = "--shape", paramLabel = "B,H,T,DK", split = ",", description = "Time this one shape instead of the three.")
        private int[] shape;

        @Option(names = "--runs", description = "Timed samples; the median is printed (default: ${DEFAULT-VALUE}).", defaultValue = "5")
        private int runs;

        @Override
        public Integer call() {
            if (shape != null && (shape.length != 4 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1)) {
                throw new IllegalArgumentException("--shape must be four positive sizes B,H,T,DK, got " + java.util.Arrays.toString(shape));
            }
            for (int[] s : shape != null ? List.of(shape) : SHAPES) run(s[0], s[1], s[2], s[3]);
            return 0;
        }

        private void run(int b, int h, int t, int dk) {
            Generator g = new Generator(0);
            Tensor q = g.randn(b, h, t, dk).requiresGrad(true), k = g.randn(b, h, t, dk).requiresGrad(true);
            Tensor v = g.randn(b, h, t, dk).requiresGrad(true), gy = g.randn(b, h, t, dk);
            float scale = (float) (1 / Math.sqrt(dk));
            double fwd;
            try (GradMode _ = GradMode.noGrad()) {
                fwd = Timing.medianSeconds(scoped(() -> F.attention(q, k, v, null, null, null, scale, 0f, null)), runs);
            }
            double fwdBwd = Timing.medianSeconds(scoped(() -> {
                for (Tensor p : new Tensor[] {q, k, v}) p.setGrad(null);
                F.attention(q, k, v, null, null, null, scale, 0f, null).backward(gy);
            }), runs);
            double flops = 4.0 * b * h * t * t * dk;
            out().printf(Locale.ROOT, "attention B%d H%d T%d dk%d: forward %.3f ms (%.1f GFLOP/s), forward+backward %.3f ms (%.1f GFLOP/s, counted as %.1f x forward FLOP)%n",
                    b, h, t, dk, fwd * 1e3, flops / fwd / 1e9, fwdBwd * 1e3, FWD_BWD_FLOP_FACTOR * flops / fwdBwd / 1e9, FWD_BWD_FLOP_FACTOR);
        }
    }

    /** {@code body} in a memory scope of its own: what it allocates is released when it returns. */
    private static Runnable scoped(Runnable body) {
        return () -> {
            try (MemoryScope _ = MemoryScope.open()) {
                body.run();
            }
        };
    }
}
