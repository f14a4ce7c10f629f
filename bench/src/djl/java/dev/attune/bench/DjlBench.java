package dev.attune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * PyTorch's CPU kernels (libtorch from the pytorch-native-cpu jar, through DJL's PyTorch engine) at the
 * shapes of {@link GemmBench} and {@link NormBench}, as a vendor baseline: SGEMM (transposes as
 * strided views, as torch.matmul takes them), layer norm forward, softmax / log-softmax forward.
 * Compiled only under the Maven profile {@code djl}; {@link Report} pairs each result with the Attune
 * result of the same row and shape.
 */
public class DjlBench {

    /** One NDManager per trial; every array made inside a benchmark call is closed before it returns. */
    @State(Scope.Benchmark)
    public static class Torch {
        NDManager manager;

        @Setup
        public void open() {
            manager = NDManager.newBaseManager("PyTorch");
        }

        @TearDown
        public void close() {
            manager.close();
        }

        NDArray array(long seed, int size, int... shape) {
            long[] s = new long[shape.length];
            for (int i = 0; i < shape.length; i++) s[i] = shape[i];
            return manager.create(BenchData.random(seed, size), new Shape(s));
        }
    }

    @State(Scope.Benchmark)
    public static class Gemm {
        @Param({"NN:512x512x512", "NN:1024x1024x1024", "NN:2048x2048x2048",
                "NT:4096x256x80", "NN:4096x80x256", "TN:256x80x4096",
                "NT:4096x1024x256", "NN:4096x256x1024", "TN:1024x256x4096",
                "NT:4096x256x1024", "NN:4096x1024x256", "TN:256x1024x4096"})
        public String shape;
        NDArray a, b;

        @Setup
        public void setup(Torch t) {
            GemmBench.Shape s = GemmBench.Shape.parse(shape);
            NDArray sa = s.transA() ? t.array(1, s.m() * s.k(), s.k(), s.m()) : t.array(1, s.m() * s.k(), s.m(), s.k());
            NDArray sb = s.transB() ? t.array(2, s.k() * s.n(), s.n(), s.k()) : t.array(2, s.k() * s.n(), s.k(), s.n());
            a = s.transA() ? sa.transpose() : sa;
            b = s.transB() ? sb.transpose() : sb;
        }
    }

    @State(Scope.Benchmark)
    public static class Norm {
        @Param({"4096x256", "4096x160"})
        public String lnShape;
        NDArray x, gamma, beta;
        Shape normalized;

        @Setup
        public void setup(Torch t) {
            int[] d = BenchData.dims(lnShape, 2);
            x = t.array(1, d[0] * d[1], d[0], d[1]);
            gamma = t.manager.create(BenchData.random(2, d[1], 0.5f, 1.5f));
            beta = t.manager.create(BenchData.random(3, d[1]));
            normalized = new Shape(d[1]);
        }
    }

    @State(Scope.Benchmark)
    public static class Soft {
        @Param({"16384x128"})
        public String smShape;
        @Param({"softmax", "logSoftmax"})
        public String kind;
        NDArray x;

        @Setup
        public void setup(Torch t) {
            int[] d = BenchData.dims(smShape, 2);
            x = t.array(1, d[0] * d[1], d[0], d[1]).mul(4f);
        }
    }

    @Benchmark
    public void gemm(Gemm s) {
        s.a.matMul(s.b).close();
    }

    @Benchmark
    public void layerNormFwd(Norm s) {
        LayerNorm.layerNorm(s.x, s.normalized, s.gamma, s.beta, NormBench.EPS).close();
    }

    @Benchmark
    public void softmaxFwd(Soft s) {
        (s.kind.equals("logSoftmax") ? s.x.logSoftmax(-1) : s.x.softmax(-1)).close();
    }

    public static Work work(String method, Map<String, String> p) {
        String impl = "PyTorch via DJL";
        Work w = method.equals("gemm") ? GemmBench.work("attune", p) : NormBench.work(method, p);
        return new Work(w.row(), w.shape(), impl, w.unit(), w.amount());
    }
}
