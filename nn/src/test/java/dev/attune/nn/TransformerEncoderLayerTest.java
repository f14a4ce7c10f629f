package dev.attune.nn;

import static dev.attune.nn.AttentionGolden.close;
import static dev.attune.nn.AttentionGolden.get;
import static dev.attune.nn.AttentionGolden.leaf;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** TransformerEncoderLayer and TransformerEncoder against torch (golden/attention.py), eval mode with a key padding mask. */
class TransformerEncoderLayerTest {
    private static final double TOL = 1e-5;

    @ParameterizedTest
    @CsvSource({"false, relu", "false, gelu", "true, relu", "true, gelu"})
    void matchesTorch(boolean normFirst, String activation) {
        String c = "tel_" + (normFirst ? "pre" : "post") + "_" + activation;
        boolean batchFirst = Boolean.parseBoolean(AttentionGolden.meta(c + ".batch_first").toLowerCase());
        TransformerEncoderLayer layer = AttentionGolden.load(
                new TransformerEncoderLayer(8, 2, 16, 0.1f, activation, 1e-5f, batchFirst, normFirst, new Generator(1)), c);
        Tensor x = leaf(c + ".x");
        Tensor y = layer.forward(x, get(c + ".kpm"));
        close(get(c + ".y"), y, TOL, c + " output");
        y.backward(get(c + ".gy"));
        close(get(c + ".grad_x"), x.grad(), TOL, c + " grad x");
        AttentionGolden.parameterGradients(layer, c, TOL);
    }

    @Test
    void childrenAndParameterNamesAreTorchs() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(80, 2, 256, 0.1f, new Generator(1));
        assertEquals(List.of("self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"),
                List.copyOf(layer.children().keySet()));
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"),
                List.copyOf(layer.stateDict().keySet()));
        assertEquals(67_536, layer.parameterCount());   // the HW4 sample's encoder layer
    }

    @Test
    void encoderStackWithFinalNormMatchesTorch() {
        String c = "encoder";
        TransformerEncoder enc = AttentionGolden.load(new TransformerEncoder(
                i -> new TransformerEncoderLayer(8, 2, 16, 0.1f, "relu", 1e-5f, true, true, new Generator(i)), 2, new LayerNorm(8, 1e-5f)), c);
        assertTrue(enc.stateDict().containsKey("layers.1.self_attn.in_proj_weight"));
        assertTrue(enc.stateDict().containsKey("norm.weight"));
        Tensor x = leaf(c + ".x");
        Tensor y = enc.forward(x, get(c + ".kpm"));
        close(get(c + ".y"), y, TOL, "output");
        y.backward(get(c + ".gy"));
        close(get(c + ".grad_x"), x.grad(), TOL, "grad x");
        AttentionGolden.parameterGradients(enc, c, TOL);
    }

    @Test
    void paddingDoesNotChangeValidFrames() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(4, 2, 8, 0.1f, "gelu", 1e-5f, true, false, new Generator(2));
        layer.eval();
        Tensor x = new Generator(3).randn(1, 3, 4);
        Tensor padded = Tensor.cat(1, x, new Generator(4).randn(1, 2, 4));
        Tensor full = layer.forward(x, null);
        Tensor masked = layer.forward(padded, Masks.padding(new int[] {3}, 5)).narrow(1, 0, 3);
        close(full, masked, 1e-5, "valid frames");
    }

    @Test
    void gradientsMatchCentralDifferences() {
        for (boolean normFirst : new boolean[] {false, true}) {
            TransformerEncoderLayer layer = new TransformerEncoderLayer(4, 2, 6, 0.1f, "gelu", 1e-5f, true, normFirst, new Generator(5));
            layer.eval();
            Tensor kpm = Tensor.ofBools(new boolean[] {false, false, false, false, false, true}, 2, 3);
            AttentionGolden.gradCheck(in -> layer.forward(in[0], kpm), new Generator(6).randn(2, 3, 4));
        }
    }

    @Test
    void badInputNamesTheLayer() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 2, 16, 0.1f, new Generator(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.forward(Tensor.zeros(5, 2, 6), null));
        assertTrue(e.getMessage().contains("TransformerEncoderLayer") && e.getMessage().contains("8") && e.getMessage().contains("[5, 2, 6]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TransformerEncoderLayer(8, 2, 16, 0.1f, "tanh", 1e-5f, false, false, new Generator(1)));
        assertTrue(e.getMessage().contains("relu or gelu"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TransformerEncoder(i -> null, 0, null));
    }
}
