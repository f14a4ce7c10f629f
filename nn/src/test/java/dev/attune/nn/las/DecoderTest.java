package dev.attune.nn.las;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Greedy decoding and beam search on small random models: width 1 equals greedy, wider beams score no worse, limits hold. */
class DecoderTest {

    private static Las model(Las.AttentionKind kind, long seed) {
        return new Las(new Las.Config(8, 16, 1, 16, 2, 8, 16, CharVocab.size(), kind, 3, 2, CharVocab.SOS, CharVocab.EOS, CharVocab.PAD),
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
