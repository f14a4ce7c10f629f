package dev.attune.bench.cuda;

import dev.attune.kernels.cuda.CudaBackend;
import dev.attune.kernels.cuda.CudaDevice;
import dev.attune.tensor.Device;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fused attention ({@link F#attention}, native/src/attention.cu) against our unfused composition
 * ({@link F#attentionUnfused}: batched GEMMs, masked fill, softmax, GEMM) on CUDA device 0 at the
 * issue's shape (B 32, H 4, T 512, d_k 64), forward and forward+backward, in the same run. {@code term}
 * {@code rel-pos} adds Conformer's position term (q+v)(W_pos p)^T with pos shared by the batch, as
 * WeNet computes it; {@code plain} is scaled dot-product attention. Keys past each utterance's length
 * (lengths drawn in [T/2, T]) are padded. JMH's score is host time per call including the stream
 * synchronisation; tear-down prints the CUDA-event device time (mean of 10 back-to-back calls) and
 * GFLOP/s with forward 4 B H T^2 d (+2 B H T^2 d for the position term), forward+backward 3.5 times
 * that. PyTorch's eager composition and scaled_dot_product_attention at the same shape are timed by
 * bench/torch_attention.py on the same machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CudaAttentionBench {
    static final int B = 32, H = 4, T = 512, DK = 64;

    @Param({"fused", "unfused"})
    public String impl;

    @Param({"rel-pos", "plain"})
    public String term;

    private CudaDevice device;
    private Tensor q, k, v, qPos, pos, padding, gOut;
    private float scale;

    @Setup(Level.Trial)
    public void setup() {
        String reason = Device.cudaUnavailableReason();
        if (reason != null) throw new IllegalStateException("CUDA unavailable: " + reason);
        Device cuda = Device.cuda(0);
        device = ((CudaBackend) cuda.backend()).device();
        Generator g = new Generator(11);
        q = g.randn(B, H, T, DK).to(cuda);
        k = g.randn(B, H, T, DK).to(cuda);
        v = g.randn(B, H, T, DK).to(cuda);
        gOut = g.randn(B, H, T, DK).to(cuda);
        if (term.equals("rel-pos")) {
            qPos = g.randn(B, H, T, DK).to(cuda);
            pos = g.randn(1, H, T, DK).to(cuda);
        }
        boolean[] pad = new boolean[B * T];
        java.util.Random lengths = new java.util.Random(5);
        for (int b = 0; b < B; b++) {
            int len = T / 2 + lengths.nextInt(T / 2 + 1);
            for (int t = len; t < T; t++) pad[b * T + t] = true;
        }
        padding = Tensor.ofBools(pad, B, T).to(cuda);
        scale = (float) (1.0 / Math.sqrt(DK));
    }

    private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor qPos, Tensor pos) {
        return impl.equals("fused")
                ? F.attention(q, k, v, qPos, pos, padding, scale, 0f, null)
                : F.attentionUnfused(q, k, v, qPos, pos, padding, scale, 0f, null);
    }

    /** In a MemoryScope: the call's outputs and gradients go back to the caching allocator when it returns. */
    private void forwardOnce() {
        try (MemoryScope scope = MemoryScope.open(); GradMode g = GradMode.noGrad()) {
            attend(q, k, v, qPos, pos);
        }
    }

    private void forwardBackwardOnce() {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor lq = q.detach().requiresGrad(true), lk = k.detach().requiresGrad(true), lv = v.detach().requiresGrad(true);
            Tensor lqp = qPos == null ? null : qPos.detach().requiresGrad(true);
            Tensor lp = pos == null ? null : pos.detach().requiresGrad(true);
            attend(lq, lk, lv, lqp, lp).backward(gOut, false);
        }
    }

    @Benchmark
    public void forward() {
        forwardOnce();
        device.synchronize();
    }

    @Benchmark
    public void forwardBackward() {
        forwardBackwardOnce();
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void report() {
        int reps = 10;
        double fwdFlops = (4.0 + (term.equals("rel-pos") ? 2.0 : 0.0)) * B * H * (double) T * T * DK;
        float fwd = device.time(() -> {
            for (int r = 0; r < reps; r++) forwardOnce();
        }) / reps;
        float fb = device.time(() -> {
            for (int r = 0; r < reps; r++) forwardBackwardOnce();
        }) / reps;
        System.out.printf("%n[device time] %s %s (B%d,H%d,T%d,dk%d): forward %.3f ms (%.0f GFLOP/s), forward+backward %.3f ms"
                        + " (%.0f GFLOP/s), CUDA events%n", impl, term, B, H, T, DK, fwd, fwdFlops / (fwd * 1e6), fb,
                3.5 * fwdFlops / (fb * 1e6));
    }
}
