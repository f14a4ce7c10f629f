package dev.attune.bench.cuda;

import dev.attune.kernels.Backend.Distribution;
import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import dev.attune.kernels.cuda.Cuda;
import dev.attune.kernels.cuda.CudaBackend;
import dev.attune.kernels.cuda.CudaStorage;
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
 * Memory-bound kernels on CUDA device 0 as GB/s next to a device-to-device copy of the same
 * bytes: depthwise conv1d forward (x (32, 256, 512) with kernel 15, as in the Conformer
 * convolution module), layer norm forward and batch-norm normalisation over the same tensor.
 * Bytes counted: each input read once plus each output written once. JMH's score is host time
 * with synchronisation; tear-down prints the CUDA-event device time and GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CudaBandwidthBench {
    private static final int N = 32, C = 256, L = 512, K = 15;

    @Param({"copy", "depthwise-conv1d", "layer-norm", "batch-norm-normalize"})
    public String kernel;

    private CudaBackend gpu;
    private Storage x, y, w, bias, gamma, beta, mean, rstd, chMean, chInv;

    @Setup(Level.Trial)
    public void setup() {
        if (!Cuda.isAvailable()) throw new IllegalStateException("CUDA unavailable: " + Cuda.unavailableReason());
        gpu = CudaBackend.forDevice(0);
        int size = N * C * L;
        x = gpu.allocate(DType.FLOAT32, size);
        y = gpu.allocate(DType.FLOAT32, size);
        gpu.random(Distribution.NORMAL, 0f, 1f, 3L, 0L, x, 0, size);
        w = gpu.allocate(DType.FLOAT32, C * K);
        bias = gpu.allocate(DType.FLOAT32, C);
        gamma = gpu.allocate(DType.FLOAT32, L);
        beta = gpu.allocate(DType.FLOAT32, L);
        mean = gpu.allocate(DType.FLOAT32, N * C);
        rstd = gpu.allocate(DType.FLOAT32, N * C);
        chMean = gpu.allocate(DType.FLOAT32, C);
        chInv = gpu.allocate(DType.FLOAT32, C);
        gpu.fill(gamma, 0, L, 1f);
        gpu.fill(chInv, 0, C, 1f);
    }

    private void once() {
        switch (kernel) {
            case "copy" -> gpu.device().copyDeviceToDevice(((CudaStorage) y).address(0), ((CudaStorage) x).address(0), 4L * N * C * L);
            case "depthwise-conv1d" -> gpu.depthwiseConv1d(x, w, bias, N, C, L, K, 1, K / 2, 1, L, y);
            case "layer-norm" -> gpu.layerNorm(x, gamma, beta, N * C, L, 1e-5f, y, mean, rstd);
            case "batch-norm-normalize" -> gpu.channelNormalize(x, N, C, L, chMean, chInv, null, null, y);
            default -> throw new IllegalArgumentException(kernel);
        }
    }

    @Benchmark
    public void run() {
        once();
        gpu.device().synchronize();
    }

    @TearDown(Level.Trial)
    public void report() {
        int reps = 50;
        float ms = gpu.device().time(() -> {
            for (int r = 0; r < reps; r++) once();
        }) / reps;
        double bytes = 2.0 * 4 * N * C * L;  // one read of x, one write of y
        System.out.printf("%n[device time] %s: %.4f ms, %.0f GB/s%n", kernel, ms, bytes / (ms * 1e-3) / 1e9);
        for (Storage s : new Storage[] {x, y, w, bias, gamma, beta, mean, rstd, chMean, chInv}) s.close();
    }
}
