package dev.attune.bench;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Fused attention ({@link F#attention}) against our own composition ({@link F#attentionUnfused}:
 * matmul, softmax, masked fill, matmul), measured in the same run, forward and forward+backward,
 * at the shapes of the models that use it (batch, heads, time, d_k):
 * <ul>
 *   <li>{@code hw4}: 32, 2, 128, 40, the HW4 classifier as the issue names it (no position term);
 *   <li>{@code hw4-strong}: 32, 4, 128, 40, the hw4-strong preset;
 *   <li>{@code wenet256}: 8, 4, 256, 64, WeNet Conformer D 256, with the relative-position term
 *       (pos shared by the batch) and a key padding mask;
 *   <li>{@code paddle512}: 1, 8, 90, 64, PaddleSpeech Conformer D 512, likewise.
 * </ul>
 * FLOP counts: forward {@code 4 n h tq tk d}, plus {@code 2 n h tq tk d} for the position term;
 * forward+backward 3.5 times the forward (the usual count, backward = 2.5 forward). In the suite
 * ({@code bench/run.sh AttentionBench}) the fused rows are Attune's and the unfused ones their baseline.
 *
 * <p>Each call runs in its own {@link MemoryScope}, as a training step does, so that outputs,
 * intermediates and gradients come from the CPU array pool instead of fresh arrays that the JVM
 * zeroes (up to the ninth session the rows were measured without one).
 *
 * <p>Run from the repository root (JMH options after the class name, e.g. {@code -p shape=hw4});
 * {@link #main} prints a table with ms/op, GFLOP/s and the fused speed-up after the JMH output:
 * <pre>
 *   mvn -q -pl bench -am compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java --add-modules jdk.incubator.vector -cp bench/target/classes:$(cat bench/target/cp.txt) \
 *       dev.attune.bench.AttentionBench -f 1 -wi 2 -i 3
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBench {
    @Param({"hw4", "hw4-strong", "wenet256", "paddle512"})
    public String shape;

    @Param({"fused", "unfused"})
    public String impl;

    private Tensor q, k, v, qPos, pos, padding, gOut;
    private float scale;

    /** (batch, heads, time, d_k, position term 0/1) of a named shape. */
    static int[] dims(String shape) {
        return switch (shape) {
            case "hw4" -> new int[] {32, 2, 128, 40, 0};
            case "hw4-strong" -> new int[] {32, 4, 128, 40, 0};
            case "wenet256" -> new int[] {8, 4, 256, 64, 1};
            case "paddle512" -> new int[] {1, 8, 90, 64, 1};
            default -> throw new IllegalArgumentException("AttentionBench: unknown shape " + shape);
        };
    }

    /** Forward FLOPs of one call at a named shape. */
    static double forwardFlops(String shape) {
        int[] s = dims(shape);
        return (4.0 + 2.0 * s[4]) * s[0] * s[1] * s[2] * (double) s[2] * s[3];
    }

    @Setup
    public void setup() {
        int[] s = dims(shape);
        int n = s[0], h = s[1], t = s[2], d = s[3];
        Generator g = new Generator(7);
        q = g.randn(n, h, t, d);
        k = g.randn(n, h, t, d);
        v = g.randn(n, h, t, d);
        gOut = g.randn(n, h, t, d);
        if (s[4] == 1) {
            qPos = g.randn(n, h, t, d);
            pos = g.randn(1, h, t, d);
            padding = Tensor.ofBools(new boolean[n * t], n, t);
        }
        scale = (float) (1.0 / Math.sqrt(d));
    }

    private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor qPos, Tensor pos) {
        return impl.equals("fused")
                ? F.attention(q, k, v, qPos, pos, padding, scale, 0f, null)
                : F.attentionUnfused(q, k, v, qPos, pos, padding, scale, 0f, null);
    }

    @Benchmark
    public Tensor forward() {
        try (MemoryScope _ = MemoryScope.open(); GradMode _ = GradMode.noGrad()) {
            return attend(q, k, v, qPos, pos);
        }
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        try (MemoryScope _ = MemoryScope.open()) {
            Tensor lq = q.detach().requiresGrad(true), lk = k.detach().requiresGrad(true), lv = v.detach().requiresGrad(true);
            Tensor lqp = qPos == null ? null : qPos.detach().requiresGrad(true);
            Tensor lp = pos == null ? null : pos.detach().requiresGrad(true);
            attend(lq, lk, lv, lqp, lp).backward(gOut, false);
            bh.consume(lq.grad());
            bh.consume(lk.grad());
            bh.consume(lv.grad());
            if (lqp != null) {
                bh.consume(lqp.grad());
                bh.consume(lp.grad());
            }
        }
    }

    /** The table's row: forward or forward+backward FLOPs at the shape; the unfused composition is the baseline. */
    public static Work work(String method, Map<String, String> p) {
        String shape = p.get("shape");
        int[] s = dims(shape);
        boolean forward = method.equals("forward");
        String label = "(" + s[0] + ", " + s[1] + ", " + s[2] + ", " + s[3] + ")" + (s[4] == 1 ? " + pos, mask" : "");
        String impl = p.get("impl").equals("fused") ? Work.ATTUNE : "unfused composition (matmul, softmax, matmul)";
        return Work.flops(forward ? "attention fwd" : "attention fwd+bwd", label, impl,
                forwardFlops(shape) * (forward ? 1.0 : 3.5));
    }

    /** Runs the benchmark (JMH command-line options apply) and prints ms/op, GFLOP/s and the speed-up of fused over unfused. */
    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(AttentionBench.class.getName() + ".")
                .parent(new CommandLineOptions(args))
                .build()).run();
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            String sh = r.getParams().getParam("shape"), im = r.getParams().getParam("impl");
            double ms = r.getPrimaryResult().getScore();
            double flops = forwardFlops(sh) * (method.equals("forward") ? 1.0 : 3.5);
            double other = Double.NaN;
            for (RunResult o : results) {
                if (o.getParams().getBenchmark().equals(r.getParams().getBenchmark()) && o.getParams().getParam("shape").equals(sh)
                        && !o.getParams().getParam("impl").equals(im)) other = o.getPrimaryResult().getScore();
            }
            String speedup = im.equals("fused") && !Double.isNaN(other) ? String.format(Locale.ROOT, "%.2fx", other / ms) : "";
            rows.add(new String[] {sh, method, im, String.format(Locale.ROOT, "%.3f", ms),
                    String.format(Locale.ROOT, "%.1f", flops / (ms * 1e6)), speedup});
        }
        System.out.printf(Locale.ROOT, "%n%-11s %-16s %-8s %10s %8s %8s%n", "shape", "benchmark", "impl", "ms/op", "GFLOP/s", "speedup");
        for (String[] row : rows) System.out.printf(Locale.ROOT, "%-11s %-16s %-8s %10s %8s %8s%n", (Object[]) row);
    }
}
