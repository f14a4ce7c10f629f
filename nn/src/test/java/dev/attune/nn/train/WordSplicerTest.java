package dev.attune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Word splicing: cutting at pauses, the pieces' bounds, synthetic utterances and their transcripts. */
class WordSplicerTest {
    /**
     * Frames of 3 bins: -1 (quiet) everywhere except the loud frames [start, end) of each word,
     * where every bin holds that word's value (so pieces can be recognised in the output).
     */
    private static float[][] utterance(int frames, int[][] words, float[] values) {
        float[][] x = new float[frames][3];
        for (float[] row : x) Arrays.fill(row, -1f);
        for (int k = 0; k < words.length; k++) {
            for (int t = words[k][0]; t < words[k][1]; t++) Arrays.fill(x[t], values[k]);
        }
        return x;
    }

    @Test
    void cutsAtPausesWithMarginsThatStopHalfWayThroughThePause() {
        // words at [20, 40), [46, 70), [100, 115) in 130 frames; with equal levels the smoothed
        // loudness crosses 0 exactly at the words' edges
        float[][] x = utterance(130, new int[][] {{20, 40}, {46, 70}, {100, 115}}, new float[] {1, 1, 1});
        int[][] spans = WordSplicer.wordSpans(x, 3);
        assertArrayEquals(new int[] {20 - 8, 43}, spans[0]);   // the pause [40, 46) is split at its middle, 43
        assertArrayEquals(new int[] {43, 70 + 8}, spans[1]);
        assertArrayEquals(new int[] {100 - 8, 115 + 8}, spans[2]);
        // at threshold -0.25 the runs widen by a frame, the first pause shrinks to 4 < MIN_PAUSE frames, and two words remain
        int[][] two = WordSplicer.wordSpans(x, 2);
        assertArrayEquals(new int[] {19 - 8, 71 + 8}, two[0]);
        assertArrayEquals(new int[] {99 - 8, 116 + 8}, two[1]);
        assertNull(WordSplicer.wordSpans(x, 4), "no threshold gives 4 words");
        // a pause shorter than MIN_PAUSE does not separate words; a run shorter than MIN_WORD is not a word
        float[][] joined = utterance(100, new int[][] {{10, 30}, {32, 50}, {70, 75}}, new float[] {1, 1, 1});
        int[][] one = WordSplicer.wordSpans(joined, 1);
        assertArrayEquals(new int[] {2, 58}, one[0]);
        assertThrows(IllegalArgumentException.class, () -> WordSplicer.wordSpans(x, 0));
    }

    @Test
    void synthesizesWordSequencesWithTheirTranscripts() {
        List<float[][]> feats = new ArrayList<>();
        feats.add(utterance(80, new int[][] {{10, 30}, {50, 70}}, new float[] {1, 2}));
        feats.add(utterance(80, new int[][] {{12, 28}, {48, 66}}, new float[] {2, 2}));
        feats.add(utterance(60, new int[][] {{10, 30}, {40, 45}}, new float[] {1, 1}));   // second word too short: skipped
        WordSplicer s = new WordSplicer(new LasTrainer.Data(feats, List.of("yes no", "no no", "yes yes")));
        assertEquals(4, s.pieces());
        assertEquals(1, s.skipped());
        assertEquals(2, s.minWords());
        assertEquals(2, s.maxWords());

        LasTrainer.Data syn = s.synthesize(50, 1, 4, 11);
        assertEquals(50, syn.size());
        int[] seen = new int[5];
        for (int i = 0; i < syn.size(); i++) {
            String[] words = syn.transcripts().get(i).split(" ");
            seen[words.length]++;
            // the loud frames spell the transcript: value 1 is "yes", 2 is "no"
            StringBuilder spelled = new StringBuilder();
            float previous = -1;
            for (float[] row : syn.features().get(i)) {
                if (row[0] > 0 && row[0] != previous) spelled.append(spelled.isEmpty() ? "" : " ").append(row[0] == 1 ? "yes" : "no");
                previous = row[0];
            }
            assertEquals(syn.transcripts().get(i), spelled.toString());
        }
        for (int k = 1; k <= 4; k++) assertTrue(seen[k] > 0, "word count " + k + " drawn: " + Arrays.toString(seen));
        assertEquals(syn.transcripts(), s.synthesize(50, 1, 4, 11).transcripts(), "same seed, same utterances");

        LasTrainer.Data aug = s.augmented(5, 2, 2, 3);
        assertEquals(8, aug.size());
        assertEquals(List.of("yes no", "no no", "yes yes"), aug.transcripts().subList(0, 3));
        for (String t : aug.transcripts().subList(3, 8)) assertEquals(2, t.split(" ").length);
        assertThrows(IllegalArgumentException.class, () -> s.synthesize(1, 3, 2, 0));
    }

    @Test
    void refusesATrainingSetWithNoCuttableUtterance() {
        float[][] flat = new float[40][3];
        var e = assertThrows(IllegalArgumentException.class, () -> new WordSplicer(new LasTrainer.Data(List.<float[][]>of(flat), List.of("yes no"))));
        assertTrue(e.getMessage().startsWith("WordSplicer: none of the 1"), e.getMessage());
    }
}
