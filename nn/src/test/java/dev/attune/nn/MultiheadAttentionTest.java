package dev.attune.nn;

import static dev.attune.nn.AttentionGolden.close;
import static dev.attune.nn.AttentionGolden.get;
import static dev.attune.nn.AttentionGolden.leaf;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** MultiheadAttention against torch.nn.MultiheadAttention (golden/attention.py) and central differences. */
class MultiheadAttentionTest {
    private static final double TOL = 1e-5;

    @Test
    void parametersAreNamedAndInitialisedAsTorch() {
        MultiheadAttention m = new MultiheadAttention(8, 2, 0f, true, new Generator(1));
        Map<String, Parameter> ps = m.namedParameters();
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"), List.copyOf(ps.keySet()));
        assertArrayEquals(new int[] {24, 8}, ps.get("in_proj_weight").shape());
        assertEquals(4 * 8 * 8 + 4 * 8, m.parameterCount());
        // xavier_uniform bound sqrt(6 / (8 + 24)); out_proj's default bound 1/sqrt(8); biases zero.
        assertTrue(ps.get("in_proj_weight").value().abs().max().item() <= (float) Math.sqrt(6.0 / 32));
        assertTrue(ps.get("out_proj.weight").value().abs().max().item() <= (float) (1 / Math.sqrt(8)));
        assertEquals(0f, ps.get("in_proj_bias").value().abs().sum().item());
        assertEquals(0f, ps.get("out_proj.bias").value().abs().sum().item());
        MultiheadAttention noBias = new MultiheadAttention(8, 2, 0f, false, true, new Generator(1));
        assertEquals(List.of("in_proj_weight", "out_proj.weight"), List.copyOf(noBias.namedParameters().keySet()));
    }

    @Test
    void crossAttentionBatchFirstWithKeyPaddingMask() {
        String c = "mha_cross_bf";
        MultiheadAttention m = AttentionGolden.load(new MultiheadAttention(8, 2, 0.1f, true, new Generator(1)), c);
        Tensor q = leaf(c + ".q"), k = leaf(c + ".k"), v = leaf(c + ".v");
        MultiheadAttention.Result r = m.forward(q, k, v, get(c + ".kpm"), null, true);
        close(get(c + ".y"), r.output(), TOL, "output");
        close(get(c + ".w"), r.weights(), TOL, "weights");
        // Masked keys get exactly zero weight.
        assertEquals(0f, r.weights().get(0, 1, 3));
        assertEquals(0f, r.weights().get(1, 2, 2));
        r.output().mul(get(c + ".gy")).sum().add(r.weights().mul(get(c + ".gw")).sum()).backward();
        close(get(c + ".grad_q"), q.grad(), TOL, "grad q");
        close(get(c + ".grad_k"), k.grad(), TOL, "grad k");
        close(get(c + ".grad_v"), v.grad(), TOL, "grad v");
        AttentionGolden.parameterGradients(m, c, TOL);
    }

    @Test
    void selfAttentionSequenceFirstWithCausalAndPaddingMasks() {
        String c = "mha_self_sf";
        MultiheadAttention m = AttentionGolden.load(new MultiheadAttention(8, 2, 0.1f, false, new Generator(1)), c);
        Tensor x = leaf(c + ".x");
        MultiheadAttention.Result r = m.forward(x, x, x, get(c + ".kpm"), get(c + ".mask"), true);
        close(get(c + ".y"), r.output(), TOL, "output");
        close(get(c + ".w"), r.weights(), TOL, "weights");
        r.output().mul(get(c + ".gy")).sum().add(r.weights().mul(get(c + ".gw")).sum()).backward();
        close(get(c + ".grad_x"), x.grad(), TOL, "grad x");
        AttentionGolden.parameterGradients(m, c, TOL);
    }

    @Test
    void additiveFloatMaskPerHeadWithoutBiases() {
        String c = "mha_float_mask_nobias";
        MultiheadAttention m = AttentionGolden.load(new MultiheadAttention(8, 2, 0f, false, true, new Generator(1)), c);
        Tensor x = leaf(c + ".x");
        MultiheadAttention.Result r = m.forward(x, x, x, null, get(c + ".mask"), false);
        assertNull(r.weights());
        close(get(c + ".y"), r.output(), TOL, "output");
        r.output().backward(get(c + ".gy"));
        close(get(c + ".grad_x"), x.grad(), TOL, "grad x");
        AttentionGolden.parameterGradients(m, c, TOL);
    }

    @Test
    void unbatchedInputMatchesBatchOfOne() {
        MultiheadAttention m = new MultiheadAttention(4, 2, 0f, true, new Generator(3));
        Tensor x = new Generator(4).randn(3, 4);
        MultiheadAttention.Result one = m.forward(x, x, x, null, null, true);
        MultiheadAttention.Result batch = m.forward(x.unsqueeze(0), x.unsqueeze(0), x.unsqueeze(0), null, null, true);
        close(batch.output().squeeze(0), one.output(), 1e-6, "output");
        close(batch.weights().squeeze(0), one.weights(), 1e-6, "weights");
    }

    @Test
    void gradientsMatchCentralDifferences() {
        Generator g = new Generator(5);
        MultiheadAttention m = new MultiheadAttention(4, 2, 0f, true, g);
        Tensor kpm = Tensor.ofBools(new boolean[] {false, false, true, false, false, false}, 2, 3);
        // Cross-attention with a padding mask: the output's gradients w.r.t. query and key/value source.
        AttentionGolden.gradCheck(in -> m.forward(in[0], in[1], in[1], kpm, null, true).output(), g.randn(2, 2, 4), g.randn(2, 3, 4));
        // Self-attention through the averaged weights (the softmax Jacobian alone).
        AttentionGolden.gradCheck(in -> m.forward(in[0], in[0], in[0], null, null, true).weights(), g.randn(2, 3, 4));
    }

    /**
     * Key padding only and no weights: the fused path. Asking for the weights runs the composition;
     * two modules built from one seed must agree, dropout masks (training) and gradients included.
     */
    @Test
    void fusedPathEqualsTheCompositionInTraining() {
        MultiheadAttention fused = new MultiheadAttention(8, 2, 0.3f, true, new Generator(11));
        MultiheadAttention composed = new MultiheadAttention(8, 2, 0.3f, true, new Generator(11));
        Tensor kpm = Tensor.ofBools(new boolean[] {false, false, false, false, true, false, false, false, false, false}, 2, 5);
        Tensor x1 = new Generator(12).randn(2, 5, 8).requiresGrad(true), x2 = x1.detach().copy().requiresGrad(true);
        Tensor gy = new Generator(13).randn(2, 5, 8);
        Tensor y1 = fused.forward(x1, x1, x1, kpm, null, false).output();
        Tensor y2 = composed.forward(x2, x2, x2, kpm, null, true).output();
        close(y2, y1, TOL, "output");
        y1.backward(gy);
        y2.backward(gy);
        close(x2.grad(), x1.grad(), TOL, "grad x");
        close(composed.inProjWeight().grad(), fused.inProjWeight().grad(), TOL, "grad in_proj_weight");
        // Dropout really ran: eval gives another output.
        fused.eval();
        assertTrue(fused.forward(x1, x1, x1, kpm, null, false).output().sub(y1).abs().max().item() > 1e-3, "dropout had no effect");
    }

    @Test
    void dropoutOnAttentionWeightsOnlyInTraining() {
        MultiheadAttention m = new MultiheadAttention(4, 1, 0.5f, true, new Generator(6));
        Tensor x = new Generator(7).randn(1, 6, 4);
        m.eval();
        Tensor w = m.forward(x, x, x, null, null, true).weights();
        close(Tensor.ones(1, 6), w.sum(2, false), 1e-6, "eval rows sum to 1");
        m.train();
        Tensor wt = m.forward(x, x, x, null, null, true).weights();
        float[] a = w.toFloatArray(), b = wt.toFloatArray();
        int zeros = 0;
        for (int i = 0; i < a.length; i++) {
            if (b[i] == 0f) zeros++;
            else assertEquals(2 * a[i], b[i], 1e-6, "kept weights are scaled by 1/(1-p)");
        }
        assertTrue(zeros > 5 && zeros < 31, "about half the weights dropped, got " + zeros);
    }

    @Test
    void badShapesNameTheLayer() {
        MultiheadAttention m = new MultiheadAttention(8, 2, 0f, true, new Generator(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(2, 3, 6)));
        assertTrue(e.getMessage().contains("MultiheadAttention") && e.getMessage().contains("embed_dim=8") && e.getMessage().contains("[2, 3, 6]"),
                e.getMessage());
        Tensor x = Tensor.zeros(2, 3, 8);
        e = assertThrows(IllegalArgumentException.class,
                () -> m.forward(x, x, x, Tensor.ofBools(new boolean[4], 2, 2), null, false));
        assertTrue(e.getMessage().contains("key_padding_mask") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 2]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.forward(x, x, x, null, Tensor.zeros(3, 4), false));
        assertTrue(e.getMessage().contains("attn_mask") && e.getMessage().contains("[3, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MultiheadAttention(10, 3, 0f, true, new Generator(1)));
    }
}
