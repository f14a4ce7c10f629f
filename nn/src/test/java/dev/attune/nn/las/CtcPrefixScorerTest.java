package dev.attune.nn.las;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.CtcLoss;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CTC prefix scores against CtcLoss and against enumerating every frame labelling. */
class CtcPrefixScorerTest {

    private static float[] randomLogProbs(long seed, int frames, int vocab) {
        return F.logSoftmax(new Generator(seed).randn(1, frames, vocab).mul(2f), 2).toFloatArray();
    }

    private static CtcPrefixScorer.Prefix spell(CtcPrefixScorer s, int... labels) {
        CtcPrefixScorer.Prefix p = s.initial();
        for (int c : labels) p = s.extend(p, c);
        return p;
    }

    @Test
    void fullScoreOfASequenceIsMinusCtcLoss() {
        int frames = 12, vocab = 6, blank = 0;
        float[] lp = randomLogProbs(3, frames, vocab);
        CtcPrefixScorer s = new CtcPrefixScorer(lp, frames, vocab, blank);
        Tensor logProbs = Tensor.of(lp, 1, frames, vocab);
        for (int[] y : new int[][] {{1, 2, 2, 3}, {4}, {5, 1, 5}, {3, 3, 3, 3, 3, 3}, {1, 2, 3, 4, 5, 1, 2}}) {
            double loss = CtcLoss.forward(logProbs, new int[] {frames}, new int[][] {y}, blank).item();
            assertEquals(-loss, s.full(spell(s, y)), 1e-4 * Math.max(1, loss), java.util.Arrays.toString(y));
        }
        // the empty sequence: all blanks
        double blanks = 0;
        for (int t = 0; t < frames; t++) blanks += lp[t * vocab + blank];
        assertEquals(blanks, s.full(s.initial()), 1e-9);
    }

    /** Collapses a frame labelling: repeats merged, then blanks dropped. */
    private static List<Integer> collapse(int[] path, int blank) {
        List<Integer> out = new ArrayList<>();
        int prev = -1;
        for (int k : path) {
            if (k != prev && k != blank) out.add(k);
            prev = k;
        }
        return out;
    }

    @Test
    void prefixScoreSumsEveryLabellingThatBeginsWithThePrefix() {
        int frames = 5, vocab = 3, blank = 0;
        float[] lp = randomLogProbs(7, frames, vocab);
        CtcPrefixScorer s = new CtcPrefixScorer(lp, frames, vocab, blank);
        List<List<Integer>> prefixes = List.of(List.of(1), List.of(2), List.of(1, 1), List.of(1, 2), List.of(2, 1, 2), List.of(1, 2, 1, 2));
        double[] prefixSum = new double[prefixes.size()], exactSum = new double[prefixes.size()];
        int paths = (int) Math.pow(vocab, frames);
        for (int code = 0; code < paths; code++) {
            int[] path = new int[frames];
            double logP = 0;
            for (int t = 0, c = code; t < frames; t++, c /= vocab) {
                path[t] = c % vocab;
                logP += lp[t * vocab + path[t]];
            }
            List<Integer> y = collapse(path, blank);
            for (int i = 0; i < prefixes.size(); i++) {
                List<Integer> g = prefixes.get(i);
                if (y.size() >= g.size() && y.subList(0, g.size()).equals(g)) prefixSum[i] += Math.exp(logP);
                if (y.equals(g)) exactSum[i] += Math.exp(logP);
            }
        }
        for (int i = 0; i < prefixes.size(); i++) {
            int[] g = prefixes.get(i).stream().mapToInt(Integer::intValue).toArray();
            CtcPrefixScorer.Prefix p = spell(s, g);
            assertEquals(Math.log(prefixSum[i]), p.score(), 1e-6, "prefix " + prefixes.get(i));
            assertEquals(Math.log(exactSum[i]), s.full(p), 1e-6, "full " + prefixes.get(i));
            // the scores of all one-symbol extensions agree with extend, and <eos> takes the full score
            CtcPrefixScorer.Prefix parent = spell(s, java.util.Arrays.copyOf(g, g.length - 1));
            double[] ext = s.extensionScores(parent, -1);
            assertEquals(p.score(), ext[g[g.length - 1]], 1e-12, "extensionScores " + prefixes.get(i));
            assertEquals(CtcPrefixScorer.NEG_INF, ext[blank]);
            assertEquals(s.full(p), s.extensionScores(p, 2)[2], 0.0, "the end symbol gets the full score");
        }
        // "1 2 1 2" needs 4 of the 5 frames: still possible, but less likely than its prefix "1 2"
        assertTrue(spell(s, 1, 2, 1, 2).score() < spell(s, 1, 2).score());
    }

    @Test
    void aPrefixLongerThanTheFramesIsImpossible() {
        CtcPrefixScorer s = new CtcPrefixScorer(randomLogProbs(9, 2, 4), 2, 4, 3);
        assertEquals(CtcPrefixScorer.NEG_INF, spell(s, 0, 1, 2).score(), 0.0);
        assertEquals(CtcPrefixScorer.NEG_INF, s.full(spell(s, 1, 1)), 0.0, "a repeat needs a blank between: 3 frames");
        assertTrue(s.full(spell(s, 1, 2)) > CtcPrefixScorer.NEG_INF);
    }

    @Test
    void badArgumentsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new CtcPrefixScorer(new float[6], 2, 3, 3));
        assertTrue(e.getMessage().contains("CtcPrefixScorer: blank must be in [0, 3), got 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CtcPrefixScorer(new float[5], 2, 3, 0));
        assertTrue(e.getMessage().contains("2 frames, 3 symbols, 5 values"), e.getMessage());
        CtcPrefixScorer s = new CtcPrefixScorer(new float[6], 2, 3, 0);
        e = assertThrows(IllegalArgumentException.class, () -> s.extend(s.initial(), 3));
        assertTrue(e.getMessage().contains("CtcPrefixScorer.extend: the label must be in [0, 3), got 3"), e.getMessage());
        CtcPrefixScorer.Prefix viaBlank = s.extend(s.extend(s.initial(), 0), 1);
        assertEquals(CtcPrefixScorer.NEG_INF, viaBlank.score(), 0.0, "a prefix with the blank as a label stays impossible");
        assertEquals(CtcPrefixScorer.NEG_INF, s.full(viaBlank), 0.0);
    }
}
