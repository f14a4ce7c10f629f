package dev.attune.nn;

import static dev.attune.nn.ConformerChecks.close;
import static dev.attune.nn.ConformerChecks.grad;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * torchaudio's ConformerLayer and Conformer against golden tensors from torchaudio itself
 * (src/test/resources/golden/conformer_torchaudio.py), plus gradient checks, sizes and errors.
 */
class ConformerLayerTest {
    private static final ConformerChecks G = ConformerChecks.open("conformer_torchaudio.safetensors");

    @Test
    void layerMatchesTorchaudioInEvalAndTrain() {
        for (String c : new String[] {"layer", "layer_train"}) {
            ConformerLayer layer = new ConformerLayer(16, 32, 4, 7, 0f, new Generator(1));
            layer.loadStateDict(G.state("layer"), true);
            if (c.equals("layer")) layer.eval();
            Tensor x = G.leaf(c + ".x");
            Tensor y = layer.forward(x, G.get("layer.key_padding_mask"));
            close(G.get(c + ".y"), y, 1e-5, c + " output");
            y.backward(G.get(c + ".gy"));
            close(G.get(c + ".grad_x"), x.grad(), 1e-5, c + " grad x");
        }
    }

    @Test
    void conformerMatchesTorchaudio() {
        Conformer enc = new Conformer(16, 4, 32, 2, 7, 0f, new Generator(2));
        enc.loadStateDict(G.state("conformer"), true);
        enc.eval();
        Tensor x = G.leaf("conformer.x");
        Conformer.Output o = enc.forward(x, G.get("conformer.lengths"));
        close(G.get("conformer.y"), o.output(), 1e-5, "conformer output");
        assertArrayEquals(new int[] {9, 6}, o.lengths().toIntArray());
        o.output().backward(G.get("conformer.gy"));
        close(G.get("conformer.grad_x"), x.grad(), 1e-5, "conformer grad x");
    }

    @Test
    void encodeWithMaskEqualsForwardWithLengths() {
        Conformer enc = new Conformer(8, 2, 12, 1, 3, 0f, new Generator(3));
        enc.eval();
        Tensor x = new Generator(4).randn(2, 5, 8);
        Tensor viaLengths = enc.forward(x, Tensor.ofInts(new int[] {5, 3}, 2)).output();
        Tensor viaMask = enc.encode(x, Tensor.ofBools(new boolean[] {false, false, false, false, false, false, false, false, true, true}, 2, 5));
        close(viaLengths, viaMask, 0, "encode vs forward");
        // Without padding, a mask of all false and no mask agree.
        close(enc.encode(x, null), enc.encode(x, Tensor.ofBools(new boolean[10], 2, 5)), 0, "null mask");
    }

    @Test
    void maskedConvolutionMakesRealFramesIndependentOfPadding() {
        Generator g = new Generator(12);
        Tensor x = g.randn(1, 5, 8);
        // The same utterance padded to 8 frames with the HW4 padding value -20.
        Tensor padded = Tensor.cat(1, x, Tensor.full(-20f, 1, 3, 8));
        for (boolean masked : new boolean[] {false, true}) {
            Conformer enc = new Conformer(8, 2, 12, 2, 5, 0.1f, masked, new Generator(13));
            enc.eval();
            Tensor alone = enc.encode(x, null);
            Tensor inBatch = enc.encode(padded, Tensor.ofBools(new boolean[] {false, false, false, false, false, true, true, true}, 1, 8))
                    .narrow(1, 0, 5);
            if (masked) {
                close(alone, inBatch, 1e-5, "real frames with and without padding");
            } else {
                // torchaudio's behaviour: the last real frames see the padding through the depthwise kernel.
                float worst = 0;
                float[] a = alone.toFloatArray(), b = inBatch.toFloatArray();
                for (int k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
                assertTrue(worst > 1e-2, "padding should leak without the mask, worst difference " + worst);
            }
        }
    }

    @Test
    void gradientsOfATinyLayerInTraining() {
        ConformerLayer layer = new ConformerLayer(4, 6, 2, 3, 0f, new Generator(5));
        Tensor mask = Tensor.ofBools(new boolean[] {false, false, false, false, false, true}, 2, 3);
        grad(in -> layer.forward(in[0], mask), new Generator(6).randn(3, 2, 4));
        layer.eval();
        grad(in -> layer.forward(in[0], null), new Generator(7).randn(3, 2, 4));
        ConformerLayer masked = new ConformerLayer(4, 6, 2, 3, 0f, true, new Generator(5));
        grad(in -> masked.forward(in[0], mask), new Generator(6).randn(3, 2, 4));
    }

    @Test
    void namesAndParameterCounts() {
        ConformerLayer layer = ConformerLayer.conformerLayer80(new Generator(8));
        assertEquals(131_472L, layer.parameterCount());
        List<String> keys = List.copyOf(new ConformerLayer(4, 6, 2, 3, 0f, new Generator(9)).stateDict().keySet());
        assertEquals(List.of("ffn1.sequential.0.weight", "ffn1.sequential.0.bias", "ffn1.sequential.1.weight", "ffn1.sequential.1.bias",
                "ffn1.sequential.4.weight", "ffn1.sequential.4.bias", "self_attn_layer_norm.weight", "self_attn_layer_norm.bias",
                "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                "conv_module.layer_norm.weight", "conv_module.layer_norm.bias", "conv_module.sequential.0.weight",
                "conv_module.sequential.0.bias", "conv_module.sequential.2.weight", "conv_module.sequential.2.bias",
                "conv_module.sequential.3.weight", "conv_module.sequential.3.bias", "conv_module.sequential.3.running_mean",
                "conv_module.sequential.3.running_var", "conv_module.sequential.3.num_batches_tracked", "conv_module.sequential.5.weight",
                "conv_module.sequential.5.bias", "ffn2.sequential.0.weight", "ffn2.sequential.0.bias", "ffn2.sequential.1.weight",
                "ffn2.sequential.1.bias", "ffn2.sequential.4.weight", "ffn2.sequential.4.bias", "final_layer_norm.weight",
                "final_layer_norm.bias"), keys);
        Conformer enc = new Conformer(80, 4, 256, 3, 31, 0.1f, new Generator(10));
        assertEquals(3 * 131_472L, enc.parameterCount());
        assertTrue(enc.stateDict().containsKey("conformer_layers.2.conv_module.sequential.2.weight"));
        // The hw4-strong/hw4-boss encoder (d 160, 4 heads, ffn 640, 3 layers, kernel 31); torchaudio counts the same.
        assertEquals(1_795_680L, new Conformer(160, 4, 640, 3, 31, 0.1f, true, new Generator(11)).parameterCount());
    }

    @Test
    void badInputNamesTheLayer() {
        Generator g = new Generator(11);
        ConformerLayer layer = new ConformerLayer(4, 6, 2, 3, 0f, g);
        var e1 = assertThrows(IllegalArgumentException.class, () -> layer.forward(g.randn(3, 2, 5), null));
        assertTrue(e1.getMessage().startsWith("ConformerLayer") && e1.getMessage().contains("[3, 2, 5]"), e1.getMessage());
        Conformer enc = new Conformer(4, 2, 6, 1, 3, 0f, g);
        var e2 = assertThrows(IllegalArgumentException.class, () -> enc.forward(g.randn(2, 3, 4), Tensor.ofInts(new int[] {3, 0}, 2)));
        assertTrue(e2.getMessage().startsWith("Conformer") && e2.getMessage().contains("1..3"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> enc.encode(g.randn(2, 3, 4), Tensor.ofBools(new boolean[3], 1, 3)));
        assertTrue(e3.getMessage().contains("(2, 3)") && e3.getMessage().contains("[1, 3]"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> new ConformerLayer.ConvolutionModule(4, 3, 0f, g).forward(g.randn(2, 4), null));
        assertTrue(e4.getMessage().startsWith("ConvolutionModule"), e4.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConformerLayer(4, 6, 2, 4, 0f, g));
    }
}
