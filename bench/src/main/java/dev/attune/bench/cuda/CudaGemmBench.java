package dev.attune.bench.cuda;

import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import dev.attune.kernels.cuda.Cublas;
import dev.attune.kernels.cuda.Cuda;
import dev.attune.kernels.cuda.CudaBackend;
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
 * Square SGEMM C = A B (n x n, row-major) on CUDA device 0: our kernel in FP32 and TF32 next to
 * cuBLAS in FP32 and TF32, in the same run. JMH's score is the host time of one GEMM including
 * the stream synchronisation; at tear-down each trial also prints the device time from CUDA
 * events (mean of 20 back-to-back GEMMs) and the GFLOP/s it gives (2 n^3 flops).
 * Run: {@code gpu-bundle/run-gpu-bench.sh} or {@code java -jar ... org.openjdk.jmh.Main CudaGemmBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CudaGemmBench {
    @Param({"1024", "2048", "4096", "8192"})
    public int n;

    @Param({"attune-fp32", "attune-tf32", "cublas-fp32", "cublas-tf32"})
    public String impl;

    private CudaBackend gpu;
    private Cublas cublas;
    private Storage a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        if (!Cuda.isAvailable()) throw new IllegalStateException("CUDA unavailable: " + Cuda.unavailableReason());
        gpu = CudaBackend.forDevice(0);
        a = gpu.allocate(DType.FLOAT32, n * n);
        b = gpu.allocate(DType.FLOAT32, n * n);
        c = gpu.allocate(DType.FLOAT32, n * n);
        gpu.random(dev.attune.kernels.Backend.Distribution.UNIFORM, -1f, 1f, 1L, 0L, a, 0, n * n);
        gpu.random(dev.attune.kernels.Backend.Distribution.UNIFORM, -1f, 1f, 2L, 0L, b, 0, n * n);
        if (impl.startsWith("cublas")) {
            cublas = new Cublas(gpu);
            cublas.setTf32(impl.endsWith("tf32"));
        } else {
            gpu.setTf32(impl.endsWith("tf32"));
        }
    }

    private void gemmOnce() {
        if (cublas != null) cublas.gemm(false, false, 1, n, n, n, 1f, a, 0, n, 0, b, 0, n, 0, 0f, c, 0, n, 0);
        else gpu.gemm(false, false, 1, n, n, n, 1f, a, 0, n, 0, b, 0, n, 0, 0f, c, 0, n, 0);
    }

    @Benchmark
    public void gemm() {
        gemmOnce();
        gpu.device().synchronize();
    }

    @TearDown(Level.Trial)
    public void report() {
        int reps = 20;
        float ms = gpu.device().time(() -> {
            for (int r = 0; r < reps; r++) gemmOnce();
        }) / reps;
        double gflops = 2.0 * n * n * (double) n / (ms * 1e-3) / 1e9;
        System.out.printf("%n[device time] %s n=%d: %.3f ms per GEMM (CUDA events), %.0f GFLOP/s%n", impl, n, ms, gflops);
        gpu.setTf32(false);
        if (cublas != null) cublas.close();
        a.close();
        b.close();
        c.close();
    }
}
