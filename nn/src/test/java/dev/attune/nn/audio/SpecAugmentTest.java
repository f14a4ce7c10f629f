package dev.attune.nn.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpecAugmentTest {

    private static float[][] ramp(int frames, int bins) {
        float[][] x = new float[frames][bins];
        for (int t = 0; t < frames; t++) {
            for (int f = 0; f < bins; f++) {
                x[t][f] = 1 + t * bins + f; // never equal to the mask value
            }
        }
        return x;
    }

    @Test
    void sameSeedSameMasksAndInputUntouched() {
        float[][] x = ramp(100, 40);
        float[][] copy = ramp(100, 40);
        SpecAugment aug = new SpecAugment(2, 10, 2, 20, 0f);
        float[][] a = aug.apply(x, 123L);
        float[][] b = aug.apply(x, new SplittableRandom(123L));
        assertArrayEquals(a, b);
        assertArrayEquals(copy, x);
        boolean differs = false;
        for (long seed = 124; seed < 134 && !differs; seed++) {
            differs = !Arrays.deepEquals(a, aug.apply(x, seed));
        }
        assertTrue(differs, "other seeds give other masks");
    }

    @Test
    void frequencyMaskIsOneContiguousBandOverAllFrames() {
        float[][] x = ramp(30, 40);
        SpecAugment aug = new SpecAugment(1, 8, 0, 0, -5f);
        int maxSeen = 0;
        for (long seed = 0; seed < 200; seed++) {
            float[][] y = aug.apply(x, seed);
            boolean[] masked = new boolean[40];
            for (int f = 0; f < 40; f++) {
                masked[f] = y[0][f] == -5f;
                for (int t = 0; t < 30; t++) {
                    assertEquals(masked[f], y[t][f] == -5f);
                    if (!masked[f]) {
                        assertEquals(x[t][f], y[t][f]);
                    }
                }
            }
            int width = count(masked);
            assertTrue(width <= 8);
            if (width > 0) {
                int first = indexOf(masked);
                for (int f = first; f < first + width; f++) {
                    assertTrue(masked[f], "contiguous");
                }
            }
            maxSeen = Math.max(maxSeen, width);
        }
        assertEquals(8, maxSeen, "widths reach the maximum");
    }

    @Test
    void timeMasksBlankWholeFramesWithinBounds() {
        float[][] x = ramp(12, 5);
        SpecAugment aug = new SpecAugment(0, 0, 3, 50, 0f); // width capped by the 12 frames
        for (long seed = 0; seed < 100; seed++) {
            float[][] y = aug.apply(x, seed);
            for (int t = 0; t < 12; t++) {
                boolean blank = y[t][0] == 0f;
                for (int f = 0; f < 5; f++) {
                    assertEquals(blank ? 0f : x[t][f], y[t][f]);
                }
            }
        }
    }

    @Test
    void zeroWidthsAndEmptyInputChangeNothing() {
        float[][] x = ramp(10, 4);
        assertArrayEquals(x, new SpecAugment(3, 0, 3, 0, 0f).apply(x, 1L));
        assertEquals(0, new SpecAugment(2, 5, 2, 5, 0f).apply(new float[0][], 1L).length);
        assertThrows(IllegalArgumentException.class, () -> new SpecAugment(-1, 1, 1, 1, 0f));
        assertThrows(IllegalArgumentException.class, () -> new SpecAugment(1, 1, 1, 1, 0f).apply(new float[][] {{1, 2}, {3}}, 1L));
    }

    private static int count(boolean[] b) {
        int n = 0;
        for (boolean v : b) {
            n += v ? 1 : 0;
        }
        return n;
    }

    private static int indexOf(boolean[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i]) {
                return i;
            }
        }
        return -1;
    }
}
