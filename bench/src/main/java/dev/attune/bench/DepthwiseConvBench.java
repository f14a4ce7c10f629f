package dev.attune.bench;

import dev.attune.kernels.Storage;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Depthwise 1-D convolution of the Conformer convolution module, stride 1, "same" padding (k-1)/2:
 * {@code y[b,c,t] = bias[c] + sum_j w[c,j] x[b,c,t-pad+j]}, forward and backward (gx and gw), through
 * the CPU backend's depthwise kernels; baseline: scalar Java loops on one thread. Counted as memory-bound
 * (inputs read once, outputs written once), kernels 15 and 31, inputs (32, 256, 128) and (8, 256, 256).
 */
public class DepthwiseConvBench {

    @State(Scope.Benchmark)
    public static class Conv {
        @Param({"32x256x128", "8x256x256"})
        public String shape;
        @Param({"15", "31"})
        public int kernel;
        int n, c, l, pad;
        float[] x, w, bias, y, gy, gx, gw;
        Storage sx, sw, sBias, sy, sGy, sGx, sGw;

        @Setup
        public void setup() {
            int[] d = BenchData.dims(shape, 3);
            n = d[0];
            c = d[1];
            l = d[2];
            if (kernel <= 0 || kernel % 2 == 0) throw new IllegalArgumentException("DepthwiseConvBench: kernel must be odd, got " + kernel);
            pad = (kernel - 1) / 2;
            int size = n * c * l;
            x = BenchData.random(1, size);
            w = BenchData.random(2, c * kernel);
            bias = BenchData.random(3, c);
            gy = BenchData.random(4, size);
            y = new float[size];
            gx = new float[size];
            gw = new float[c * kernel];
            sx = BenchData.upload(x);
            sw = BenchData.upload(w);
            sBias = BenchData.upload(bias);
            sGy = BenchData.upload(gy);
            sy = BenchData.zeros(size);
            sGx = BenchData.zeros(size);
            sGw = BenchData.zeros(c * kernel);
        }
    }

    @Benchmark
    public Storage fwd(Conv s) {
        BenchData.CPU.depthwiseConv1d(s.sx, s.sw, s.sBias, s.n, s.c, s.l, s.kernel, 1, s.pad, 1, s.l, s.sy);
        return s.sy;
    }

    @Benchmark
    public float[] fwdScalar(Conv s) {
        int l = s.l, k = s.kernel;
        for (int b = 0; b < s.n; b++) {
            for (int ch = 0; ch < s.c; ch++) {
                int o = (b * s.c + ch) * l;
                for (int t = 0; t < l; t++) {
                    float acc = s.bias[ch];
                    for (int j = 0; j < k; j++) {
                        int i = t - s.pad + j;
                        if (i >= 0 && i < l) acc += s.w[ch * k + j] * s.x[o + i];
                    }
                    s.y[o + t] = acc;
                }
            }
        }
        return s.y;
    }

    @Benchmark
    public Storage bwd(Conv s) {
        BenchData.CPU.depthwiseConv1dBackward(s.sx, s.sw, s.sGy, s.n, s.c, s.l, s.kernel, 1, s.pad, 1, s.l, s.sGx, s.sGw);
        return s.sGx;
    }

    /** {@code gx[i] = sum_j w[j] gy[i+pad-j]}, {@code gw[j] = sum_{b,t} gy[t] x[t-pad+j]}. */
    @Benchmark
    public float[] bwdScalar(Conv s) {
        int l = s.l, k = s.kernel;
        java.util.Arrays.fill(s.gw, 0f);
        for (int b = 0; b < s.n; b++) {
            for (int ch = 0; ch < s.c; ch++) {
                int o = (b * s.c + ch) * l;
                for (int i = 0; i < l; i++) {
                    float acc = 0f;
                    for (int j = 0; j < k; j++) {
                        int t = i + s.pad - j;
                        if (t >= 0 && t < l) acc += s.w[ch * k + j] * s.gy[o + t];
                    }
                    s.gx[o + i] = acc;
                }
                for (int j = 0; j < k; j++) {
                    float acc = 0f;
                    for (int t = 0; t < l; t++) {
                        int i = t - s.pad + j;
                        if (i >= 0 && i < l) acc += s.gy[o + t] * s.x[o + i];
                    }
                    s.gw[ch * k + j] += acc;
                }
            }
        }
        return s.gx;
    }

    public static Work work(String method, Map<String, String> p) {
        int[] d = BenchData.dims(p.get("shape"), 3);
        int k = Integer.parseInt(p.get("kernel"));
        double size = (double) d[0] * d[1] * d[2], weights = (double) d[1] * k;
        boolean forward = method.startsWith("fwd");
        // fwd: x, w, bias in; y out. bwd: x, w, gy in; gx, gw out.
        double floats = forward ? 2 * size + weights + d[1] : 3 * size + 2 * weights;
        String impl = method.endsWith("Scalar") ? "scalar Java (1 thread)" : Work.ATTUNE;
        return Work.floats("depthwiseConv1d " + (forward ? "fwd" : "bwd") + " k" + k, "(" + d[0] + ", " + d[1] + ", " + d[2] + ")",
                impl, floats);
    }
}
