package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.io.Safetensors;
import dev.attune.tensor.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The nn functions against golden tensors from PyTorch (src/test/resources/golden/make_golden.py):
 * outputs and input gradients under a fixed upstream gradient, plus central-difference checks.
 */
class FunctionalTest {
    private static SafetensorsFile golden;

    @BeforeAll
    static void load() throws Exception {
        golden = Safetensors.read(Path.of(FunctionalTest.class.getResource("/golden/functional.safetensors").toURI()));
    }

    private static Tensor g(String name) {
        Tensor t = golden.tensor(name);
        assertNotNull(t, "golden tensor " + name);
        return t;
    }

    /** Runs fn on the named golden inputs, compares output and input gradients with PyTorch's. */
    private static void matchesTorch(String name, double tol, Function<Tensor[], Tensor> fn, String... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int k = 0; k < inputs.length; k++) {
            Tensor t = g(name + "." + inputs[k]);
            leaves[k] = t.dtype().isFloating() ? t.detach().copy().requiresGrad(true) : t;
        }
        Tensor y = fn.apply(leaves);
        Check.shape(y, g(name + ".y").shape());
        Check.close(g(name + ".y").toFloatArray(), y, tol);
        y.backward(g(name + ".gy"));
        for (int k = 0; k < inputs.length; k++) {
            if (!leaves[k].dtype().isFloating()) continue;
            Check.close(g(name + ".grad_" + inputs[k]).toFloatArray(), leaves[k].grad(), tol);
        }
    }

    @Test
    void softmaxFamily() {
        matchesTorch("softmax", 1e-5, in -> F.softmax(in[0], 1), "x");
        matchesTorch("log_softmax", 1e-5, in -> F.logSoftmax(in[0], -1), "x");
        Tensor row = F.softmax(Tensor.of(1f, 2f, 3f), 0);
        Check.close(new float[] {0.09003057f, 0.24472847f, 0.66524096f}, row, 1e-6);
        Check.close(new float[] {0.5f, 0.5f}, F.softmax(Tensor.of(1000f, 1000f), 0), 0);   // no overflow
        Check.grad(in -> F.softmax(in[0], 0), Check.randn(1, 4, 3));
        Check.grad(in -> F.logSoftmax(in[0], 1), Check.randn(2, 4, 3));
    }

    @Test
    void layerNorm() {
        matchesTorch("layer_norm", 1e-5, in -> F.layerNorm(in[0], new int[] {5}, in[1], in[2], 1e-5f), "x", "w", "b");
        Check.grad(in -> F.layerNorm(in[0], new int[] {3, 4}, in[1], in[2], 1e-5f),
                Check.randn(2, 2, 3, 4), Check.randn(3, 3, 4), Check.randn(4, 3, 4));
        Check.grad(in -> F.layerNorm(in[0], new int[] {4}, null, null, 1e-5f), Check.randn(5, 3, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> F.layerNorm(Tensor.zeros(2, 3), new int[] {4}, null, null, 1e-5f));
        assertTrue(e.getMessage().contains("layerNorm") && e.getMessage().contains("[4]") && e.getMessage().contains("[2, 3]"));
    }

    @Test
    void batchNormTrainingUpdatesRunningStatistics() {
        Tensor rm = g("batch_norm_train.running_mean_before").copy(), rv = g("batch_norm_train.running_var_before").copy();
        matchesTorch("batch_norm_train", 1e-5, in -> F.batchNorm(in[0], rm, rv, in[1], in[2], true, 0.1f, 1e-5f), "x", "w", "b");
        Check.close(g("batch_norm_train.running_mean_after").toFloatArray(), rm, 1e-6);
        Check.close(g("batch_norm_train.running_var_after").toFloatArray(), rv, 1e-6);
    }

    @Test
    void batchNormEvalUsesRunningStatistics() {
        Tensor rm = g("batch_norm_eval.running_mean"), rv = g("batch_norm_eval.running_var");
        matchesTorch("batch_norm_eval", 1e-5, in -> F.batchNorm(in[0], rm, rv, in[1], in[2], false, 0.1f, 1e-5f), "x", "w", "b");
        Check.grad(in -> F.batchNorm(in[0], null, null, in[1], in[2], true, 0.1f, 1e-5f),
                Check.randn(1, 4, 3, 2), Check.randn(2, 3), Check.randn(3, 3));
        Check.grad(in -> F.batchNorm(in[0], null, null, null, null, true, 0.1f, 1e-5f), Check.randn(1, 5, 2));
        assertThrows(IllegalArgumentException.class, () -> F.batchNorm(Tensor.zeros(1, 3), null, null, null, null, true, 0.1f, 1e-5f));
    }

    @Test
    void convolutions() {
        matchesTorch("conv1d", 1e-5, in -> F.conv1d(in[0], in[1], in[2], 2, 3, 2, 2), "x", "w", "b");
        matchesTorch("conv1d_depthwise", 1e-5, in -> F.conv1d(in[0], in[1], in[2], 1, 7, 1, 8), "x", "w", "b");
        matchesTorch("conv2d", 1e-5, in -> F.conv2d(in[0], in[1], in[2], new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1),
                "x", "w", "b");
        Check.grad(in -> F.conv1d(in[0], in[1], in[2], 2, 1, 2, 1), Check.randn(1, 2, 2, 9), Check.randn(2, 3, 2, 3), Check.randn(3, 3));
        Check.grad(in -> F.conv2d(in[0], in[1], null, new int[] {1, 2}, new int[] {1, 0}, new int[] {1, 1}, 2),
                Check.randn(4, 1, 4, 5, 5), Check.randn(5, 2, 2, 3, 2));
        // The depthwise kernel (groups = channels) with stride and dilation, against the general im2col path.
        Tensor dx = Check.randn(6, 2, 3, 11), dw = Check.randn(7, 3, 1, 4), db = Check.randn(8, 3);
        Check.grad(in -> F.conv1d(in[0], in[1], in[2], 2, 3, 2, 3), dx, dw, db);
        Tensor viaIm2col = Tensor.cat(1, F.conv1d(dx.narrow(1, 0, 1), dw.narrow(0, 0, 1), db.narrow(0, 0, 1), 2, 3, 2, 1),
                F.conv1d(dx.narrow(1, 1, 1), dw.narrow(0, 1, 1), db.narrow(0, 1, 1), 2, 3, 2, 1),
                F.conv1d(dx.narrow(1, 2, 1), dw.narrow(0, 2, 1), db.narrow(0, 2, 1), 2, 3, 2, 1));
        Check.close(viaIm2col.toFloatArray(), F.conv1d(dx, dw, db, 2, 3, 2, 3), 1e-6);
        // Stride 1 takes the vectorised correlation path: long rows (vector body and tail), dilation, a padding
        // wider than some taps reach; values and all three gradients against the im2col path.
        Tensor sx = Check.randn(9, 2, 3, 45), sw = Check.randn(10, 3, 1, 5), sb = Check.randn(11, 3);
        Check.grad(in -> F.conv1d(in[0], in[1], in[2], 1, 9, 2, 3), Check.randn(12, 1, 3, 6), Check.randn(13, 3, 1, 5), sb);
        Tensor[] fast = {sx.copy().requiresGrad(true), sw.copy().requiresGrad(true), sb.copy().requiresGrad(true)};
        Tensor[] slow = {sx.copy().requiresGrad(true), sw.copy().requiresGrad(true), sb.copy().requiresGrad(true)};
        Tensor yFast = F.conv1d(fast[0], fast[1], fast[2], 1, 9, 2, 3);
        Tensor[] perChannel = new Tensor[3];
        for (int ch = 0; ch < 3; ch++) {
            perChannel[ch] = F.conv1d(slow[0].narrow(1, ch, 1), slow[1].narrow(0, ch, 1), slow[2].narrow(0, ch, 1), 1, 9, 2, 1);
        }
        Tensor ySlow = Tensor.cat(1, perChannel);
        Check.close(ySlow.toFloatArray(), yFast, 1e-6);
        Tensor gy = Check.randn(14, yFast.shape());
        yFast.backward(gy);
        ySlow.backward(gy);
        for (int i = 0; i < 3; i++) Check.close(slow[i].grad().toFloatArray(), fast[i].grad(), 1e-5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> F.conv1d(Tensor.zeros(1, 4, 10), Tensor.zeros(6, 3, 3), null, 1, 0, 1, 2));
        assertTrue(e.getMessage().contains("conv1d") && e.getMessage().contains("2 input channels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.conv1d(Tensor.zeros(1, 1, 2), Tensor.zeros(1, 1, 5), null, 1, 0, 1, 1));
    }

    /**
     * The depthwise kernel's stride-1 correlation on rows long enough for its register blocks
     * (128 outputs) and their remainder, Conformer kernel sizes, tap counts at the edges of the
     * paired-tap blocks (17, 20, 32), dilation, and a padding wider
     * than the taps reach (gy's padding for gx is then negative): values and all three gradients
     * against the general im2col path, one channel at a time.
     */
    @Test
    void depthwiseRegisterBlocksMatchTheIm2colPath() {
        // 17 to 32 taps at dilation 1 share window loads between tap pairs (CpuDepthwiseConv.correlatePaired)
        int[][] cases = {{300, 31, 15, 1}, {150, 5, 9, 3}, {40, 3, 5, 1}, {200, 15, 0, 1}, {7, 31, 15, 1},
                {260, 17, 8, 1}, {140, 32, 16, 1}, {130, 20, 3, 1}};
        long seed = 40;
        for (int[] cs : cases) {
            int l = cs[0], k = cs[1], pad = cs[2], dil = cs[3], c = 3;
            Tensor x = Check.randn(seed++, 2, c, l), w = Check.randn(seed++, c, 1, k), b = Check.randn(seed++, c);
            Tensor[] fast = {x.copy().requiresGrad(true), w.copy().requiresGrad(true), b.copy().requiresGrad(true)};
            Tensor[] slow = {x.copy().requiresGrad(true), w.copy().requiresGrad(true), b.copy().requiresGrad(true)};
            Tensor yFast = F.conv1d(fast[0], fast[1], fast[2], 1, pad, dil, c);
            Tensor[] perChannel = new Tensor[c];
            for (int ch = 0; ch < c; ch++) {
                perChannel[ch] = F.conv1d(slow[0].narrow(1, ch, 1), slow[1].narrow(0, ch, 1), slow[2].narrow(0, ch, 1), 1, pad, dil, 1);
            }
            Tensor ySlow = Tensor.cat(1, perChannel);
            Check.shape(yFast, ySlow.shape());
            Check.close(ySlow.toFloatArray(), yFast, 1e-5);
            Tensor gy = Check.randn(seed++, yFast.shape());
            yFast.backward(gy);
            ySlow.backward(gy);
            for (int i = 0; i < 3; i++) Check.close(slow[i].grad().toFloatArray(), fast[i].grad(), 1e-4);
        }
    }

    @Test
    void activationsAndGlu() {
        matchesTorch("gelu", 1e-5, in -> in[0].gelu(), "x");
        matchesTorch("glu", 1e-5, in -> F.glu(in[0], 1), "x");
        assertThrows(IllegalArgumentException.class, () -> F.glu(Tensor.zeros(2, 3), 1));
    }

    @Test
    void losses() {
        matchesTorch("cross_entropy", 1e-5, in -> F.crossEntropy(in[0], in[1].to(dev.attune.kernels.DType.INT32), -100, 0.1f,
                F.Reduction.MEAN), "x", "t");
        matchesTorch("cross_entropy_3d", 1e-5, in -> F.crossEntropy(in[0], in[1].to(dev.attune.kernels.DType.INT32)), "x", "t");
        matchesTorch("nll_loss", 1e-5, in -> F.nllLoss(F.logSoftmax(in[0], 1), in[1].to(dev.attune.kernels.DType.INT32), 4,
                F.Reduction.MEAN), "x", "t");
        Tensor logits = Check.randn(8, 3, 4), target = Tensor.ofInts(new int[] {1, 3, 0}, 3);
        Check.grad(in -> F.crossEntropy(in[0], target, 3, 0.2f, F.Reduction.SUM), logits);
        Check.shape(F.crossEntropy(logits, target, -100, 0f, F.Reduction.NONE), 3);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> F.crossEntropy(logits, Tensor.ofInts(new int[] {1, 4, 0}, 3)));
        assertTrue(e.getMessage().contains("crossEntropy") && e.getMessage().contains("4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(1f, 2f, 0f)));
        assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.ofInts(new int[] {1, 2}, 2)));
    }

    @Test
    void varianceAndBatchedMatmulAgainstTorch() {
        matchesTorch("var", 1e-5, in -> in[0].var(new int[] {0, 2}, true, true), "x");
        matchesTorch("matmul_batched", 1e-5, in -> in[0].matmul(in[1]), "a", "b");
    }

    @Test
    void embeddingAndLinear() {
        Tensor w = Tensor.of(new float[] {0, 1, 10, 11, 20, 21}, 3, 2);
        Tensor e = F.embedding(Tensor.ofInts(new int[] {2, 0, 2, 1}, 2, 2), w);
        Check.shape(e, 2, 2, 2);
        Check.close(new float[] {20, 21, 0, 1, 20, 21, 10, 11}, e, 0);
        Check.grad(in -> F.embedding(Tensor.ofInts(new int[] {2, 0, 2}, 3), in[0]), w);
        Tensor y = F.linear(Tensor.of(new float[] {1, 2}, 1, 2), Tensor.of(new float[] {1, 0, 1, 1, 0, 2}, 3, 2), Tensor.of(1f, 1f, 1f));
        Check.close(new float[] {2, 4, 5}, y, 0);
        Check.grad(in -> F.linear(in[0], in[1], in[2]), Check.randn(1, 2, 4, 3), Check.randn(2, 5, 3), Check.randn(3, 5));
        assertThrows(IllegalArgumentException.class, () -> F.linear(Tensor.zeros(2, 4), Tensor.zeros(5, 3), null));
    }

    @Test
    void dropoutIsSeededAndInverted() {
        Tensor x = Tensor.ones(10_000);
        Tensor a = F.dropout(x, 0.25f, true, new Generator(3)), b = F.dropout(x, 0.25f, true, new Generator(3));
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        for (float v : a.toFloatArray()) assertTrue(v == 0f || Math.abs(v - 4f / 3f) < 1e-6);
        assertEquals(1.0, a.mean().item(), 0.03);
        assertSame(x, F.dropout(x, 0.25f, false, new Generator(3)));
        Tensor xs = Check.randn(2, 50);
        Check.grad(in -> F.dropout(in[0], 0.5f, true, new Generator(8)), xs);
        assertThrows(IllegalArgumentException.class, () -> F.dropout(x, 1.5f, true, new Generator(1)));
    }
}
