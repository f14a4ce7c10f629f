package dev.attune.nn.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FftTest {

    @Test
    void matchesTheDefinitionOfTheDft() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int n = 2; n <= 1024; n *= 2) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = rng.nextDouble(-1, 1);
            }
            double[] re = new double[n / 2 + 1];
            double[] im = new double[n / 2 + 1];
            new Fft(n).forward(x, re, im);
            for (int k = 0; k <= n / 2; k++) {
                double sr = 0;
                double si = 0;
                for (int t = 0; t < n; t++) {
                    sr += x[t] * Math.cos(2 * Math.PI * k * t / n);
                    si -= x[t] * Math.sin(2 * Math.PI * k * t / n);
                }
                assertEquals(sr, re[k], 1e-9 * n, "n=" + n + " k=" + k + " real");
                assertEquals(si, im[k], 1e-9 * n, "n=" + n + " k=" + k + " imag");
            }
        }
    }

    @Test
    void knownTransforms() {
        // impulse: flat spectrum of ones; constant c: c*n at DC only; cosine at bin 2: n/2 at bin 2
        double[] power = new double[5];
        new Fft(8).powerSpectrum(new double[] {1, 0, 0, 0, 0, 0, 0, 0}, power);
        for (double p : power) {
            assertEquals(1.0, p, 1e-12);
        }
        new Fft(8).powerSpectrum(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, power);
        assertEquals(16.0, power[0], 1e-12);
        for (int k = 1; k <= 4; k++) {
            assertEquals(0.0, power[k], 1e-12);
        }
        double[] cos = new double[8];
        for (int t = 0; t < 8; t++) {
            cos[t] = Math.cos(2 * Math.PI * 2 * t / 8);
        }
        new Fft(8).powerSpectrum(cos, power);
        assertEquals(16.0, power[2], 1e-12);
        assertEquals(0.0, power[1] + power[3] + power[0] + power[4], 1e-12);
    }

    @Test
    void rejectsSizesThatAreNotPowersOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new Fft(12));
        assertThrows(IllegalArgumentException.class, () -> new Fft(1));
        assertThrows(IllegalArgumentException.class, () -> new Fft(8).forward(new double[4], new double[5], new double[5]));
    }
}
