package dev.attune.nn.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CmvnTest {

    @Test
    void perUtteranceKnownValues() {
        float[][] x = {{1, 10}, {3, 14}}; // mean (2, 12), variance (1, 4)
        float[][] copy = {{1, 10}, {3, 14}};
        assertArrayEquals(new float[][] {{-1, -1}, {1, 1}}, Cmvn.perUtterance(x, true));
        assertArrayEquals(new float[][] {{-1, -2}, {1, 2}}, Cmvn.perUtterance(x, false));
        assertArrayEquals(copy, x); // input untouched
        assertEquals(0, Cmvn.perUtterance(new float[0][], true).length);
    }

    @Test
    void perUtteranceGivesZeroMeanUnitVariance() {
        SplittableRandom rng = new SplittableRandom(3);
        float[][] x = new float[300][5];
        for (float[] row : x) {
            for (int d = 0; d < 5; d++) {
                row[d] = (float) (d * 3 - 7 + (d + 1) * rng.nextGaussian());
            }
        }
        float[][] y = Cmvn.perUtterance(x, true);
        for (int d = 0; d < 5; d++) {
            double s = 0;
            double s2 = 0;
            for (float[] row : y) {
                s += row[d];
                s2 += row[d] * row[d];
            }
            assertEquals(0, s / y.length, 1e-5);
            assertEquals(1, s2 / y.length, 1e-4);
        }
    }

    @Test
    void constantBinMapsToZero() {
        float[][] x = {{Fbank.LOG_FLOOR, 1}, {Fbank.LOG_FLOOR, 2}, {Fbank.LOG_FLOOR, 3}};
        for (float[] row : Cmvn.perUtterance(x, true)) {
            assertEquals(0f, row[0]);
        }
    }

    @Test
    void globalStatisticsOverACorpus() {
        float[][] a = {{1, 10}, {3, 14}};
        float[][] b = {{5, 6}};
        Cmvn global = Cmvn.accumulator(2).add(a).add(b).build(true);
        // all frames: column 0 = 1, 3, 5 (mean 3, var 8/3); column 1 = 10, 14, 6 (mean 10, var 32/3)
        assertArrayEquals(new float[] {3, 10}, global.mean());
        assertArrayEquals(new float[] {(float) (1 / Math.sqrt(8.0 / 3)), (float) (1 / Math.sqrt(32.0 / 3))}, global.scale(), 1e-6f);
        float[][] y = global.apply(b);
        assertEquals((5 - 3) / Math.sqrt(8.0 / 3), y[0][0], 1e-6);
        assertEquals((6 - 10) / Math.sqrt(32.0 / 3), y[0][1], 1e-6);

        Cmvn merged = Cmvn.accumulator(2).add(a).merge(Cmvn.accumulator(2).add(b)).build(true);
        assertArrayEquals(global.mean(), merged.mean());
        assertArrayEquals(global.scale(), merged.scale());
        assertEquals(3, Cmvn.accumulator(2).add(a).add(b).frames());

        Cmvn meanOnly = Cmvn.accumulator(2).add(a).add(b).build(false);
        assertArrayEquals(new float[] {1, 1}, meanOnly.scale());
        Cmvn stored = Cmvn.of(global.mean(), global.scale());
        assertEquals(Arrays.deepToString(global.apply(a)), Arrays.deepToString(stored.apply(a)));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Cmvn.accumulator(2).add(new float[][] {{1, 2, 3}}));
        assertThrows(IllegalArgumentException.class, () -> Cmvn.accumulator(2).add(new float[][] {{1, 2}}).build(true).apply(new float[][] {{1}}));
        assertThrows(IllegalStateException.class, () -> Cmvn.accumulator(2).build(true));
        assertThrows(IllegalArgumentException.class, () -> Cmvn.accumulator(0));
        assertThrows(IllegalArgumentException.class, () -> Cmvn.of(new float[2], new float[3]));
    }
}
