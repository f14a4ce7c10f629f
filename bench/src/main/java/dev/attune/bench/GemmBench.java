package dev.attune.bench;

import dev.attune.kernels.Storage;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * SGEMM {@code C = op(A) op(B)}, op(A) (m, k), op(B) (k, n), {@code 2 m n k} FLOP, through
 * {@code Backend.gemm} of the CPU backend (packed Vector-API kernel, all threads).
 * Shapes are {@code OP:MxNxK}, OP the transposes of A and B: square sizes, and the three GEMMs of a
 * Linear layer on 32 x 128 = 4096 frames (forward {@code y = x W^T} is NT, {@code dx = gy W} is NN,
 * {@code dW = gy^T x} is TN) for 80 -> 256, 256 -> 1024 and 1024 -> 256.
 * Baseline: a naive i-k-j triple loop on one thread, at 512 only (it is slow).
 */
public class GemmBench {

    /** The operands of one GEMM, seeded. */
    static final class Operands {
        final Shape s;
        final float[] a, b, c;
        final Storage sa, sb, sc;

        Operands(String shape) {
            s = Shape.parse(shape);
            a = BenchData.random(1, s.m * s.k);
            b = BenchData.random(2, s.k * s.n);
            c = new float[s.m * s.n];
            sa = BenchData.upload(a);
            sb = BenchData.upload(b);
            sc = BenchData.zeros(s.m * s.n);
        }
    }

    @State(Scope.Benchmark)
    public static class Shapes {
        @Param({"NN:512x512x512", "NN:1024x1024x1024", "NN:2048x2048x2048",
                "NT:4096x256x80", "NN:4096x80x256", "TN:256x80x4096",
                "NT:4096x1024x256", "NN:4096x256x1024", "TN:1024x256x4096",
                "NT:4096x256x1024", "NN:4096x1024x256", "TN:256x1024x4096"})
        public String shape;
        Operands o;

        @Setup
        public void setup() {
            o = new Operands(shape);
        }
    }

    /** The naive baseline's shapes: 512 only. */
    @State(Scope.Benchmark)
    public static class NaiveShapes {
        @Param({"NN:512x512x512"})
        public String naiveShape;
        Operands o;

        @Setup
        public void setup() {
            o = new Operands(naiveShape);
            if (o.s.transA || o.s.transB) throw new IllegalArgumentException("GemmBench: the naive baseline is NN only, got " + naiveShape);
        }
    }

    @Benchmark
    public Storage attune(Shapes st) {
        Operands o = st.o;
        Shape s = o.s;
        int lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n;
        BenchData.CPU.gemm(s.transA, s.transB, 1, s.m, s.n, s.k, 1f, o.sa, 0, lda, 0, o.sb, 0, ldb, 0, 0f, o.sc, 0, s.n, 0);
        return o.sc;
    }

    /** The textbook loop a Java programmer writes first: i, then k, then a contiguous sweep over j. */
    @Benchmark
    public float[] naive(NaiveShapes st) {
        Operands o = st.o;
        naiveGemm(o.s.m, o.s.n, o.s.k, o.a, o.b, o.c);
        return o.c;
    }

    /** {@code c = a b}, a (m, k), b (k, n), row-major, one thread. */
    static void naiveGemm(int m, int n, int k, float[] a, float[] b, float[] c) {
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(c, i * n, (i + 1) * n, 0f);
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                for (int j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
            }
        }
    }

    /** A parsed {@code OP:MxNxK} parameter. */
    record Shape(boolean transA, boolean transB, int m, int n, int k) {
        static Shape parse(String s) {
            String[] parts = s.split(":");
            if (parts.length != 2 || !parts[0].matches("[NT]{2}")) {
                throw new IllegalArgumentException("GemmBench: shape must be OP:MxNxK with OP in NN, NT, TN, TT, got '" + s + "'");
            }
            int[] d = BenchData.dims(parts[1], 3);
            return new Shape(parts[0].charAt(0) == 'T', parts[0].charAt(1) == 'T', d[0], d[1], d[2]);
        }
    }

    public static Work work(String method, Map<String, String> params) {
        String shape = params.containsKey("naiveShape") ? params.get("naiveShape") : params.get("shape");
        Shape s = Shape.parse(shape);
        double flops = 2.0 * s.m * s.n * s.k;
        return Work.flops("gemm", shape, method.equals("naive") ? "naive Java (1 thread)" : Work.ATTUNE, flops);
    }
}
