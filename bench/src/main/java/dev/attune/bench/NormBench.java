package dev.attune.bench;

import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Layer norm, batch norm (training statistics) and softmax / log-softmax, forward and backward,
 * through the CPU backend's fused kernels into preallocated outputs; baselines are plain scalar
 * Java loops on one thread computing the same math. All are memory-bound: the work is the bytes
 * that must move (every input read once, every output written once).
 * Shapes: layer norm rows (32*128) x 256 and x 160; batch norm (32, 256, 128); softmax rows (32*4*128) x 128.
 */
public class NormBench {
    static final float EPS = 1e-5f;

    // ---- layer norm ------------------------------------------------------------------------------

    @State(Scope.Benchmark)
    public static class LayerNorm {
        @Param({"4096x256", "4096x160"})
        public String lnShape;
        int rows, cols;
        float[] x, gamma, beta, y, mean, rstd, gy, gx, gGamma, gBeta;
        Storage sx, sGamma, sBeta, sy, sMean, sRstd, sGy, sGx, sGGamma, sGBeta;

        @Setup
        public void setup() {
            int[] d = BenchData.dims(lnShape, 2);
            rows = d[0];
            cols = d[1];
            x = BenchData.random(1, rows * cols);
            gamma = BenchData.random(2, cols, 0.5f, 1.5f);
            beta = BenchData.random(3, cols);
            gy = BenchData.random(4, rows * cols);
            y = new float[rows * cols];
            gx = new float[rows * cols];
            mean = new float[rows];
            rstd = new float[rows];
            gGamma = new float[cols];
            gBeta = new float[cols];
            sx = BenchData.upload(x);
            sGamma = BenchData.upload(gamma);
            sBeta = BenchData.upload(beta);
            sGy = BenchData.upload(gy);
            sy = BenchData.zeros(rows * cols);
            sGx = BenchData.zeros(rows * cols);
            sMean = BenchData.zeros(rows);
            sRstd = BenchData.zeros(rows);
            sGGamma = BenchData.zeros(cols);
            sGBeta = BenchData.zeros(cols);
            // The backward needs the forward's statistics.
            BenchData.CPU.layerNorm(sx, sGamma, sBeta, rows, cols, EPS, sy, sMean, sRstd);
            layerNormScalar(this);
        }
    }

    @Benchmark
    public Storage layerNormFwd(LayerNorm s) {
        BenchData.CPU.layerNorm(s.sx, s.sGamma, s.sBeta, s.rows, s.cols, EPS, s.sy, s.sMean, s.sRstd);
        return s.sy;
    }

    @Benchmark
    public float[] layerNormFwdScalar(LayerNorm s) {
        layerNormScalar(s);
        return s.y;
    }

    @Benchmark
    public Storage layerNormBwd(LayerNorm s) {
        BenchData.CPU.layerNormBackward(s.sx, s.sGamma, s.sMean, s.sRstd, s.sGy, s.rows, s.cols, s.sGx, s.sGGamma, s.sGBeta);
        return s.sGx;
    }

    @Benchmark
    public float[] layerNormBwdScalar(LayerNorm s) {
        int rows = s.rows, cols = s.cols;
        java.util.Arrays.fill(s.gGamma, 0f);
        java.util.Arrays.fill(s.gBeta, 0f);
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float mu = s.mean[r], rs = s.rstd[r], sumG = 0f, sumGx = 0f;
            for (int j = 0; j < cols; j++) {
                float xhat = (s.x[o + j] - mu) * rs, g = s.gy[o + j] * s.gamma[j];
                sumG += g;
                sumGx += g * xhat;
                s.gGamma[j] += s.gy[o + j] * xhat;
                s.gBeta[j] += s.gy[o + j];
            }
            float a = sumG / cols, b = sumGx / cols;
            for (int j = 0; j < cols; j++) {
                float xhat = (s.x[o + j] - mu) * rs;
                s.gx[o + j] = rs * (s.gy[o + j] * s.gamma[j] - a - xhat * b);
            }
        }
        return s.gx;
    }

    static void layerNormScalar(LayerNorm s) {
        int rows = s.rows, cols = s.cols;
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float sum = 0f;
            for (int j = 0; j < cols; j++) sum += s.x[o + j];
            float mu = sum / cols, sq = 0f;
            for (int j = 0; j < cols; j++) {
                float d = s.x[o + j] - mu;
                sq += d * d;
            }
            float rs = (float) (1.0 / Math.sqrt(sq / cols + EPS));
            for (int j = 0; j < cols; j++) s.y[o + j] = (s.x[o + j] - mu) * rs * s.gamma[j] + s.beta[j];
            s.mean[r] = mu;
            s.rstd[r] = rs;
        }
    }

    // ---- batch norm ------------------------------------------------------------------------------

    @State(Scope.Benchmark)
    public static class BatchNorm {
        @Param({"32x256x128"})
        public String bnShape;
        int n, ch, inner;
        float[] x, gamma, beta, y, mean, invStd, gy, gx, gGamma, gBeta;
        Storage sx, sGamma, sBeta, sy, sMean, sVar, sInvStd, sGy, sGx, sGGamma, sGBeta;

        @Setup
        public void setup() {
            int[] d = BenchData.dims(bnShape, 3);
            n = d[0];
            ch = d[1];
            inner = d[2];
            int size = n * ch * inner;
            x = BenchData.random(1, size);
            gamma = BenchData.random(2, ch, 0.5f, 1.5f);
            beta = BenchData.random(3, ch);
            gy = BenchData.random(4, size);
            y = new float[size];
            gx = new float[size];
            mean = new float[ch];
            invStd = new float[ch];
            gGamma = new float[ch];
            gBeta = new float[ch];
            sx = BenchData.upload(x);
            sGamma = BenchData.upload(gamma);
            sBeta = BenchData.upload(beta);
            sGy = BenchData.upload(gy);
            sy = BenchData.zeros(size);
            sGx = BenchData.zeros(size);
            sMean = BenchData.zeros(ch);
            sVar = BenchData.zeros(ch);
            sInvStd = BenchData.zeros(ch);
            sGGamma = BenchData.zeros(ch);
            sGBeta = BenchData.zeros(ch);
            batchNormAttune(this);
            batchNormScalar(this);
        }
    }

    /** As F.batchNorm in training: batch moments, {@code invStd = rsqrt(var + eps)} and the normalisation, fused per channel. */
    @Benchmark
    public Storage batchNormFwd(BatchNorm s) {
        return batchNormAttune(s);
    }

    static Storage batchNormAttune(BatchNorm s) {
        var be = BenchData.CPU;
        be.batchNormTraining(s.sx, s.n, s.ch, s.inner, EPS, s.sGamma, s.sBeta, s.sMean, s.sVar, s.sInvStd, s.sy);
        return s.sy;
    }

    @Benchmark
    public float[] batchNormFwdScalar(BatchNorm s) {
        batchNormScalar(s);
        return s.y;
    }

    @Benchmark
    public Storage batchNormBwd(BatchNorm s) {
        BenchData.CPU.batchNormBackward(s.sx, s.sGy, s.n, s.ch, s.inner, s.sMean, s.sInvStd, s.sGamma, s.sGx, s.sGGamma, s.sGBeta);
        return s.sGx;
    }

    @Benchmark
    public float[] batchNormBwdScalar(BatchNorm s) {
        int n = s.n, ch = s.ch, inner = s.inner;
        float m = n * inner;
        for (int c = 0; c < ch; c++) {
            float mu = s.mean[c], is = s.invStd[c], sumG = 0f, sumGx = 0f;
            for (int b = 0; b < n; b++) {
                int o = (b * ch + c) * inner;
                for (int i = 0; i < inner; i++) {
                    float g = s.gy[o + i];
                    sumG += g;
                    sumGx += g * (s.x[o + i] - mu) * is;
                }
            }
            s.gGamma[c] = sumGx;
            s.gBeta[c] = sumG;
            float a = sumG / m, bb = sumGx / m, scale = s.gamma[c] * is;
            for (int b = 0; b < n; b++) {
                int o = (b * ch + c) * inner;
                for (int i = 0; i < inner; i++) s.gx[o + i] = scale * (s.gy[o + i] - a - (s.x[o + i] - mu) * is * bb);
            }
        }
        return s.gx;
    }

    static void batchNormScalar(BatchNorm s) {
        int n = s.n, ch = s.ch, inner = s.inner;
        float m = n * inner;
        for (int c = 0; c < ch; c++) {
            float sum = 0f;
            for (int b = 0; b < n; b++) {
                int o = (b * ch + c) * inner;
                for (int i = 0; i < inner; i++) sum += s.x[o + i];
            }
            float mu = sum / m, sq = 0f;
            for (int b = 0; b < n; b++) {
                int o = (b * ch + c) * inner;
                for (int i = 0; i < inner; i++) {
                    float d = s.x[o + i] - mu;
                    sq += d * d;
                }
            }
            float is = (float) (1.0 / Math.sqrt(sq / m + EPS)), scale = s.gamma[c] * is, shift = s.beta[c] - mu * scale;
            for (int b = 0; b < n; b++) {
                int o = (b * ch + c) * inner;
                for (int i = 0; i < inner; i++) s.y[o + i] = s.x[o + i] * scale + shift;
            }
            s.mean[c] = mu;
            s.invStd[c] = is;
        }
    }

    // ---- softmax ---------------------------------------------------------------------------------

    @State(Scope.Benchmark)
    public static class Softmax {
        @Param({"16384x128"})
        public String smShape;
        @Param({"softmax", "logSoftmax"})
        public String kind;
        boolean log;
        int rows, cols;
        float[] x, y, gy, gx;
        Storage sx, sy, sGy, sGx;

        @Setup
        public void setup() {
            int[] d = BenchData.dims(smShape, 2);
            rows = d[0];
            cols = d[1];
            log = switch (kind) {
                case "softmax" -> false;
                case "logSoftmax" -> true;
                default -> throw new IllegalArgumentException("NormBench: kind must be softmax or logSoftmax, got " + kind);
            };
            x = BenchData.random(1, rows * cols, -4f, 4f);
            gy = BenchData.random(2, rows * cols);
            y = new float[rows * cols];
            gx = new float[rows * cols];
            sx = BenchData.upload(x);
            sGy = BenchData.upload(gy);
            sy = BenchData.zeros(rows * cols);
            sGx = BenchData.zeros(rows * cols);
            BenchData.CPU.softmax(log, sx, 0, rows, cols, 1, sy, 0);
            softmaxScalar(this);
        }
    }

    @Benchmark
    public Storage softmaxFwd(Softmax s) {
        BenchData.CPU.softmax(s.log, s.sx, 0, s.rows, s.cols, 1, s.sy, 0);
        return s.sy;
    }

    @Benchmark
    public float[] softmaxFwdScalar(Softmax s) {
        softmaxScalar(s);
        return s.y;
    }

    @Benchmark
    public Storage softmaxBwd(Softmax s) {
        BenchData.CPU.softmaxBackward(s.log, s.sy, s.sGy, s.rows, s.cols, 1, s.sGx);
        return s.sGx;
    }

    /** softmax {@code gx = y (gy - sum gy y)}; log-softmax {@code gx = gy - exp(y) sum gy}. */
    @Benchmark
    public float[] softmaxBwdScalar(Softmax s) {
        int cols = s.cols;
        for (int r = 0; r < s.rows; r++) {
            int o = r * cols;
            float dot = 0f;
            for (int j = 0; j < cols; j++) dot += s.log ? s.gy[o + j] : s.gy[o + j] * s.y[o + j];
            for (int j = 0; j < cols; j++) {
                s.gx[o + j] = s.log ? s.gy[o + j] - (float) Math.exp(s.y[o + j]) * dot : s.y[o + j] * (s.gy[o + j] - dot);
            }
        }
        return s.gx;
    }

    static void softmaxScalar(Softmax s) {
        int cols = s.cols;
        for (int r = 0; r < s.rows; r++) {
            int o = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, s.x[o + j]);
            float sum = 0f;
            for (int j = 0; j < cols; j++) sum += (float) Math.exp(s.x[o + j] - max);
            float logSum = (float) Math.log(sum), inv = 1f / sum;
            for (int j = 0; j < cols; j++) {
                s.y[o + j] = s.log ? s.x[o + j] - max - logSum : (float) Math.exp(s.x[o + j] - max) * inv;
            }
        }
    }

    // ---- work ------------------------------------------------------------------------------------

    public static Work work(String method, Map<String, String> p) {
        boolean scalar = method.endsWith("Scalar");
        String impl = scalar ? "scalar Java (1 thread)" : Work.ATTUNE;
        String base = scalar ? method.substring(0, method.length() - "Scalar".length()) : method;
        return switch (base) {
            case "layerNormFwd", "layerNormBwd" -> {
                int[] d = BenchData.dims(p.get("lnShape"), 2);
                double rc = (double) d[0] * d[1];
                // fwd: x, gamma, beta in; y, mean, rstd out. bwd: x, gy, gamma, mean, rstd in; gx, gGamma, gBeta out.
                double floats = base.equals("layerNormFwd") ? 2 * rc + 2 * d[1] + 2 * d[0] : 3 * rc + 3 * d[1] + 2 * d[0];
                yield Work.floats(base.equals("layerNormFwd") ? "layerNorm fwd" : "layerNorm bwd", "(" + d[0] + ", " + d[1] + ")", impl, floats);
            }
            case "batchNormFwd", "batchNormBwd" -> {
                int[] d = BenchData.dims(p.get("bnShape"), 3);
                double size = (double) d[0] * d[1] * d[2];
                // fwd: x, gamma, beta in; y, mean, invStd out. bwd: x, gy, mean, invStd, gamma in; gx, gGamma, gBeta out.
                double floats = base.equals("batchNormFwd") ? 2 * size + 4 * d[1] : 3 * size + 5 * d[1];
                yield Work.floats(base.equals("batchNormFwd") ? "batchNorm fwd" : "batchNorm bwd",
                        "(" + d[0] + ", " + d[1] + ", " + d[2] + ")", impl, floats);
            }
            case "softmaxFwd", "softmaxBwd" -> {
                int[] d = BenchData.dims(p.get("smShape"), 2);
                double size = (double) d[0] * d[1];
                // fwd: x in, y out. bwd: y, gy in, gx out.
                yield Work.floats(p.get("kind") + (base.equals("softmaxFwd") ? " fwd" : " bwd"), "(" + d[0] + ", " + d[1] + ")", impl,
                        base.equals("softmaxFwd") ? 2 * size : 3 * size);
            }
            default -> throw new IllegalArgumentException("NormBench: no work declared for method " + method);
        };
    }
}
