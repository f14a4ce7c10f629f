package dev.attune.nn;

import static dev.attune.nn.ConformerChecks.close;
import static dev.attune.nn.ConformerChecks.grad;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.kernels.DType;
import dev.attune.nn.RelPositionalEncoding.Variant;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The WeNet/PaddleSpeech Conformer family against golden tensors from our PyTorch transcription
 * (src/test/resources/golden/conformer_wenet.py), central-difference gradient checks, the published
 * parameter counts and shape errors.
 */
class ConformerEncoderTest {
    private static final ConformerChecks G = ConformerChecks.open("conformer_wenet.safetensors");
    private static final double TOL = 1e-5;

    private static Tensor lengthMask(int t, int... lengths) {
        return ConformerEncoder.lengthMask(Tensor.ofInts(lengths, lengths.length), lengths.length, t, "test").unsqueeze(1);
    }

    // ---- golden forward and backward --------------------------------------------------------------

    @Test
    void positionalEncodingBothVariants() {
        for (Variant v : Variant.values()) {
            String c = "pos_" + v.name().toLowerCase(java.util.Locale.ROOT);
            RelPositionalEncoding pe = new RelPositionalEncoding(16, 0.1f, v, new Generator(1));
            pe.eval();
            RelPositionalEncoding.Output o = pe.forward(G.get(c + ".x"));
            close(G.get(c + ".y"), o.x(), TOL, c + " x");
            close(G.get(c + ".pos_emb"), o.posEmb(), TOL, c + " pos_emb");
        }
        assertArrayEquals(new int[] {1, 79, 16}, G.get("pos_espnet.pos_emb").shape());
    }

    @Test
    void attentionBothVariantsMatchTorch() {
        for (Variant v : Variant.values()) {
            String c = "attn_" + v.name().toLowerCase(java.util.Locale.ROOT);
            RelPositionMultiHeadedAttention att = new RelPositionMultiHeadedAttention(2, 8, 0f, v, new Generator(2));
            att.loadStateDict(G.state(c), true);
            att.eval();
            Tensor x = G.leaf(c + ".x"), pos = G.leaf(c + ".pos_emb");
            Tensor y = att.forward(x, x, x, G.get(c + ".mask"), pos);
            close(G.get(c + ".y"), y, TOL, c + " output");
            y.backward(G.get(c + ".gy"));
            close(G.get(c + ".grad_x"), x.grad(), TOL, c + " grad x");
            close(G.get(c + ".grad_pos_emb"), pos.grad(), TOL, c + " grad pos_emb");
            for (Map.Entry<String, Parameter> e : att.namedParameters().entrySet()) {
                close(G.get(c + ".grad_param." + e.getKey()), e.getValue().grad(), TOL, c + " grad " + e.getKey());
            }
        }
    }

    @Test
    void attentionStateNamesAndInit() {
        RelPositionMultiHeadedAttention att = new RelPositionMultiHeadedAttention(4, 16, 0f, Variant.WENET, new Generator(3));
        assertEquals(java.util.List.of("pos_bias_u", "pos_bias_v", "linear_q.weight", "linear_q.bias", "linear_k.weight",
                "linear_k.bias", "linear_v.weight", "linear_v.bias", "linear_out.weight", "linear_out.bias", "linear_pos.weight"),
                java.util.List.copyOf(att.stateDict().keySet()));
        assertArrayEquals(new int[] {4, 4}, att.stateDict().get("pos_bias_u").shape());
        // xavier_uniform bound for (4, 4): sqrt(6 / 8).
        float bound = (float) Math.sqrt(6.0 / 8.0);
        for (float u : att.stateDict().get("pos_bias_v").toFloatArray()) assertTrue(Math.abs(u) <= bound);
    }

    @Test
    void relShiftPicksRelativePositionIMinusJ() {
        int t = 3;
        float[] row = new float[2 * t - 1];
        for (int c = 0; c < row.length; c++) row[c] = t - 1 - c;             // column c holds position T-1-c
        float[] data = new float[t * row.length];
        for (int i = 0; i < t; i++) System.arraycopy(row, 0, data, i * row.length, row.length);
        Tensor shifted = RelPositionMultiHeadedAttention.relShift(Tensor.of(data, 1, 1, t, 2 * t - 1));
        for (int i = 0; i < t; i++) for (int j = 0; j < t; j++) assertEquals(i - j, shifted.get(0, 0, i, j), 0f);
    }

    @Test
    void feedForwardMatchesTorch() {
        PositionwiseFeedForward ff = new PositionwiseFeedForward(6, 10, 0f, Activation.silu(), new Generator(4));
        ff.loadStateDict(G.state("ffn"), true);
        ff.eval();
        Tensor x = G.leaf("ffn.x");
        Tensor y = ff.forward(x);
        close(G.get("ffn.y"), y, TOL, "ffn output");
        y.backward(G.get("ffn.gy"));
        close(G.get("ffn.grad_x"), x.grad(), TOL, "ffn grad x");
    }

    @Test
    void convolutionModuleMatchesTorchInEvalAndTrain() {
        for (String c : new String[] {"conv_eval", "conv_train"}) {
            ConvolutionModule conv = new ConvolutionModule(6, 5, new Generator(5));
            conv.loadStateDict(G.state(c), true);
            if (c.endsWith("eval")) conv.eval();
            else conv.train();
            Tensor x = G.leaf(c + ".x");
            Tensor y = conv.forward(x, G.get(c + ".mask"));
            close(G.get(c + ".y"), y, TOL, c + " output");
            y.backward(G.get(c + ".gy"));
            close(G.get(c + ".grad_x"), x.grad(), TOL, c + " grad x");
            // Padded frames (the second utterance has 6 of 9) are exactly zero.
            for (int t = 6; t < 9; t++) for (int d = 0; d < 6; d++) assertEquals(0f, y.get(1, t, d), 0f);
        }
    }

    @Test
    void subsamplingMatchesTorch() {
        Conv2dSubsampling4 sub = new Conv2dSubsampling4(11, 4, new RelPositionalEncoding(4, 0f, Variant.WENET, new Generator(6)),
                new Generator(6));
        sub.loadStateDict(G.state("subsampling"), true);
        sub.eval();
        Tensor x = G.leaf("subsampling.x");
        Conv2dSubsampling4.Output o = sub.forward(x, G.get("subsampling.mask"));
        assertEquals(Conv2dSubsampling4.outputLength(17), o.x().size(1));
        close(G.get("subsampling.y"), o.x(), TOL, "subsampling output");
        assertArrayEquals(G.get("subsampling.mask_out").toIntArray(), o.mask().toIntArray(), "subsampled mask");
        o.x().backward(G.get("subsampling.gy"));
        close(G.get("subsampling.grad_x"), x.grad(), TOL, "subsampling grad x");
    }

    @Test
    void smallEncoderMatchesTorch() {
        ConformerEncoder.Config wenet = new ConformerEncoder.Config(24, 32, 4, 48, 2, 7, 0f, 0f, 0f, Variant.WENET, 1e-5f);
        ConformerEncoder.Config espnet = new ConformerEncoder.Config(24, 32, 4, 48, 2, 7, 0f, 0f, 0f, Variant.ESPNET, 1e-12f);
        Map<String, Tensor> state = G.state("encoder_eval");
        for (String c : new String[] {"encoder_eval", "encoder_train_espnet"}) {
            boolean eval = c.equals("encoder_eval");
            ConformerEncoder enc = new ConformerEncoder(eval ? wenet : espnet, new Generator(7));
            enc.loadStateDict(state, true);
            if (eval) enc.eval();
            Tensor x = G.leaf(c + ".x");
            ConformerEncoder.Output o = enc.forward(x, G.get(c + ".lengths"));
            close(G.get(c + ".y"), o.output(), 2e-5, c + " output");
            assertArrayEquals(new int[] {6, 5}, o.lengths().toIntArray(), "output lengths of 30 and 23 frames");
            o.output().backward(G.get(c + ".gy"));
            close(G.get(c + ".grad_x"), x.grad(), 2e-5, c + " grad x");
            if (eval) assertArrayEquals(G.get("encoder_eval.mask_out").toIntArray(), o.mask().toIntArray(), "mask");
        }
    }

    // ---- gradient checks -------------------------------------------------------------------------

    @Test
    void attentionGradientsBothVariants() {
        Tensor mask = lengthMask(3, 3, 2);
        for (Variant v : Variant.values()) {
            RelPositionMultiHeadedAttention att = new RelPositionMultiHeadedAttention(2, 4, 0f, v, new Generator(8));
            int rows = v == Variant.WENET ? 3 : 5;
            Generator g = new Generator(9);
            grad(in -> att.forward(in[0], in[0], in[0], mask, in[1]), g.randn(2, 3, 4), g.randn(1, rows, 4));
            // Cross-attention shapes (separate key/value) without a mask, WeNet variant only (no rel_shift).
            if (v == Variant.WENET) grad(in -> att.forward(in[0], in[1], in[2], null, in[3]),
                    g.randn(1, 2, 4), g.randn(1, 3, 4), g.randn(1, 3, 4), g.randn(1, 3, 4));
        }
    }

    /**
     * The WeNet variant with a (N, 1, T2) key padding mask runs fused; the same mask expanded to
     * (N, T1, T2) runs the composition. Two modules built from one seed must agree in training
     * (the same dropout masks) in value and gradients.
     */
    @Test
    void fusedPathEqualsTheCompositionInTraining() {
        RelPositionMultiHeadedAttention fused = new RelPositionMultiHeadedAttention(2, 8, 0.25f, Variant.WENET, new Generator(21));
        RelPositionMultiHeadedAttention composed = new RelPositionMultiHeadedAttention(2, 8, 0.25f, Variant.WENET, new Generator(21));
        Tensor mask = lengthMask(6, 6, 4);
        Generator g = new Generator(22);
        Tensor x1 = g.randn(2, 6, 8).requiresGrad(true), x2 = x1.detach().copy().requiresGrad(true);
        Tensor p1 = g.randn(1, 6, 8).requiresGrad(true), p2 = p1.detach().copy().requiresGrad(true);
        Tensor gy = g.randn(2, 6, 8);
        Tensor y1 = fused.forward(x1, x1, x1, mask, p1);
        Tensor y2 = composed.forward(x2, x2, x2, mask.expand(2, 6, 6), p2);
        close(y2, y1, TOL, "output");
        y1.backward(gy);
        y2.backward(gy);
        close(x2.grad(), x1.grad(), TOL, "grad x");
        close(p2.grad(), p1.grad(), TOL, "grad pos_emb");
        for (String name : new String[] {"pos_bias_u", "pos_bias_v", "linear_pos.weight"}) {
            close(composed.namedParameters().get(name).grad(), fused.namedParameters().get(name).grad(), TOL, "grad " + name);
        }
        fused.eval();
        assertTrue(fused.forward(x1, x1, x1, mask, p1).sub(y1).abs().max().item() > 1e-3, "dropout had no effect");
    }

    @Test
    void convolutionModuleGradients() {
        ConvolutionModule conv = new ConvolutionModule(2, 3, new Generator(10));
        Tensor mask = lengthMask(4, 4, 3);
        grad(in -> conv.forward(in[0], mask), new Generator(11).randn(2, 4, 2));
        conv.eval();
        grad(in -> conv.forward(in[0], null), new Generator(12).randn(2, 4, 2));
    }

    @Test
    void subsamplingGradients() {
        Conv2dSubsampling4 sub = new Conv2dSubsampling4(7, 2, new RelPositionalEncoding(2, 0f, Variant.WENET, new Generator(13)),
                new Generator(13));
        Tensor mask = lengthMask(11, 11);
        grad(in -> sub.forward(in[0], mask).x(), new Generator(14).randn(1, 11, 7));
    }

    @Test
    void feedForwardLayerAndEncoderGradients() {
        Generator g = new Generator(19);
        PositionwiseFeedForward ff = new PositionwiseFeedForward(3, 5, 0f, Activation.silu(), g);
        grad(in -> ff.forward(in[0]), g.randn(2, 3));
        RelPositionalEncoding pe = new RelPositionalEncoding(4, 0f, Variant.ESPNET, g);
        grad(in -> pe.forward(in[0]).x(), g.randn(1, 3, 4));
        ConformerEncoder.Config c = new ConformerEncoder.Config(7, 4, 2, 6, 1, 3, 0f, 0f, 0f, Variant.WENET, 1e-5f);
        ConformerEncoderLayer layer = new ConformerEncoderLayer(c, g);
        Tensor mask = lengthMask(3, 3, 2);
        Tensor pos = RelPositionalEncoding.sinusoids(4, 0, 1, 3).unsqueeze(0);
        grad(in -> layer.forward(in[0], mask, pos, mask), g.randn(2, 3, 4));
        ConformerEncoder enc = new ConformerEncoder(c, g);
        Tensor lengths = Tensor.ofInts(new int[] {11, 10}, 2);
        grad(in -> enc.forward(in[0], lengths).output(), g.randn(2, 11, 7));
    }

    // ---- published sizes -------------------------------------------------------------------------

    @Test
    void wenetAndPaddleParameterCountsAndShapes() {
        ConformerEncoder wenet = ConformerEncoder.wenet256(new Generator(15));
        assertEquals(33_464_832L, wenet.parameterCount());
        Map<String, Tensor> s = wenet.stateDict();
        assertArrayEquals(new int[] {256, 1, 3, 3}, s.get("embed.conv.0.weight").shape());
        assertArrayEquals(new int[] {256, 256 * 19}, s.get("embed.out.0.weight").shape());
        assertArrayEquals(new int[] {4, 64}, s.get("encoders.0.self_attn.pos_bias_u").shape());
        assertArrayEquals(new int[] {256, 256}, s.get("encoders.11.self_attn.linear_pos.weight").shape());
        assertFalse(s.containsKey("encoders.0.self_attn.linear_pos.bias"));
        assertArrayEquals(new int[] {256, 1, 15}, s.get("encoders.3.conv_module.depthwise_conv.weight").shape());
        assertTrue(s.containsKey("encoders.0.norm_ff_macaron.weight") && s.containsKey("after_norm.bias"));
        wenet = null;

        ConformerEncoder paddle = ConformerEncoder.paddle512(new Generator(16));
        assertEquals(83_133_440L, paddle.parameterCount());
        paddle.eval();
        try (GradMode g = GradMode.noGrad()) {
            ConformerEncoder.Output o = paddle.forward(new Generator(17).randn(1, 366, 80), Tensor.ofInts(new int[] {366}, 1));
            assertArrayEquals(new int[] {1, 90, 512}, o.output().shape());
            assertArrayEquals(new int[] {90}, o.lengths().toIntArray());
            for (float v : o.output().toFloatArray()) assertTrue(Float.isFinite(v));
        }
    }

    // ---- bad input -------------------------------------------------------------------------------

    @Test
    void badShapesNameTheLayer() {
        Generator g = new Generator(18);
        RelPositionMultiHeadedAttention att = new RelPositionMultiHeadedAttention(2, 4, 0f, Variant.ESPNET, g);
        Tensor x = g.randn(1, 3, 4);
        var e1 = assertThrows(IllegalArgumentException.class, () -> att.forward(x, x, x, null, g.randn(1, 3, 4)));
        assertTrue(e1.getMessage().contains("RelPositionMultiHeadedAttention") && e1.getMessage().contains("(1 or 1, 5, 4)"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> att.forward(g.randn(1, 3, 5), x, x, null, g.randn(1, 5, 4)));
        assertTrue(e2.getMessage().contains("[1, 3, 5]"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> att.forward(x, x, x, Tensor.ones(1, 1, 3), g.randn(1, 5, 4)));
        assertTrue(e3.getMessage().contains("mask must be bool"), e3.getMessage());

        var e4 = assertThrows(IllegalArgumentException.class,
                () -> new ConvolutionModule(4, 3, g).forward(g.randn(1, 5, 3), null));
        assertTrue(e4.getMessage().startsWith("ConvolutionModule") && e4.getMessage().contains("[1, 5, 3]"), e4.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConvolutionModule(4, 4, g));

        Conv2dSubsampling4 sub = new Conv2dSubsampling4(9, 2, new RelPositionalEncoding(2, 0f, Variant.WENET, g), g);
        var e5 = assertThrows(IllegalArgumentException.class, () -> sub.forward(g.randn(1, 10, 8), lengthMask(10, 10)));
        assertTrue(e5.getMessage().contains("Conv2dSubsampling4") && e5.getMessage().contains("[1, 10, 8]"), e5.getMessage());

        ConformerEncoder enc = new ConformerEncoder(new ConformerEncoder.Config(9, 4, 2, 8, 1, 3, 0f, 0f, 0f, Variant.WENET, 1e-5f), g);
        var e6 = assertThrows(IllegalArgumentException.class, () -> enc.forward(g.randn(2, 12, 9), Tensor.ofInts(new int[] {12, 13}, 2)));
        assertTrue(e6.getMessage().contains("ConformerEncoder") && e6.getMessage().contains("13"), e6.getMessage());
        var e7 = assertThrows(IllegalArgumentException.class, () -> enc.forward(g.randn(2, 12, 9), Tensor.of(12f, 12f)));
        assertTrue(e7.getMessage().contains("int32"), e7.getMessage());
        var e8 = assertThrows(IllegalArgumentException.class, () -> new PositionwiseFeedForward(4, 8, 0f, Activation.silu(), g)
                .forward(g.randn(2, 3)));
        assertTrue(e8.getMessage().contains("PositionwiseFeedForward"), e8.getMessage());
        assertEquals(DType.BOOL, lengthMask(4, 2).dtype());
        var e9 = assertThrows(IllegalArgumentException.class, () -> new RelPositionalEncoding(4, 0f, Variant.WENET, g).forward(g.randn(1, 3, 5)));
        assertTrue(e9.getMessage().contains("RelPositionalEncoding") && e9.getMessage().contains("[1, 3, 5]"), e9.getMessage());
        ConformerEncoderLayer layer = new ConformerEncoderLayer(new ConformerEncoder.Config(7, 4, 2, 6, 1, 3, 0f, 0f, 0f, Variant.WENET, 1e-5f), g);
        var e10 = assertThrows(IllegalArgumentException.class, () -> layer.forward(g.randn(1, 3, 6), null, g.randn(1, 3, 4), null));
        assertTrue(e10.getMessage().contains("ConformerEncoderLayer") && e10.getMessage().contains("[1, 3, 6]"), e10.getMessage());
    }
}
