package dev.attune.nn.las;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.CtcLoss;
import dev.attune.nn.Linear;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Greedy decoding and beam search on small random models: width 1 equals greedy, wider beams score no worse, limits hold. */
class DecoderTest {

    private static Las model(Las.AttentionKind kind, long seed) {
        return new Las(new Las.Config(8, 16, 1, 16, 2, 8, 16, CharVocab.size(), kind, 3, 2, CharVocab.SOS, CharVocab.EOS, CharVocab.PAD, 0f),
                new Generator(seed));
    }

    @Test
    void beamOfWidthOneEqualsGreedy() {
        for (Las.AttentionKind kind : Las.AttentionKind.values()) {
            Las las = model(kind, 11);
            Tensor x = new Generator(12).randn(1, 30, 8);
            Decoder.Hypothesis g = Decoder.greedy(las, x, null, 15).get(0);
            Decoder.Hypothesis b = Decoder.beamSearch(las, x, 1, 15, 1.0);
            assertArrayEquals(g.tokens(), b.tokens(), kind + " tokens");
            assertEquals(g.logProb(), b.logProb(), 0.0, kind + " log p");
            assertEquals(g.ended(), b.ended());
            assertEquals(g.alignment().length, b.alignment().length);
            for (int i = 0; i < g.alignment().length; i++) assertArrayEquals(g.alignment()[i], b.alignment()[i], kind + " alignment row " + i);
            assertEquals(15, g.alignment()[0].length, "rows span the 30/2 listener states");
        }
    }

    @Test
    void greedyStopsAtEosAndRespectsTheLengthLimit() {
        Las las = model(Las.AttentionKind.DOT, 21);
        var bias = las.namedParameters().get("speller.character_distribution.2.bias");
        float[] v = bias.value().toFloatArray();
        Tensor x = new Generator(22).randn(2, 24, 8);
        List<Decoder.Hypothesis> cut = Decoder.greedy(las, x, new int[] {24, 16}, 5);
        for (Decoder.Hypothesis h : cut) {
            assertTrue(h.length() <= 5, "at most 5 symbols, got " + h.length());
            assertEquals(h.length(), h.alignment().length);
            if (!h.ended()) assertEquals(5, h.tokens().length);
        }
        assertEquals(12, cut.get(0).alignment()[0].length);
        assertEquals(8, cut.get(1).alignment()[0].length, "rows cover only the valid listener states");
        // make <eos> the certain first choice: raise its output bias
        v[CharVocab.EOS] += 100f;
        try (GradMode _ = GradMode.noGrad()) {
            bias.value().copyFrom(Tensor.of(v, v.length));
        }
        for (Decoder.Hypothesis h : Decoder.greedy(las, x, new int[] {24, 16}, 5)) {
            assertTrue(h.ended());
            assertEquals(0, h.tokens().length);
            assertEquals(1, h.length());
            assertEquals("", h.text());
        }
        Decoder.Hypothesis b = Decoder.beamSearch(las, x.narrow(0, 0, 1), 3, 5, 0.0);
        assertTrue(b.ended() && b.tokens().length == 0);
    }

    @Test
    void wideBeamScoresAtLeastGreedyAndStaysWithinTheLimit() {
        for (long seed = 31; seed < 34; seed++) {
            Las las = model(Las.AttentionKind.LOCATION, seed);
            Tensor x = new Generator(seed + 100).randn(1, 20, 8);
            Decoder.Hypothesis g = Decoder.greedy(las, x, null, 6).get(0);
            Decoder.Hypothesis b = Decoder.beamSearch(las, x, 4, 6, 0.0);
            assertTrue(b.score(0) >= g.score(0), "seed " + seed + ": beam " + b.score(0) + " < greedy " + g.score(0));
            assertTrue(b.length() <= 6);
        }
    }

    /** Symbols of the hand-written next-symbol tables below. */
    private static final int EOS = 0, A = 1, B = 2, C = 3, SOS = 4, V = 5;

    /**
     * A {@link Decoder.Stepper} whose next-symbol probabilities are a function of the prefix
     * (a string of 'a', 'b', 'c'); symbols it gives no probability get 1e-9.
     */
    private static final class TableStepper implements Decoder.Stepper {
        private final java.util.function.Function<String, Map<Integer, Double>> table;
        private List<String> prefixes = List.of(""), stepped = List.of();
        int steps;

        TableStepper(java.util.function.Function<String, Map<Integer, Double>> table) {
            this.table = table;
        }

        @Override
        public float[] step(int[] previous) {
            steps++;
            List<String> now = new ArrayList<>();
            float[] lp = new float[previous.length * V];
            for (int r = 0; r < previous.length; r++) {
                String prefix = prefixes.get(r) + (previous[r] == SOS ? "" : Character.toString('a' + previous[r] - A));
                now.add(prefix);
                Map<Integer, Double> p = table.apply(prefix);
                for (int v = 0; v < V; v++) lp[r * V + v] = (float) Math.log(p.getOrDefault(v, 1e-9));
            }
            stepped = now;
            return lp;
        }

        @Override
        public float[] weights(int row) {
            return new float[0];
        }

        @Override
        public void select(int[] rows) {
            List<String> kept = new ArrayList<>();
            for (int r : rows) kept.add(stepped.get(r));
            prefixes = kept;
        }
    }

    /**
     * The bug this pins: the search used to stop as soon as {@code beamWidth} hypotheses had ended.
     * Here "b" and "aa" end (improbably) by step 3 while "aaa" is still live; stopping there
     * returned "b" (p 0.27), although "aaaa" (p 0.43, also greedy's answer) was one step from ending.
     */
    @Test
    void searchDoesNotStopWhenBeamWidthHypothesesHaveEnded() {
        java.util.function.Function<String, Map<Integer, Double>> table = prefix -> {
            if (prefix.isEmpty()) return Map.of(A, 0.5, B, 0.3, C, 0.2);
            if (prefix.startsWith("a")) return prefix.length() < 4 ? Map.of(A, 0.95, EOS, 0.05) : Map.of(EOS, 1.0);
            return Map.of(EOS, 0.9, B, 0.1);
        };
        for (double alpha : new double[] {0, 0.5, 1}) {
            for (int width : new int[] {1, 2, 4}) {
                Decoder.Hypothesis h = Decoder.search(new TableStepper(table), V, SOS, EOS, width, 10, alpha);
                assertArrayEquals(new int[] {A, A, A, A}, h.tokens(), "width " + width + ", alpha " + alpha);
                assertTrue(h.ended());
                assertEquals(Math.log(0.5) + 3 * Math.log(0.95), h.logProb(), 1e-5);
                assertEquals(5, h.alignment().length, "one row per symbol, <eos> included");
            }
        }
    }

    /** A loop cut at the length limit has the better normalised score, but an ended hypothesis exists, so it wins. */
    @Test
    void anEndedHypothesisBeatsOneCutAtTheLengthLimit() {
        java.util.function.Function<String, Map<Integer, Double>> table = prefix -> {
            if (prefix.isEmpty()) return Map.of(A, 0.4, B, 0.6);
            if (prefix.startsWith("a")) return Map.of(EOS, 1.0);
            return Map.of(B, 0.99, EOS, 0.01);
        };
        Decoder.Hypothesis h = Decoder.search(new TableStepper(table), V, SOS, EOS, 2, 4, 1.0);
        assertArrayEquals(new int[] {A}, h.tokens());
        assertTrue(h.ended());
        // "bbbb" cut: log(0.6 * 0.99^3) / 4 = -0.135 > "a<eos>": log(0.4) / 2 = -0.458
        assertTrue(Math.log(0.6 * Math.pow(0.99, 3)) / 4 > h.score(1.0));
        Decoder.Hypothesis greedy = Decoder.search(new TableStepper(table), V, SOS, EOS, 1, 4, 1.0);
        assertArrayEquals(new int[] {B, B, B, B}, greedy.tokens(), "width 1 has no ended hypothesis and returns the cut one");
        assertFalse(greedy.ended());
    }

    /**
     * With a beam wide enough to hold every prefix, the search (with its early stop) returns the
     * best-scoring ended sequence of all, found here by enumerating them, for every alpha.
     */
    @Test
    void wideEnoughSearchFindsTheExactOptimumDespiteTheEarlyStop() {
        java.util.function.Function<String, Map<Integer, Double>> table = prefix -> {
            Random r = new Random(prefix.hashCode() * 7919L + 17);
            double[] w = new double[V - 1];
            double sum = 0;
            for (int v = 0; v < V - 1; v++) sum += w[v] = Math.exp(3 * r.nextGaussian());
            Map<Integer, Double> p = new java.util.HashMap<>();
            for (int v = 0; v < V - 1; v++) p.put(v, w[v] / sum);
            return p;
        };
        int maxLength = 5;
        for (double alpha : new double[] {0, 0.5, 1, 2}) {
            double bestScore = Double.NEGATIVE_INFINITY;
            String bestText = null;
            List<String> prefixes = new ArrayList<>(List.of(""));
            for (int len = 0; len < maxLength; len++) {
                List<String> longer = new ArrayList<>();
                for (String prefix : prefixes) {
                    double lp = 0;
                    for (int k = 0; k <= prefix.length(); k++) {
                        int symbol = k < prefix.length() ? prefix.charAt(k) - 'a' + A : EOS;
                        lp += Math.log((float) table.apply(prefix.substring(0, k)).get(symbol).doubleValue());
                    }
                    double score = lp / Math.pow(prefix.length() + 1, alpha);
                    if (score > bestScore) {
                        bestScore = score;
                        bestText = prefix;
                    }
                    for (char c = 'a'; c <= 'c'; c++) longer.add(prefix + c);
                }
                prefixes = longer;
            }
            TableStepper stepper = new TableStepper(table);
            Decoder.Hypothesis h = Decoder.search(stepper, V, SOS, EOS, 1000, maxLength, alpha);
            StringBuilder text = new StringBuilder();
            for (int t : h.tokens()) text.append((char) ('a' + t - A));
            assertEquals(bestText, text.toString(), "alpha " + alpha);
            assertEquals(bestScore, h.score(alpha), 1e-4, "alpha " + alpha);
        }
    }

    @Test
    void jointSearchWithCtcWeightZeroEqualsAttentionAlone() {
        for (Las.AttentionKind kind : Las.AttentionKind.values()) {
            Las las = model(kind, 61);
            Linear head = new Linear(2 * 16, CharVocab.size(), new Generator(62));
            Tensor x = new Generator(63).randn(1, 30, 8);
            for (int width : new int[] {1, 3}) {
                Decoder.Hypothesis a = Decoder.beamSearch(las, x, width, 15, 1.0);
                Decoder.Hypothesis j = Decoder.beamSearch(las, head, 0.0, x, width, 15, 1.0);
                assertArrayEquals(a.tokens(), j.tokens(), kind + " width " + width);
                assertEquals(a.logProb(), j.logProb(), 0.0, kind + " width " + width);
                assertEquals(a.ended(), j.ended());
            }
        }
        // the same on the hand-written tables, through the search itself with a CTC scorer present
        java.util.function.Function<String, Map<Integer, Double>> table = prefix -> prefix.length() < 3
                ? Map.of(A, 0.5, B, 0.3, EOS, 0.2) : Map.of(EOS, 0.7, C, 0.3);
        CtcPrefixScorer ctc = new CtcPrefixScorer(F.logSoftmax(new Generator(64).randn(4, V), 1).toFloatArray(), 4, V, SOS);
        for (int width : new int[] {1, 2, 5}) {
            Decoder.Hypothesis a = Decoder.search(new TableStepper(table), V, SOS, EOS, width, 6, 0.5);
            Decoder.Hypothesis j = Decoder.search(new TableStepper(table), ctc, 0.0, V, SOS, EOS, width, 6, 0.5);
            assertArrayEquals(a.tokens(), j.tokens(), "width " + width);
            assertEquals(a.logProb(), j.logProb(), 0.0, "width " + width);
        }
    }

    /**
     * Attention prefers "a" (p 0.6 * 0.9), CTC hears a "b" in the first of three frames (blank
     * being {@code SOS} here): with lambda 0.5 the joint score picks "b", and its score is
     * {@code 0.5 log p_att("b") + 0.5 log p_ctc("b")} with p_ctc from {@link CtcLoss}.
     */
    @Test
    void ctcChangesTheAnswer() {
        java.util.function.Function<String, Map<Integer, Double>> table = prefix -> {
            if (prefix.isEmpty()) return Map.of(A, 0.6, B, 0.4);
            return Map.of(EOS, 0.9, B, 0.1);
        };
        // frames x {EOS, A, B, C, blank}
        float[][] p = {{0.01f, 0.02f, 0.9f, 0.01f, 0.06f}, {0.01f, 0.02f, 0.02f, 0.01f, 0.94f}, {0.01f, 0.02f, 0.02f, 0.01f, 0.94f}};
        float[] lp = new float[3 * V];
        for (int t = 0; t < 3; t++) for (int v = 0; v < V; v++) lp[t * V + v] = (float) Math.log(p[t][v]);
        CtcPrefixScorer ctc = new CtcPrefixScorer(lp, 3, V, SOS);
        Decoder.Hypothesis attention = Decoder.search(new TableStepper(table), ctc, 0.0, V, SOS, EOS, 2, 5, 1.0);
        assertArrayEquals(new int[] {A}, attention.tokens());
        Decoder.Hypothesis joint = Decoder.search(new TableStepper(table), ctc, 0.5, V, SOS, EOS, 2, 5, 1.0);
        assertArrayEquals(new int[] {B}, joint.tokens());
        assertTrue(joint.ended());
        double ctcB = -CtcLoss.forward(Tensor.of(lp, 1, 3, V), new int[] {3}, new int[][] {{B}}, SOS).item();
        assertEquals(0.5 * (Math.log(0.4f) + Math.log(0.9f)) + 0.5 * ctcB, joint.logProb(), 1e-5);
        // CTC alone agrees
        assertArrayEquals(new int[] {B}, Decoder.search(new TableStepper(table), ctc, 1.0, V, SOS, EOS, 1, 5, 1.0).tokens());
    }

    @Test
    void jointSearchArgumentsAreChecked() {
        Las las = model(Las.AttentionKind.DOT, 71);
        Tensor x = new Generator(72).randn(1, 10, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> Decoder.beamSearch(las, null, 0.3, x, 2, 5, 1.0));
        assertTrue(e.getMessage().contains("Decoder.beamSearch: a CTC weight of 0.3 needs a CTC head, got none"), e.getMessage());
        Linear head = new Linear(2 * 16, CharVocab.size(), new Generator(73));
        e = assertThrows(IllegalArgumentException.class, () -> Decoder.beamSearch(las, head, 1.5, x, 2, 5, 1.0));
        assertTrue(e.getMessage().contains("the CTC weight must be in [0, 1], got 1.5"), e.getMessage());
        Linear narrow = new Linear(16, CharVocab.size(), new Generator(73));
        e = assertThrows(IllegalArgumentException.class, () -> Decoder.beamSearch(las, narrow, 0.3, x, 2, 5, 1.0));
        assertTrue(e.getMessage().contains("the CTC head maps 16 to " + CharVocab.size() + " features, expected listener width 32"), e.getMessage());
        assertTrue(Decoder.beamSearch(las, head, 0.3, x, 2, 5, 1.0).length() <= 5);
    }

    @Test
    void greedyOnABatchEqualsGreedyOnEachUtterance() {
        Las las = model(Las.AttentionKind.DOT, 41);
        Tensor x = new Generator(42).randn(3, 20, 8);
        int[] lengths = {20, 13, 8};
        List<Decoder.Hypothesis> batch = Decoder.greedy(las, x, lengths, 7);
        for (int b = 0; b < 3; b++) {
            Decoder.Hypothesis one = Decoder.greedy(las, x.narrow(0, b, 1).narrow(1, 0, lengths[b]), null, 7).get(0);
            assertArrayEquals(one.tokens(), batch.get(b).tokens(), "utterance " + b);
            assertEquals(one.logProb(), batch.get(b).logProb(), 1e-4, "utterance " + b);
        }
    }

    @Test
    void lengthNormalisationDividesByLengthToTheAlpha() {
        Decoder.Hypothesis h = new Decoder.Hypothesis(new int[] {5, 6, 7}, -8.0, true, new float[4][1]);
        assertEquals(4, h.length());
        assertEquals(-8.0, h.score(0), 0);
        assertEquals(-2.0, h.score(1), 1e-12);
        assertEquals(-4.0, h.score(0.5), 1e-12);
        assertEquals("abc", h.text(), "ids 5, 6, 7 are a, b, c");
    }

    @Test
    void badArgumentsAreNamed() {
        Las las = model(Las.AttentionKind.DOT, 51);
        Tensor x = new Generator(52).randn(2, 10, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> Decoder.beamSearch(las, x, 2, 5, 1.0));
        assertTrue(e.getMessage().contains("Decoder.beamSearch") && e.getMessage().contains("[2, 10, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Decoder.beamSearch(las, x.narrow(0, 0, 1), 0, 5, 1.0));
        assertTrue(e.getMessage().contains("beam width must be >= 1, got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Decoder.greedy(las, x, null, 0));
        assertTrue(e.getMessage().contains("Decoder.greedy: maxLength must be >= 1, got 0"), e.getMessage());
    }
}
