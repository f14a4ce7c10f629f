package dev.attune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.norm.BatchNorm;
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
 * shapes of the Attune benchmarks, as a vendor baseline, forward only:
 * <ul>
 *   <li>SGEMM ({@link GemmBench}; transposes as strided views, as torch.matmul takes them);
 *   <li>layer norm, batch norm in training, softmax / log-softmax ({@link NormBench});
 *   <li>depthwise conv1d, torch's conv1d with groups = channels ({@link DepthwiseConvBench});
 *   <li>bias + activation as torch runs it eagerly, an add then the activation, against the tensor-level
 *       rows of {@link ElementwiseBench}. DJL has no SiLU: x sigmoid(x) is a sigmoid and a multiply;
 *   <li>attention as PyTorch's eager composition (matmul, scale, the position term's matmul and add,
 *       the padding mask as an additive bias, softmax, matmul) at the shapes of {@link AttentionBench}.
 * </ul>
 * Compiled only under the Maven profile {@code djl}; {@link Report} pairs each result with the Attune
 * result of the same row and shape. Every array made in a benchmark call is closed before it returns,
 * so libtorch's allocator serves each call as a model's forward pass would be served.
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

    @State(Scope.Benchmark)
    public static class Batch {
        @Param({"32x256x128"})
        public String bnShape;
        NDArray x, gamma, beta, runningMean, runningVar;

        @Setup
        public void setup(Torch t) {
            int[] d = BenchData.dims(bnShape, 3);
            x = t.array(1, d[0] * d[1] * d[2], d[0], d[1], d[2]);
            gamma = t.manager.create(BenchData.random(2, d[1], 0.5f, 1.5f));
            beta = t.manager.create(BenchData.random(3, d[1]));
            runningMean = t.manager.zeros(new Shape(d[1]));
            runningVar = t.manager.ones(new Shape(d[1]));
        }
    }

    @State(Scope.Benchmark)
    public static class Conv {
        @Param({"32x256x128", "8x256x256"})
        public String shape;
        @Param({"15", "31"})
        public int kernel;
        NDArray x, w, bias;
        int channels;

        @Setup
        public void setup(Torch t) {
            int[] d = BenchData.dims(shape, 3);
            channels = d[1];
            x = t.array(1, d[0] * d[1] * d[2], d[0], d[1], d[2]);
            w = t.array(2, d[1] * kernel, d[1], 1, kernel);
            bias = t.manager.create(BenchData.random(3, d[1]));
        }
    }

    @State(Scope.Benchmark)
    public static class BiasAct {
        @Param({"4096x256"})
        public String shape;
        @Param({"relu", "silu", "gelu", "tanh"})
        public String act;
        NDArray x, b;

        @Setup
        public void setup(Torch t) {
            int[] d = BenchData.dims(shape, 2);
            x = t.array(1, d[0] * d[1], d[0], d[1]);
            b = t.array(2, d[1], d[1]);
        }
    }

    @State(Scope.Benchmark)
    public static class Attention {
        @Param({"hw4", "hw4-strong", "wenet256", "paddle512"})
        public String shape;
        NDArray q, kT, v, qPos, posT, maskBias;
        float scale;

        @Setup
        public void setup(Torch t) {
            int[] s = AttentionBench.dims(shape);
            int n = s[0], h = s[1], len = s[2], d = s[3], size = n * h * len * d;
            q = t.array(1, size, n, h, len, d);
            kT = t.array(2, size, n, h, len, d).transpose(0, 1, 3, 2);
            v = t.array(3, size, n, h, len, d);
            if (s[4] == 1) {
                qPos = t.array(4, size, n, h, len, d);
                posT = t.array(5, h * len * d, 1, h, len, d).transpose(0, 1, 3, 2);
                maskBias = t.manager.zeros(new Shape(n, 1, 1, len)); // no key padded, as in AttentionBench
            }
            scale = (float) (1.0 / Math.sqrt(d));
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

    @Benchmark
    public void batchNormFwd(Batch s) {
        BatchNorm.batchNorm(s.x, s.runningMean, s.runningVar, s.gamma, s.beta, 1, 0.1f, NormBench.EPS, true).close();
    }

    @Benchmark
    public void depthwiseConvFwd(Conv s) {
        Conv1d.conv1d(s.x, s.w, s.bias, new Shape(1), new Shape((s.kernel - 1) / 2), new Shape(1), s.channels).close();
    }

    @Benchmark
    public void biasActFwd(BiasAct s) {
        try (NDArray h = s.x.add(s.b)) {
            switch (s.act) {
                case "relu" -> Activation.relu(h).close();
                case "silu" -> {
                    try (NDArray sig = Activation.sigmoid(h)) {
                        sig.mul(h).close();
                    }
                }
                case "gelu" -> Activation.gelu(h).close();
                case "tanh" -> Activation.tanh(h).close();
                default -> throw new IllegalArgumentException("DjlBench: act must be relu, silu, gelu or tanh, got " + s.act);
            }
        }
    }

    @Benchmark
    public void attentionFwd(Attention s) {
        try (NDArray scores = s.q.matMul(s.kT)) {
            NDArray biased = scores;
            if (s.qPos != null) {
                try (NDArray p = s.qPos.matMul(s.posT)) {
                    biased = scores.add(p);
                }
            }
            try (NDArray scaled = biased.mul(s.scale)) {
                if (biased != scores) biased.close();
                NDArray masked = s.maskBias == null ? scaled : scaled.add(s.maskBias);
                try (NDArray weights = masked.softmax(-1)) {
                    if (masked != scaled) masked.close();
                    weights.matMul(s.v).close();
                }
            }
        }
    }

    public static Work work(String method, Map<String, String> p) {
        Work w = switch (method) {
            case "gemm" -> GemmBench.work("attune", p);
            case "depthwiseConvFwd" -> DepthwiseConvBench.work("fwd", p);
            case "biasActFwd" -> ElementwiseBench.work("fusedFwd", p);
            case "attentionFwd" -> AttentionBench.work("forward", Map.of("shape", p.get("shape"), "impl", "fused"));
            default -> NormBench.work(method, p);
        };
        String impl = method.equals("biasActFwd") && p.get("act").equals("silu") ? "PyTorch via DJL (add, sigmoid, mul)"
                : method.equals("biasActFwd") ? "PyTorch via DJL (add, then act)"
                : method.equals("attentionFwd") ? "PyTorch via DJL (eager composition)" : "PyTorch via DJL";
        return new Work(w.row(), w.shape(), impl, w.unit(), w.amount());
    }
}
