package dev.attune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentLoaderTest {

    /** An utterance whose frame t holds the value base + t in every bin. */
    private static float[][] ramp(int frames, int bins, float base) {
        float[][] f = new float[frames][bins];
        for (int t = 0; t < frames; t++) java.util.Arrays.fill(f[t], base + t);
        return f;
    }

    @Test
    void cropsLongUtterancesAndPadsShortOnes() {
        List<float[][]> feats = List.of(ramp(300, 2, 1000), ramp(5, 2, 0));
        SegmentLoader loader = new SegmentLoader(feats, new int[] {3, 7}, 2, 128, -20f, true, new Generator(1), null);
        SpeakerBatch b = loader.epoch().get(0);
        assertArrayEquals(new int[] {2, 128, 2}, b.features().shape());
        int longRow = b.labels().toIntArray()[0] == 3 ? 0 : 1;
        assertEquals(128, b.lengths()[longRow]);
        assertEquals(5, b.lengths()[1 - longRow]);
        // The crop is a contiguous window of the long utterance.
        float first = b.features().get(longRow, 0, 0);
        assertTrue(first >= 1000 && first <= 1000 + 300 - 128, "window start " + first);
        assertEquals(first + 127, b.features().get(longRow, 127, 1));
        // The short one is padded with -20 after its 5 frames.
        assertEquals(4f, b.features().get(1 - longRow, 4, 0));
        assertEquals(-20f, b.features().get(1 - longRow, 5, 0));
    }

    @Test
    void shufflingIsSeededAndCoversEveryUtterance() {
        List<float[][]> feats = new java.util.ArrayList<>();
        int[] labels = new int[10];
        for (int k = 0; k < 10; k++) {
            feats.add(ramp(3, 1, k));
            labels[k] = k;
        }
        List<SpeakerBatch> a = new SegmentLoader(feats, labels, 4, 128, -20f, true, new Generator(5), null).epoch();
        List<SpeakerBatch> b = new SegmentLoader(feats, labels, 4, 128, -20f, true, new Generator(5), null).epoch();
        assertEquals(3, a.size());
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).labels().toIntArray(), b.get(i).labels().toIntArray());
            for (int y : a.get(i).labels().toIntArray()) seen.add(y);
        }
        assertEquals(10, seen.size());
        List<SpeakerBatch> eval = new SegmentLoader(feats, labels, 4, 128, -20f, false, new Generator(5), null).epoch();
        assertArrayEquals(new int[] {0, 1, 2, 3}, eval.get(0).labels().toIntArray());
    }

    @Test
    void specAugmentMasksRealFramesOfTrainingSegmentsOnly() {
        // Every row of the one utterance is 5; masks write 0. One full-width frequency mask: every real cell is 0.
        float[][] fives = new float[6][3];
        for (float[] row : fives) java.util.Arrays.fill(row, 5f);
        List<float[][]> feats = List.of(fives, ramp(2, 3, 1));
        var everything = new dev.attune.nn.audio.SpecAugment(1, 3, 0, 0, 0f);
        boolean masked = false;
        for (int seed = 0; seed < 20 && !masked; seed++) {
            SpeakerBatch b = new SegmentLoader(feats, new int[] {0, 1}, 2, 128, -20f, true, new Generator(seed), everything).epoch().get(0);
            int row = b.labels().toIntArray()[0] == 0 ? 0 : 1;
            float[] values = b.features().select(0, row).toFloatArray();
            for (float v : values) assertTrue(v == 5f || v == 0f, "only 5 or the mask value 0, got " + v);
            masked = values[0] == 0f;
            float[] other = b.features().select(0, 1 - row).toFloatArray();
            assertEquals(-20f, other[other.length - 1], "padding stays -20");
        }
        assertTrue(masked, "some seed masked the first bin");
        // Evaluation loaders never augment.
        SpeakerBatch eval = new SegmentLoader(feats, new int[] {0, 1}, 2, 128, -20f, false, new Generator(1), everything).epoch().get(0);
        for (float v : eval.features().select(0, 0).toFloatArray()) assertEquals(5f, v);
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new SegmentLoader(List.<float[][]>of(ramp(3, 2, 0)), new int[] {1, 2}, 2, 128, -20f, true, new Generator(1), null));
        assertThrows(IllegalArgumentException.class,
                () -> new SegmentLoader(List.<float[][]>of(ramp(3, 2, 0), ramp(3, 3, 0)), new int[] {1, 2}, 2, 128, -20f, true, new Generator(1), null));
        assertThrows(IllegalArgumentException.class,
                () -> new SegmentLoader(List.<float[][]>of(new float[0][]), new int[] {1}, 2, 128, -20f, true, new Generator(1), null));
    }
}
