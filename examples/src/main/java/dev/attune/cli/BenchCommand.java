package dev.attune.cli;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attune bench KERNEL}: a quick in-process speed check (warm-up, then the median of several
 * runs, see {@link Timing}). The full suite with baselines and % of peak is the JMH suite in {@code bench/}.
 */
@Command(name = "bench", description = "Quick speed check of a kernel on this machine (the full JMH suite is bench/run.sh).",
        synopsisSubcommandLabel = "KERNEL", subcommands = {BenchCommand.Gemm.class, BenchCommand.Attention.class})
final class BenchCommand extends TaskGroupCommand {
    static final int MAX_GEMM_SIZE = 16384;

    /** {@code attune bench gemm}: {@code C = A B} for random N x N float32 operands, {@code 2 N^3} FLOP. */
    @Command(name = "gemm", description = {"Time C = A B for random N x N float32 matrices and print one line:",
        "gemm NxNxN: <GFLOP/s> GFLOP/s (2 N^3 FLOP, median of --runs after warm-up)."})
    static final class Gemm extends AttuneCommand {
        @Option(names = "--size", paramLabel = "N", description = "Matrix size (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
        private int size;

        @Option(names = "--runs", description = "Timed samples; the median is printed (default: ${DEFAULT-VALUE}).", defaultValue = "5")
        private int runs;

        @Override
        public Integer call() {
            if (size < 1 || size > MAX_GEMM_SIZE) {
                throw new IllegalArgumentException("--size must be between 1 and " + MAX_GEMM_SIZE + ", got " + size);
            }
            Generator g = new Generator(0);
            Tensor a = g.randn(size, size), b = g.randn(size, size);
            double seconds;
            try (GradMode _ = GradMode.noGrad()) {
                seconds = Timing.medianSeconds(() -> a.matmul(b), runs);
            }
            out().printf(Locale.ROOT, "gemm %dx%dx%d: %.1f GFLOP/s%n", size, size, size, 2.0 * size * size * size / seconds / 1e9);
            return 0;
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
                fwd = Timing.medianSeconds(() -> F.attention(q, k, v, null, null, null, scale, 0f, null), runs);
            }
            double fwdBwd = Timing.medianSeconds(() -> {
                for (Tensor p : new Tensor[] {q, k, v}) p.setGrad(null);
                F.attention(q, k, v, null, null, null, scale, 0f, null).backward(gy);
            }, runs);
            double flops = 4.0 * b * h * t * t * dk;
            out().printf(Locale.ROOT, "attention B%d H%d T%d dk%d: forward %.3f ms (%.1f GFLOP/s), forward+backward %.3f ms (%.1f GFLOP/s, counted as %.1f x forward FLOP)%n",
                    b, h, t, dk, fwd * 1e3, flops / fwd / 1e9, fwdBwd * 1e3, FWD_BWD_FLOP_FACTOR * flops / fwdBwd / 1e9, FWD_BWD_FLOP_FACTOR);
        }
    }
}
