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
    void fragmentsPrependTheEndOfAWordPieceOutsideTheTranscript() {
        List<float[][]> feats = new ArrayList<>();
        feats.add(utterance(80, new int[][] {{10, 30}, {50, 70}}, new float[] {1, 2}));
        feats.add(utterance(80, new int[][] {{12, 28}, {48, 66}}, new float[] {2, 2}));
        WordSplicer s = new WordSplicer(new LasTrainer.Data(feats, List.of("yes no", "no no")));
        LasTrainer.Data plain = s.synthesize(40, 1, 3, 11), none = s.synthesize(40, 1, 3, 0, 11);
        assertEquals(plain.transcripts(), none.transcripts(), "probability 0 draws what the plain synthesis draws");
        for (int i = 0; i < 40; i++) assertArrayEquals(plain.features().get(i), none.features().get(i));

        LasTrainer.Data all = s.synthesize(40, 1, 3, 1, 11);
        for (int i = 0; i < all.size(); i++) {
            float[][] x = all.features().get(i);
            // the fragment is a piece's last f frames: its word's end, then the piece's quiet margin (MARGIN frames, one
            // more after a word of level 2: its smoothed loudness stays above 0 a frame past its end); when f exceeds
            // the word and the margin (16 to 20 + 8 frames here), a few quiet frames before the word come first
            int first = 0;
            while (x[first][0] < 0) first++;
            int end = first;
            while (x[end][0] > 0) end++;
            assertTrue(first <= 4 && end >= WordSplicer.FRAGMENT_MIN - WordSplicer.MARGIN - 1 && end <= WordSplicer.FRAGMENT_MAX - WordSplicer.MARGIN,
                    "utterance " + i + " begins with loud frames [" + first + ", " + end + ")");
            // the words after the fragment spell the transcript, which leaves the fragment out
            assertEquals(all.transcripts().get(i), spelled(x, end));
        }
        LasTrainer.Data half = s.synthesize(200, 1, 3, 0.5, 11);
        int starting = 0;
        for (int i = 0; i < half.size(); i++) {
            String words = spelled(half.features().get(i), 0);
            if (!words.equals(half.transcripts().get(i))) {
                starting++;
                assertTrue(words.endsWith(" " + half.transcripts().get(i)), words + " vs " + half.transcripts().get(i));
            }
        }
        assertTrue(starting > 70 && starting < 130, starting + " of 200 begin with a fragment");
        var e = assertThrows(IllegalArgumentException.class, () -> s.synthesize(1, 1, 2, 1.5, 0));
        assertTrue(e.getMessage().contains("fragment probability must be in [0, 1], got 1.5"), e.getMessage());
    }

    /** The words that the loud frames of x from frame {@code from} on spell: value 1 is "yes", 2 is "no". */
    private static String spelled(float[][] x, int from) {
        StringBuilder out = new StringBuilder();
        float previous = -1;
        for (int t = from; t < x.length; t++) {
            if (x[t][0] > 0 && x[t][0] != previous) out.append(out.isEmpty() ? "" : " ").append(x[t][0] == 1 ? "yes" : "no");
            previous = x[t][0];
        }
        return out.toString();
    }

    @Test
    void refusesATrainingSetWithNoCuttableUtterance() {
        float[][] flat = new float[40][3];
        var e = assertThrows(IllegalArgumentException.class, () -> new WordSplicer(new LasTrainer.Data(List.<float[][]>of(flat), List.of("yes no"))));
        assertTrue(e.getMessage().startsWith("WordSplicer: none of the 1"), e.getMessage());
    }
}
