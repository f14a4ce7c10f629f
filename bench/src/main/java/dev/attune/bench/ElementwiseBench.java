package dev.attune.bench;

import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import dev.attune.kernels.cpu.CpuBackend;
import dev.attune.tensor.F;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bias + activation {@code y = act(x + b)}, x (4096, 256) (32 x 128 frames of the HW4 feed-forward
 * hidden width), b (256): forward without a graph, and forward + backward
 * ({@code gx = gy act'(x + b)}, {@code gb = sum_rows gx}). Memory-bound: the work is x, b (and gy)
 * read once and y (and gx, gb) written once, as a single fused pass moves them. Two levels:
 * <ul>
 *   <li>the kernel, {@code kernel*}: {@code Backend.biasActivation} (and backward) into preallocated
 *       outputs, as NormBench measures the norms; baseline: the same fused pass as a scalar Java loop on
 *       one thread, for ReLU and SiLU (GELU needs erf, which only the CPU backend has);
 *   <li>the tensor op the models run, {@code fused*} ({@code F.biasActivation}, rows named
 *       "tensor op"), which also allocates its outputs; baseline: the unfused composition
 *       {@code x.add(b)} then the activation, one fresh tensor per op.
 * </ul>
 * Each tensor-level call runs in its own {@link MemoryScope}, as a training step does, so that its
 * outputs come from the CPU array pool. Outside a scope every output is a fresh Java array, which
 * the JVM zeroes on the calling thread: about 0.35 ms per 4 MiB array on the development machine,
 * more than the two-thread kernel itself (up to the eighth session the rows were measured that way).
 */
public class ElementwiseBench {

    /** The parameters of the tensor-op and kernel states: x (rows, cols) and the activation. */
    @State(Scope.Benchmark)
    public abstract static class Shaped {
        @Param({"4096x256"})
        public String shape;
        @Param({"relu", "silu", "gelu", "tanh"})
        public String act;
        int rows, cols;
        UnaryOp op;

        void parse() {
            int[] d = BenchData.dims(shape, 2);
            rows = d[0];
            cols = d[1];
            activation(act, Tensor.zeros(1));     // an unknown act fails here, before any measurement
            op = UnaryOp.valueOf(act.toUpperCase(java.util.Locale.ROOT));
        }
    }

    @State(Scope.Benchmark)
    public static class Chain extends Shaped {
        Tensor x, b, gy;

        @Setup
        public void setup() {
            parse();
            x = Tensor.of(BenchData.random(1, rows * cols), rows, cols).requiresGrad(true);
            b = Tensor.of(BenchData.random(2, cols), cols).requiresGrad(true);
            gy = Tensor.of(BenchData.random(3, rows * cols), rows, cols);
        }
    }

    /** The kernel's operands: backend storages and preallocated outputs. */
    @State(Scope.Benchmark)
    public static class KernelChain extends Shaped {
        Storage x, b, gy, y, gx, gb;

        @Setup
        public void setup() {
            parse();
            x = BenchData.upload(BenchData.random(1, rows * cols));
            b = BenchData.upload(BenchData.random(2, cols));
            gy = BenchData.upload(BenchData.random(3, rows * cols));
            y = BenchData.upload(new float[rows * cols]);
            gx = BenchData.upload(new float[rows * cols]);
            gb = BenchData.upload(new float[cols]);
        }
    }

    /** The fused scalar baseline's operands: ReLU and SiLU only. */
    @State(Scope.Benchmark)
    public static class ScalarChain {
        @Param({"4096x256"})
        public String shape;
        @Param({"relu", "silu"})
        public String act;
        int rows, cols;
        boolean silu;
        float[] x, b, gy, y, gx, gb;

        @Setup
        public void setup() {
            int[] d = BenchData.dims(shape, 2);
            rows = d[0];
            cols = d[1];
            silu = switch (act) {
                case "relu" -> false;
                case "silu" -> true;
                default -> throw new IllegalArgumentException("ElementwiseBench: the scalar baseline has relu and silu, got " + act);
            };
            x = BenchData.random(1, rows * cols);
            b = BenchData.random(2, cols);
            gy = BenchData.random(3, rows * cols);
            y = new float[rows * cols];
            gx = new float[rows * cols];
            gb = new float[cols];
        }
    }

    static Tensor activation(String act, Tensor h) {
        return switch (act) {
            case "relu" -> h.relu();
            case "silu" -> h.silu();
            case "gelu" -> h.gelu();
            case "tanh" -> h.tanh();
            default -> throw new IllegalArgumentException("ElementwiseBench: act must be relu, silu, gelu or tanh, got " + act);
        };
    }

    @Benchmark
    public Tensor fwd(Chain s) {
        try (MemoryScope _ = MemoryScope.open(); GradMode _ = GradMode.noGrad()) {
            return activation(s.act, s.x.add(s.b));
        }
    }

    @Benchmark
    public Tensor fwdBwd(Chain s) {
        s.x.setGrad(null);
        s.b.setGrad(null);
        try (MemoryScope _ = MemoryScope.open()) {
            Tensor y = activation(s.act, s.x.add(s.b));
            y.backward(s.gy);
            return s.x.grad();
        }
    }

    @Benchmark
    public Storage kernelFwd(KernelChain s) {
        CpuBackend.INSTANCE.biasActivation(s.op, s.x, s.b, s.rows, s.cols, s.y);
        return s.y;
    }

    @Benchmark
    public Storage kernelFwdBwd(KernelChain s) {
        CpuBackend.INSTANCE.biasActivation(s.op, s.x, s.b, s.rows, s.cols, s.y);
        CpuBackend.INSTANCE.biasActivationBackward(s.op, s.x, s.b, s.gy, s.rows, s.cols, s.gx, s.gb);
        return s.gx;
    }

    @Benchmark
    public Tensor fusedFwd(Chain s) {
        try (MemoryScope _ = MemoryScope.open(); GradMode _ = GradMode.noGrad()) {
            return F.biasActivation(s.x, s.b, s.op);
        }
    }

    @Benchmark
    public Tensor fusedFwdBwd(Chain s) {
        s.x.setGrad(null);
        s.b.setGrad(null);
        try (MemoryScope _ = MemoryScope.open()) {
            F.biasActivation(s.x, s.b, s.op).backward(s.gy);
            return s.x.grad();
        }
    }

    @Benchmark
    public float[] fwdScalar(ScalarChain s) {
        for (int r = 0; r < s.rows; r++) {
            int o = r * s.cols;
            for (int j = 0; j < s.cols; j++) {
                float h = s.x[o + j] + s.b[j];
                s.y[o + j] = s.silu ? h / (1f + (float) Math.exp(-h)) : Math.max(h, 0f);
            }
        }
        return s.y;
    }

    /** silu'(h) = sigmoid(h) (1 + h (1 - sigmoid(h))); relu'(h) = [h > 0]. */
    @Benchmark
    public float[] fwdBwdScalar(ScalarChain s) {
        java.util.Arrays.fill(s.gb, 0f);
        for (int r = 0; r < s.rows; r++) {
            int o = r * s.cols;
            for (int j = 0; j < s.cols; j++) {
                float h = s.x[o + j] + s.b[j], g;
                if (s.silu) {
                    float sig = 1f / (1f + (float) Math.exp(-h));
                    s.y[o + j] = h * sig;
                    g = s.gy[o + j] * sig * (1f + h * (1f - sig));
                } else {
                    s.y[o + j] = Math.max(h, 0f);
                    g = h > 0f ? s.gy[o + j] : 0f;
                }
                s.gx[o + j] = g;
                s.gb[j] += g;
            }
        }
        return s.gx;
    }

    public static Work work(String method, Map<String, String> p) {
        int[] d = BenchData.dims(p.get("shape"), 2);
        double size = (double) d[0] * d[1];
        boolean backward = method.contains("FwdBwd") || method.startsWith("fwdBwd");
        // fwd: x, b in; y out. fwd+bwd: x, b, gy in; y, gx, gb out.
        double floats = backward ? 4 * size + 2 * d[1] : 2 * size + d[1];
        boolean tensorLevel = method.startsWith("fused") || method.equals("fwd") || method.equals("fwdBwd");
        String impl = method.endsWith("Scalar") ? "fused scalar Java (1 thread)"
                : method.startsWith("fused") || method.startsWith("kernel") ? Work.ATTUNE : "unfused composition (add, then act)";
        String row = "bias+" + p.get("act") + (backward ? " fwd+bwd" : " fwd") + (tensorLevel ? ", tensor op" : "");
        return Work.floats(row, "(" + d[0] + ", " + d[1] + ")", impl, floats);
    }
}
