package dev.attune.nn;

import static dev.attune.nn.AttentionGolden.close;
import static dev.attune.nn.AttentionGolden.get;
import static dev.attune.nn.AttentionGolden.leaf;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SelfAttentionPooling and AmSoftmax against PyTorch implementations in golden/attention.py, and central differences. */
class PoolingAndAmSoftmaxTest {
    private static final double TOL = 1e-5;

    @Test
    void selfAttentionPoolingMatchesTorch() {
        for (String c : new String[] {"sap", "sap_masked"}) {
            SelfAttentionPooling pool = AttentionGolden.load(new SelfAttentionPooling(6, new Generator(1)), c);
            Tensor x = leaf(c + ".x");
            Tensor y = pool.forward(x, c.endsWith("masked") ? get(c + ".pad") : null);
            close(get(c + ".y"), y, TOL, c + " output");
            y.backward(get(c + ".gy"));
            close(get(c + ".grad_x"), x.grad(), TOL, c + " grad x");
            AttentionGolden.parameterGradients(pool, c, TOL);
        }
    }

    @Test
    void poolingIgnoresPaddingFrames() {
        SelfAttentionPooling pool = new SelfAttentionPooling(3, new Generator(2));
        Tensor x = new Generator(3).randn(1, 2, 3);
        Tensor padded = Tensor.cat(1, x, Tensor.full(-20f, 1, 3, 3));
        close(pool.forward(x), pool.forward(padded, Masks.padding(new int[] {2}, 5)), 1e-6, "pooled");
        assertEquals(List.of("W.weight", "W.bias"), List.copyOf(pool.stateDict().keySet()));
    }

    @Test
    void poolingGradients() {
        SelfAttentionPooling pool = new SelfAttentionPooling(3, new Generator(4));
        Tensor pad = Masks.padding(new int[] {4, 2}, 4);
        AttentionGolden.gradCheck(in -> pool.forward(in[0], pad), new Generator(5).randn(2, 4, 3));
    }

    @Test
    void amSoftmaxMatchesTorch() {
        String c = "amsoftmax";
        AmSoftmax am = AttentionGolden.load(new AmSoftmax(6, 5, new Generator(1)), c);
        Tensor x = leaf(c + ".x");
        Tensor logits = am.logits(x);
        Tensor loss = am.loss(x, get(c + ".labels").to(dev.attune.kernels.DType.INT32));
        close(get(c + ".logits"), logits, TOL, "logits s*cos");
        close(get(c + ".loss"), loss, TOL, "margin loss");
        logits.mul(get(c + ".glogits")).sum().add(loss.mul(get(c + ".gloss"))).backward();
        close(get(c + ".grad_x"), x.grad(), TOL, "grad x");
        AttentionGolden.parameterGradients(am, c, TOL);
    }

    @Test
    void amSoftmaxMarginAndGradients() {
        AmSoftmax am = new AmSoftmax(4, 3, 30f, 0.4f, new Generator(6));
        Tensor x = new Generator(7).randn(2, 4);
        Tensor labels = Tensor.ofInts(new int[] {2, 0}, 2);
        // The loss equals cross entropy on s*cos with s*m taken off the target logit.
        Tensor cos = am.cosine(x);
        assertTrue(cos.abs().max().item() <= 1f + 1e-6f);
        Tensor shifted = am.logits(x).sub(Tensor.of(new float[] {0, 0, 12, 12, 0, 0}, 2, 3));
        assertEquals(dev.attune.tensor.F.crossEntropy(shifted, labels).item(), am.loss(x, labels).item(), 1e-5);
        // Small s keeps the finite differences well conditioned.
        AmSoftmax soft = new AmSoftmax(4, 3, 2f, 0.4f, new Generator(8));
        AttentionGolden.gradCheck(in -> soft.loss(in[0], labels), x);
        AttentionGolden.gradCheck(in -> soft.logits(in[0]), x);
        assertArrayEquals(new int[] {3, 4}, soft.weight().shape());
    }

    @Test
    void badInputNamesTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SelfAttentionPooling(6, new Generator(1)).forward(Tensor.zeros(2, 5, 4)));
        assertTrue(e.getMessage().contains("SelfAttentionPooling") && e.getMessage().contains("(N, T, 6)") && e.getMessage().contains("[2, 5, 4]"),
                e.getMessage());
        AmSoftmax am = new AmSoftmax(6, 5, new Generator(1));
        e = assertThrows(IllegalArgumentException.class, () -> am.logits(Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("AmSoftmax") && e.getMessage().contains("(N, 6)") && e.getMessage().contains("[2, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> am.loss(Tensor.zeros(2, 6), Tensor.ofInts(new int[] {1}, 1)));
        assertTrue(e.getMessage().contains("labels"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> am.loss(Tensor.ones(1, 6), Tensor.ofInts(new int[] {5}, 1)));
    }
}
