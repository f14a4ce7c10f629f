package dev.attune.nn.las;

import static dev.attune.nn.RnnChecks.close;
import static dev.attune.nn.RnnChecks.get;
import static dev.attune.nn.RnnChecks.gradCheck;
import static dev.attune.nn.RnnChecks.weightedSum;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.LSTMState;
import dev.attune.nn.Parameter;
import dev.attune.nn.RnnChecks;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.SafetensorsFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The LAS parts against a plain-PyTorch statement of the same model (golden/las.py), central
 * differences for attention and one speller step, shapes through las-small, and bad input.
 */
class LasTest {
    private static SafetensorsFile golden;

    @BeforeAll
    static void load() {
        golden = RnnChecks.golden("las.safetensors");
    }

    private static Tensor g(String name) {
        return get(golden, name);
    }

    /** The tiny model of las.py: input 4, listener 3 with 2 pyramid layers, speller 5 x 2, embedding 3, attention 4, vocab 7. */
    private static Las tiny(Las.AttentionKind kind) {
        return new Las(new Las.Config(4, 3, 2, 5, 2, 3, 4, 7, kind, 2, 1, 1, 2, 0, 0f), new Generator(1));
    }

    private static void matchesTorch(String kase, Las.AttentionKind kind) {
        Las las = tiny(kind);
        las.loadStateDict(RnnChecks.withPrefix(golden, kase + ".w."), true);
        Tensor x = g("x").copy().requiresGrad(true);
        Speller.Output out = las.forward(x, g("lengths").toIntArray(), g("targets"), 1f, new Generator(2));
        // Tolerance 1e-5 relative, as for single layers; the graph is ~100 ops deep.
        close(g(kase + ".logits"), out.logits(), 1e-5, kase + " logits");
        close(g(kase + ".weights"), out.weights(), 1e-5, kase + " attention weights");
        weightedSum(out.logits(), g(kase + ".glogits"), out.weights(), g(kase + ".gweights")).backward();
        close(g(kase + ".grad_x"), x.grad(), 1e-5, kase + " grad of x");
        for (Map.Entry<String, Parameter> e : las.namedParameters().entrySet()) {
            close(g(kase + ".grad." + e.getKey()), e.getValue().grad(), 1e-5, kase + " grad of " + e.getKey());
        }
    }

    @Test
    void dotAttentionModelMatchesTorch() {
        matchesTorch("dot", Las.AttentionKind.DOT);
    }

    @Test
    void locationAwareModelMatchesTorch() {
        matchesTorch("loc", Las.AttentionKind.LOCATION);
    }

    @Test
    void smallModelShapesAndParameterCount() {
        Las las = Las.small(CharVocab.size(), new Generator(3));
        Tensor x = new Generator(4).randn(3, 37, 40);
        int[] lengths = {37, 20, 13};
        Encoded h = las.listen(x, lengths);
        assertArrayEquals(new int[] {3, 9, 256}, h.values().shape());
        assertArrayEquals(new int[] {9, 5, 3}, h.lengths());
        Tensor targets = CharVocab.targets(List.of("ab c", "it's", "z"));
        assertArrayEquals(new int[] {3, 5}, targets.shape());
        Speller.Output out = las.forward(x, lengths, targets, 0.9f, new Generator(5));
        assertArrayEquals(new int[] {3, 5, CharVocab.size()}, out.logits().shape());
        assertArrayEquals(new int[] {3, 5, 9}, out.weights().shape());
        float[] w = out.weights().toFloatArray();
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < 5; i++) {
                double sum = 0;
                for (int u = 0; u < 9; u++) {
                    float v = w[(b * 5 + i) * 9 + u];
                    if (u >= h.lengths()[b]) assertEquals(0f, v, "weight past the end of utterance " + b);
                    sum += v;
                }
                assertEquals(1.0, sum, 1e-5);
            }
        }
        // Listener: BLSTM(40, 128) + 2 x BLSTM(512, 128); speller: Embedding(V, 128), LSTM(128 + 256, 256) x 2,
        // phi Linear(256, 128), psi Linear(256, 128), Linear(512, 256), Linear(256, V).
        long listener = blstm(40, 128) + 2 * blstm(512, 128);
        for (int vocab : new int[] {30, 31}) {
            long speller = 128L * vocab + lstm(384, 256) + lstm(256, 256) + 2 * (256 * 128 + 128) + (512 * 256 + 256) + (256L * vocab + vocab);
            assertEquals(listener + speller, Las.small(vocab, new Generator(1)).parameterCount(), "vocab " + vocab);
        }
        // The same modules built in torch (golden/las.py's classes) count 2,881,310 and 2,881,695.
        assertEquals(2_881_310L, Las.small(30, new Generator(1)).parameterCount());
        assertEquals(2_881_695L, Las.small(31, new Generator(1)).parameterCount());
        // las-tiny: BLSTM 64 on 40 dims, 3 pyramid BLSTMs 64 on 256, embedding 31 x 32, speller LSTM(160, 128),
        // phi and psi Linear(128, 64), Linear(256, 128), Linear(128, 31).
        long tinyListener = blstm(40, 64) + 3 * blstm(256, 64);
        long tinySpeller = 31 * 32 + lstm(160, 128) + 2 * (128 * 64 + 64) + (256 * 128 + 128) + (128 * 31 + 31);
        Las tiny = new Las(Las.Config.byName("las-tiny", 40), new Generator(1));
        assertEquals(tinyListener + tinySpeller, tiny.parameterCount());
        assertEquals(751_743L, tiny.parameterCount());
        assertEquals(8, tiny.listener().reduction());
        assertEquals(List.of("listener.rnn.weight_ih_l0", "listener.rnn.weight_hh_l0"),
                las.stateDict().keySet().stream().limit(2).toList());
        assertTrue(las.stateDict().containsKey("listener.pyramid.1.rnn.bias_hh_l0_reverse"));
        assertTrue(las.stateDict().containsKey("speller.rnn.weight_hh_l1"));
        assertTrue(las.stateDict().containsKey("speller.attention.phi.weight"));
        assertTrue(las.stateDict().containsKey("speller.character_distribution.2.bias"));
    }

    private static long lstm(int in, int h) {
        return 4L * h * (in + h) + 8L * h;
    }

    private static long blstm(int in, int h) {
        return 2 * lstm(in, h);
    }

    @Test
    void pyramidHalvesTimeForOddAndEvenLengths() {
        PyramidalBLSTM p = new PyramidalBLSTM(2, 3, new Generator(6));
        Tensor odd = new Generator(7).randn(2, 7, 2), even = new Generator(8).randn(2, 8, 2);
        Encoded a = p.forward(odd, new int[] {7, 5});
        assertArrayEquals(new int[] {2, 3, 6}, a.values().shape());
        assertArrayEquals(new int[] {3, 2}, a.lengths());
        Encoded b = p.forward(even, null);
        assertArrayEquals(new int[] {2, 4, 6}, b.values().shape());
        assertArrayEquals(new int[] {4, 4}, b.lengths());
        // Row t of the paired input is frames 2t and 2t+1 side by side; the odd last frame is gone.
        Tensor pairs = PyramidalBLSTM.pairFrames(odd);
        assertArrayEquals(new int[] {2, 3, 4}, pairs.shape());
        close(Tensor.cat(1, odd.select(1, 4), odd.select(1, 5)), pairs.select(1, 2), 0, "pair 2");
        // The second utterance's output past its halved length is 0.
        close(Tensor.zeros(1, 6), a.values().select(0, 1).narrow(0, 2, 1), 0, "padding output");
        Listener listener = new Listener(2, 3, 3, 0f, new Generator(9));
        assertEquals(8, listener.reduction());
        Encoded h = listener.forward(new Generator(10).randn(2, 17, 2), new int[] {17, 8});
        assertArrayEquals(new int[] {2, 2, 6}, h.values().shape());
        assertArrayEquals(new int[] {2, 1}, h.lengths());
        // two pyramid layers (las-tiny with --pyramid-layers 2): T/4 states, lengths floored twice
        Las four = new Las(Las.Config.tiny(CharVocab.size()).withInputDim(2).withListenerLayers(2), new Generator(11));
        assertEquals(2, four.config().listenerLayers());
        assertEquals(4, four.listener().reduction());
        assertFalse(four.stateDict().containsKey("listener.pyramid.2.rnn.weight_ih_l0"));
        Encoded q = four.listen(new Generator(12).randn(2, 17, 2), new int[] {17, 7});
        assertArrayEquals(new int[] {2, 4, 128}, q.values().shape());
        assertArrayEquals(new int[] {4, 1}, q.lengths());
    }

    @Test
    void attentionGradientsMatchCentralDifferences() {
        int[] lengths = {4, 3};
        Generator g = new Generator(11);
        for (Attention att : List.of(new DotAttention(3, 5, 4, new Generator(12)),
                new LocationAwareAttention(3, 5, 4, 2, 1, new Generator(13)))) {
            gradCheck(in -> {
                Attention.Result r = att.forward(in[0], att.prepare(in[1], lengths), in[2]);
                return Tensor.cat(1, r.context(), r.weights());
            }, g.randn(2, 3), g.randn(2, 4, 5), g.rand(2, 4));
        }
    }

    @Test
    void spellerStepGradientsMatchCentralDifferences() {
        Speller sp = new Speller(5, 2, 3, 2, 4, new LocationAwareAttention(3, 4, 3, 2, 1, new Generator(14)), 1, 2, 0, 0f, new Generator(15));
        Generator g = new Generator(16);
        int[] lengths = {3, 2};
        Tensor tokens = Tensor.ofInts(new int[] {1, 4}, 2);
        gradCheck(in -> {
            Speller.State s = new Speller.State(new LSTMState(in[1], in[2]), in[3], in[4],
                    sp.attention().prepare(in[0], lengths));
            Speller.Step step = sp.step(s, tokens);
            return Tensor.cat(1, step.logits(), step.weights(), step.state().rnn().h().transpose(0, 1).reshape(2, -1),
                    step.state().context());
        }, g.randn(2, 3, 4), g.randn(2, 2, 3), g.randn(2, 2, 3), g.randn(2, 4), g.rand(2, 3));
    }

    @Test
    void stepApiReproducesTeacherForcingAndGreedyDecoding() {
        Las las = tiny(Las.AttentionKind.LOCATION);
        Tensor x = g("x");
        int[] lengths = g("lengths").toIntArray();
        Tensor targets = g("targets");
        Encoded h = las.listen(x, lengths);
        Speller sp = las.speller();
        for (float ratio : new float[] {1f, 0f}) {
            Speller.Output whole = las.forward(x, lengths, targets, ratio, new Generator(17));
            Speller.State state = sp.initialState(h.values(), h.lengths());
            Tensor prev = Tensor.ofInts(new int[] {sp.sosId(), sp.sosId()}, 2);
            for (int i = 0; i < 4; i++) {
                Speller.Step s = sp.step(state, prev);
                close(whole.logits().select(1, i), s.logits(), 1e-6, "ratio " + ratio + " step " + i);
                close(whole.weights().select(1, i), s.weights(), 1e-6, "ratio " + ratio + " weights " + i);
                state = s.state();
                prev = ratio == 1f ? targets.select(1, i).contiguous() : s.logits().argmax(1, false);
            }
        }
        // Selecting batch rows (as beam search does) gives the same step for those rows.
        Speller.State state = sp.initialState(h.values(), h.lengths());
        Tensor sos = Tensor.ofInts(new int[] {1, 1}, 2);
        Speller.Step both = sp.step(state, sos);
        Speller.Step swapped = sp.step(state.select(new int[] {1, 0}), sos);
        close(both.logits().select(0, 1), swapped.logits().select(0, 0), 1e-6, "row 1 after reorder");
        close(both.weights().select(0, 0), swapped.weights().select(0, 1), 1e-6, "row 0 after reorder");
    }

    /**
     * Dropout draws nothing at initialisation (the parameters equal those of the same seed without
     * it), changes nothing in evaluation, and in training zeroes listener states: with p = 0.5 about
     * half of them (kept ones scaled by 2).
     */
    @Test
    void dropoutActsOnlyInTraining() {
        Las.Config c = new Las.Config(4, 3, 2, 5, 2, 3, 4, 7, Las.AttentionKind.DOT, 2, 1, 1, 2, 0, 0f);
        Las plain = new Las(c, new Generator(1));
        Las dropped = new Las(c.withDropout(0.5f), new Generator(1));
        assertEquals(0.5f, dropped.config().dropout());
        for (Map.Entry<String, Tensor> e : plain.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), dropped.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
        Tensor x = g("x");
        int[] lengths = g("lengths").toIntArray();
        plain.eval();
        dropped.eval();
        assertArrayEquals(plain.forward(x, lengths, g("targets"), 1f, null).logits().toFloatArray(),
                dropped.forward(x, lengths, g("targets"), 1f, null).logits().toFloatArray());
        dropped.train();
        plain.train();
        float[] a = plain.forward(x, lengths, g("targets"), 1f, null).logits().toFloatArray();
        float[] b = dropped.forward(x, lengths, g("targets"), 1f, null).logits().toFloatArray();
        assertFalse(java.util.Arrays.equals(a, b), "training logits differ under dropout");
        Tensor big = new Generator(3).randn(4, 64, 4);
        float[] h = dropped.listen(big, null).values().toFloatArray();
        float[] ref = plain.listen(big, null).values().toFloatArray();
        int zeros = 0;
        for (float v : h) if (v == 0f) zeros++;
        assertEquals(0.5, (double) zeros / h.length, 0.1, "share of dropped listener states");
        assertEquals(h.length, ref.length);
        var e = assertThrows(IllegalArgumentException.class, () -> c.withDropout(1f));
        assertTrue(e.getMessage().contains("Las.Config: dropout must be in [0, 1), got 1.0"), e.getMessage());
    }

    @Test
    void charVocabulary() {
        assertEquals(31, CharVocab.size());
        assertArrayEquals(new int[] {12, 9, 3, 4, 23}, CharVocab.encode("He 'S"));
        assertEquals("he's", CharVocab.decode(new int[] {1, 12, 9, 4, 23, 2, 5, 5}));
        assertEquals("<eos>", CharVocab.symbol(CharVocab.EOS));
        Tensor t = CharVocab.targets(List.of("ab", "a"));
        assertArrayEquals(new int[] {5, 6, 2, 5, 2, 0}, t.toIntArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CharVocab.encode("a1"));
        assertTrue(e.getMessage().contains("'1'"), e.getMessage());
    }

    @Test
    void badInputIsRejected() {
        Las las = tiny(Las.AttentionKind.DOT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> las.listen(Tensor.zeros(2, 9, 5), null));
        assertTrue(e.getMessage().contains("Listener") && e.getMessage().contains("[2, 9, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> las.listen(Tensor.zeros(2, 9, 4), new int[] {9, 3}));
        assertTrue(e.getMessage().contains("Listener") && e.getMessage().contains("[9, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> las.listen(Tensor.zeros(2, 3, 4), null));
        e = assertThrows(IllegalArgumentException.class, () -> new PyramidalBLSTM(2, 3, new Generator(1)).forward(Tensor.zeros(1, 1, 2), null));
        assertTrue(e.getMessage().contains("PyramidalBLSTM") && e.getMessage().contains("[1, 1, 2]"), e.getMessage());
        Tensor x = g("x");
        int[] lengths = g("lengths").toIntArray();
        e = assertThrows(IllegalArgumentException.class, () -> las.forward(x, lengths, Tensor.ofInts(new int[] {3, 4, 5}, 3), 1f, null));
        assertTrue(e.getMessage().contains("Speller") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> las.forward(x, lengths, Tensor.ofInts(new int[] {3, 9}, 2, 1), 1f, null));
        assertTrue(e.getMessage().contains("9"), e.getMessage());
        DotAttention att = new DotAttention(3, 5, 4, new Generator(1));
        Attention.Memory m = att.prepare(Tensor.zeros(2, 4, 5), new int[] {4, 4});
        e = assertThrows(IllegalArgumentException.class, () -> att.forward(Tensor.zeros(2, 4), m, Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("DotAttention") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 4]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> att.prepare(Tensor.zeros(2, 4, 6), new int[] {4, 4}));
        assertTrue(e.getMessage().contains("[2, 4, 6]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> att.prepare(Tensor.zeros(2, 4, 5), new int[] {4, 5}));
        assertThrows(IllegalArgumentException.class, () -> new Speller(7, 3, 6, 2, 5, att, 1, 2, 0, 0f, new Generator(1)));
        assertThrows(IllegalArgumentException.class, () -> new Las.Config(40, 0, 2, 256, 2, 128, 128, 31, Las.AttentionKind.DOT, 10, 50, 1, 2, 0, 0f));
    }
}
