package dev.attune.nn.audio;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class DeltasTest {
    /** Frames t = 0..frames-1 of two columns: a ramp 3t and a parabola t^2. */
    private static float[][] rampAndParabola(int frames) {
        float[][] x = new float[frames][2];
        for (int t = 0; t < frames; t++) {
            x[t][0] = 3f * t;
            x[t][1] = (float) t * t;
        }
        return x;
    }

    @Test
    void deltaOfARampIsItsSlopeAndOfAParabolaItsDerivative() {
        float[][] x = rampAndParabola(10);
        float[][] y = Deltas.append(x, 1);
        assertEquals(10, y.length);
        assertEquals(4, y[0].length);
        for (int t = 0; t < 10; t++) {
            assertEquals(3f * t, y[t][0], "the statics come first");
            assertEquals((float) t * t, y[t][1]);
        }
        for (int t = 2; t < 8; t++) {
            assertEquals(3f, y[t][2], 1e-6, "ramp slope at t=" + t);
            assertEquals(2f * t, y[t][3], 1e-5, "parabola 2t at t=" + t);
        }
        // edges repeat the first frame: t=0 gives (1*(3-0) + 2*(6-0)) / 10 = 1.5, t=1 gives (1*(6-0) + 2*(9-0)) / 10 = 2.4
        assertEquals(1.5f, y[0][2], 1e-6);
        assertEquals(2.4f, y[1][2], 1e-6);
        assertEquals(1.5f, y[9][2], 1e-6);
        assertEquals(2.4f, y[8][2], 1e-6);
    }

    @Test
    void deltaDeltaOfAParabolaIsTwoAndOfARampZero() {
        float[][] y = Deltas.append(rampAndParabola(12), 2);
        assertEquals(6, y[0].length);
        for (int t = 4; t < 8; t++) {   // where the window of the window stays inside
            assertEquals(0f, y[t][4], 1e-5, "ramp at t=" + t);
            assertEquals(2f, y[t][5], 1e-4, "parabola at t=" + t);
        }
        // t=0: deltas of the ramp are 1.5, 2.4, 3 at t=0,1,2, so (1*(2.4-1.5) + 2*(3-1.5)) / 10 = 0.39
        assertEquals(0.39f, y[0][4], 1e-5);
    }

    @Test
    void orderZeroCopiesAndBadInputIsRefused() {
        float[][] x = rampAndParabola(3);
        float[][] y = Deltas.append(x, 0);
        assertNotSame(x, y);
        assertArrayEquals(x[2], y[2]);
        assertEquals(0, Deltas.append(new float[0][], 2).length);
        var e = assertThrows(IllegalArgumentException.class, () -> Deltas.append(x, 3));
        assertEquals("Deltas.append: order must be 0, 1 or 2, got 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Deltas.append(new float[][] {{1, 2}, {3}}, 1));
        assertEquals("Deltas.append: expected rows of 2 values, row 1 has 1", e.getMessage());
    }
}
