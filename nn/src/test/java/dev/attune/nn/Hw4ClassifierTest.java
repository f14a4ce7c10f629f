package dev.attune.nn;

import static dev.attune.nn.AttentionGolden.close;
import static dev.attune.nn.AttentionGolden.get;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.GradMode;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HW4 classifier family: the course sample against PyTorch, parameter counts, padding, heads and pooling switches. */
class Hw4ClassifierTest {

    @Test
    void simpleHasTheCourseSamplesParameters() {
        Hw4Classifier m = new Hw4Classifier(Hw4Config.simple(), new Generator(0));
        assertEquals(125_896, m.parameterCount());
        assertEquals(67_536, ((Module) m.children().get("encoder_layer")).parameterCount());
        assertEquals(List.of("prenet", "encoder_layer", "pred_layer"), List.copyOf(m.children().keySet()));
        assertTrue(m.stateDict().keySet().containsAll(List.of("prenet.weight", "encoder_layer.self_attn.in_proj_weight",
                "pred_layer.0.weight", "pred_layer.2.weight", "pred_layer.2.bias")));
    }

    @Test
    void mediumIsAThreeLayerStack() {
        Hw4Classifier m = new Hw4Classifier(Hw4Config.medium(), new Generator(0));
        // prenet 6,560 + 3 layers x 309,280 + pred_layer 25,760 + 96,600.
        assertEquals(1_056_760, m.parameterCount());
        assertTrue(m.stateDict().containsKey("encoder.layers.2.linear2.weight"));
        assertFalse(m.stateDict().containsKey("encoder.norm.weight"));
    }

    /** The course sample code in PyTorch, with formula weights (see attention.py), in eval mode on a (3, 50, 40) batch. */
    @Test
    void simpleMatchesTheCourseSampleInTorch() {
        Hw4Classifier m = new Hw4Classifier(Hw4Config.simple(), new Generator(0));
        Map<String, Tensor> torchState = new LinkedHashMap<>();
        String[] entries = AttentionGolden.meta("hw4_simple.state").split(";");
        for (int p = 0; p < entries.length; p++) {
            String[] nameShape = entries[p].split(":");
            String[] dims = nameShape[1].split("x");
            int[] shape = new int[dims.length];
            for (int d = 0; d < dims.length; d++) shape[d] = Integer.parseInt(dims[d]);
            torchState.put(nameShape[0], formulaValues(p, nameShape[0], shape));
        }
        assertEquals(List.copyOf(torchState.keySet()), List.copyOf(m.stateDict().keySet()), "state_dict order");
        assertEquals("125896", AttentionGolden.meta("hw4_simple.parameters"));
        m.loadStateDict(torchState, true);
        close(get("hw4_simple.probe"), m.stateDict().get("pred_layer.2.weight").narrow(0, 7, 1).narrow(1, 0, 5).reshape(5), 0,
                "weight formula");
        m.eval();
        try (var g = GradMode.noGrad()) {
            Tensor logits = m.logits(get("hw4_simple.mels"), null);
            close(get("hw4_simple.logits"), logits, 1e-5, "logits");
        }
    }

    /** Element i of parameter p: offset + (2u - 1) * scale, u = (splitmix64(p * 1000003 + i) >>> 40) / 2^24, as attention.py. */
    private static Tensor formulaValues(int p, String name, int[] shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double scale = shape.length == 2 ? 1.0 / Math.sqrt(shape[1]) : 0.1;
        double offset = name.contains("norm") && name.endsWith("weight") ? 1.0 : 0.0;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            long z = (long) p * 1000003L + i + 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            v[i] = (float) (offset + (2.0 * (z >>> 40) / 16777216.0 - 1.0) * scale);
        }
        return Tensor.of(v, shape);
    }

    private static Hw4Config tiny(Hw4Config.Pooling pooling, Hw4Config.Head head, int layers) {
        return new Hw4Config("tiny", 4, 2, 6, layers, 3, 5, 0.1f, pooling, head, Hw4Config.Encoder.TRANSFORMER, 31, 30f, 0.4f);
    }

    @Test
    void paddedBatchGivesTheLogitsOfEachUtterance() {
        for (Hw4Config.Pooling pooling : Hw4Config.Pooling.values()) {
            Hw4Classifier m = new Hw4Classifier(tiny(pooling, Hw4Config.Head.LINEAR, 2), new Generator(1));
            m.eval();
            Generator g = new Generator(2);
            Tensor a = g.randn(1, 6, 3), b = g.randn(1, 4, 3);
            Tensor batch = Tensor.cat(0, a, Tensor.cat(1, b, Tensor.full(-20f, 1, 2, 3)));
            Tensor logits = m.logits(batch, new int[] {6, 4});
            close(m.logits(a, null), logits.narrow(0, 0, 1), 1e-5, pooling + " first");
            close(m.logits(b, null), logits.narrow(0, 1, 1), 1e-5, pooling + " second (padded)");
        }
    }

    @Test
    void attentionPoolingAndAmSoftmaxSwitches() {
        Hw4Classifier m = new Hw4Classifier(tiny(Hw4Config.Pooling.ATTENTION, Hw4Config.Head.AMSOFTMAX, 1), new Generator(3));
        assertEquals(List.of("prenet", "encoder_layer", "pooling", "pred_layer", "am_softmax"), List.copyOf(m.children().keySet()));
        List<String> keys = new ArrayList<>(m.stateDict().keySet());
        assertTrue(keys.containsAll(List.of("pooling.W.weight", "pooling.W.bias", "pred_layer.0.weight", "am_softmax.weight")), keys.toString());
        Tensor mels = new Generator(4).randn(2, 5, 3);
        Tensor logits = m.logits(mels, new int[] {5, 3});
        assertArrayEquals(new int[] {2, 5}, logits.shape());
        assertTrue(logits.abs().max().item() <= 30f + 1e-4f, "AM-softmax logits are s*cos");
        Tensor loss = m.loss(mels, new int[] {5, 3}, Tensor.ofInts(new int[] {1, 4}, 2));
        assertTrue(Float.isFinite(loss.item()) && loss.item() > 0f);
    }

    @Test
    void lossGradientsReachTheInput() {
        Hw4Classifier m = new Hw4Classifier(tiny(Hw4Config.Pooling.MEAN, Hw4Config.Head.LINEAR, 1), new Generator(5));
        m.eval();
        Tensor labels = Tensor.ofInts(new int[] {0, 3}, 2);
        AttentionGolden.gradCheck(in -> m.loss(in[0], new int[] {3, 2}, labels), new Generator(6).randn(2, 3, 3));
    }

    @Test
    void configsByNameAndTheConformerModels() {
        assertEquals(Hw4Config.medium(), Hw4Config.byName("HW4-medium"));
        assertEquals(Hw4Config.Encoder.CONFORMER, Hw4Config.byName("hw4-boss").encoder());
        assertEquals(Hw4Config.Head.AMSOFTMAX, Hw4Config.boss().head());
        assertThrows(IllegalArgumentException.class, () -> Hw4Config.byName("hw5"));
        Hw4Classifier strong = new Hw4Classifier(Hw4Config.strong(), new Generator(0));
        assertInstanceOf(Conformer.class, strong.children().get("encoder"));
        assertEquals(1_924_600, strong.parameterCount());
        Hw4Classifier boss = new Hw4Classifier(Hw4Config.boss(), new Generator(0));
        assertEquals(1_924_161, boss.parameterCount());
        boss.eval();
        try (var g = dev.attune.tensor.GradMode.noGrad()) {
            assertArrayEquals(new int[] {2, 600}, boss.logits(new Generator(1).randn(2, 9, 40), new int[] {9, 5}).shape());
        }
        assertThrows(IllegalArgumentException.class, () -> new Hw4Config("bad", 10, 3, 8, 1, 40, 600, 0.1f, Hw4Config.Pooling.MEAN,
                Hw4Config.Head.LINEAR, Hw4Config.Encoder.TRANSFORMER, 31, 30f, 0.4f));
    }

    @Test
    void badInputNamesTheModel() {
        Hw4Classifier m = new Hw4Classifier(tiny(Hw4Config.Pooling.MEAN, Hw4Config.Head.LINEAR, 1), new Generator(7));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.logits(Tensor.zeros(2, 5, 40), null));
        assertTrue(e.getMessage().contains("Hw4Classifier") && e.getMessage().contains("(N, T, 3)") && e.getMessage().contains("[2, 5, 40]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.logits(Tensor.zeros(2, 5, 3), new int[] {5}));
        assertTrue(e.getMessage().contains("lengths"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.logits(Tensor.zeros(2, 5, 3), new int[] {5, 6}));
        assertTrue(e.getMessage().contains("[1, 5]"), e.getMessage());
    }
}
