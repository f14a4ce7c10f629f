package dev.attune.nn.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.nn.data.SharedData;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FbankTest {

    private static final FbankOptions OPTS = FbankOptions.DEFAULTS;

    private static float[] tone(double hz, int rate, int n, double amplitude) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Centre of mel filter b from the Kaldi mel formula, computed independently of Fbank. */
    private static double centreHz(int b, int bins, double low, double high) {
        double lo = 1127 * Math.log(1 + low / 700);
        double hi = 1127 * Math.log(1 + high / 700);
        double mel = lo + (b + 1) * (hi - lo) / (bins + 1);
        return 700 * (Math.exp(mel / 1127) - 1);
    }

    @Test
    void frameCountFollowsSnipEdgesFormula() {
        Fbank at8k = new Fbank(OPTS, 8000); // L = 200, S = 80
        assertEquals(200, at8k.frameLength());
        assertEquals(80, at8k.frameShift());
        assertEquals(256, at8k.fftSize());
        int[][] cases8k = {{0, 0}, {199, 0}, {200, 1}, {279, 1}, {280, 2}, {281, 2}, {8000, 98}, {1793, 20}};
        for (int[] c : cases8k) {
            assertEquals(c[1], at8k.numFrames(c[0]), "N=" + c[0]);
            assertEquals(c[1], at8k.compute(new float[c[0]]).length, "N=" + c[0]);
        }
        Fbank at16k = new Fbank(OPTS, 16000); // L = 400, S = 160
        assertEquals(512, at16k.fftSize());
        int[][] cases16k = {{399, 0}, {400, 1}, {559, 1}, {560, 2}, {16000, 98}, {16239, 99}, {16240, 100}};
        for (int[] c : cases16k) {
            assertEquals(c[1], at16k.numFrames(c[0]), "N=" + c[0]);
        }
        assertEquals(40, at16k.compute(new float[1000])[0].length);
    }

    @Test
    void silenceGivesTheLogFloor() {
        assertEquals(Math.log(1.1920928955078125e-07), Fbank.LOG_FLOOR, 1e-6);
        assertEquals(-15.942385f, Fbank.LOG_FLOOR, 1e-5f);
        for (int rate : new int[] {8000, 16000}) {
            for (float[] row : new Fbank(OPTS, rate).compute(new float[rate / 2])) {
                for (float v : row) {
                    assertEquals(Fbank.LOG_FLOOR, v);
                }
            }
        }
    }

    @Test
    void windowValuesAtKnownPoints() {
        double[] povey = Fbank.window(FbankOptions.Window.POVEY, 5); // hann = 0, 0.5, 1, 0.5, 0
        assertArrayEquals(new double[] {0, Math.pow(0.5, 0.85), 1, Math.pow(0.5, 0.85), 0}, povey, 1e-15);
        assertEquals(0.5547847, povey[1], 1e-7);
        assertArrayEquals(new double[] {0.08, 0.54, 1, 0.54, 0.08}, Fbank.window(FbankOptions.Window.HAMMING, 5), 1e-15);
        assertArrayEquals(new double[] {0, 0.5, 1, 0.5, 0}, Fbank.window(FbankOptions.Window.HANNING, 5), 1e-15);
        assertArrayEquals(new double[] {1, 1, 1}, Fbank.window(FbankOptions.Window.RECTANGULAR, 3), 0);
        double[] w400 = Fbank.window(FbankOptions.Window.POVEY, 400);
        assertEquals(0.0, w400[0]);
        assertEquals(0.0, w400[399], 1e-30);
        double hann100 = 0.5 - 0.5 * Math.cos(2 * Math.PI * 100 / 399);
        assertEquals(Math.pow(hann100, 0.85), w400[100], 1e-15);
        assertEquals(w400[150], w400[249], 1e-15); // symmetric
    }

    @Test
    void centreFrequenciesFollowTheMelFormula() {
        Fbank f = new Fbank(OPTS, 16000);
        double[] c = f.centreFrequencies();
        assertEquals(40, c.length);
        for (int b = 0; b < 40; b++) {
            assertEquals(centreHz(b, 40, 20, 8000), c[b], 1e-9);
        }
        assertEquals(1127 * Math.log(1 + 1000.0 / 700), Fbank.melScale(1000), 1e-12);
        assertEquals(1000.0, Fbank.inverseMelScale(Fbank.melScale(1000)), 1e-9);
        // high <= 0 is an offset from Nyquist: -1000 at 16 kHz means 7000 Hz
        double[] shifted = new Fbank(OPTS.withFrequencies(20, -1000), 16000).centreFrequencies();
        assertEquals(centreHz(39, 40, 20, 7000), shifted[39], 1e-9);
    }

    @Test
    void toneOf1000HzPeaksInTheMelBinCentredNearest1000Hz() {
        for (int rate : new int[] {8000, 16000}) {
            int bins = 40;
            int expected = 0;
            for (int b = 1; b < bins; b++) {
                if (Math.abs(centreHz(b, bins, 20, rate / 2.0) - 1000) < Math.abs(centreHz(expected, bins, 20, rate / 2.0) - 1000)) {
                    expected = b;
                }
            }
            float[][] feats = new Fbank(OPTS, rate).compute(tone(1000, rate, rate, 0.5));
            assertEquals(98, feats.length);
            for (float[] row : feats) {
                assertEquals(expected, argmax(row), "rate " + rate);
            }
            // and far away bins are much lower
            assertTrue(feats[50][expected] - feats[50][bins - 1] > 5, Arrays.toString(feats[50]));
            Fbank hamming = new Fbank(OPTS.withWindow(FbankOptions.Window.HAMMING), rate);
            assertEquals(FbankOptions.Window.HAMMING, hamming.options().window());
            assertEquals(rate, hamming.sampleRate());
            assertEquals(expected, argmax(hamming.compute(tone(1000, rate, rate, 0.5))[50]));
        }
    }

    @Test
    void preEmphasisScalesATone() {
        // At 4 kHz and 16 kHz (w = pi / 2), pre-emphasis multiplies power by |1 - 0.97 e^{-iw}|^2 = 1 + 0.97^2.
        float[] x = tone(4000, 16000, 4000, 0.3);
        float[][] with = new Fbank(OPTS, 16000).compute(x);
        float[][] without = new Fbank(OPTS.withPreprocessing(0, true), 16000).compute(x);
        int peak = argmax(with[10]);
        assertEquals(peak, argmax(without[10]));
        assertEquals(Math.log(1 + 0.97 * 0.97), with[10][peak] - without[10][peak], 0.02);
    }

    @Test
    void dcOffsetIsRemovedPerFrame() {
        float[] constant = new float[2000];
        Arrays.fill(constant, 0.25f);
        for (float v : new Fbank(OPTS, 16000).compute(constant)[3]) {
            assertEquals(Fbank.LOG_FLOOR, v);
        }
        // Without DC removal or pre-emphasis, the constant is a 0 Hz component: the windowed DC leaks into the lowest bins.
        float[] kept = new Fbank(OPTS.withPreprocessing(0, false), 16000).compute(constant)[3];
        assertTrue(kept[0] > 0, "lowest bin " + kept[0]);
        assertTrue(kept[0] > kept[39] + 10, Arrays.toString(kept));
        // Adding a DC offset to a tone changes nothing when DC removal is on (up to rounding).
        float[] toneOnly = tone(700, 16000, 3000, 0.2);
        float[] shifted = toneOnly.clone();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] += 0.1f;
        }
        float[][] a = new Fbank(OPTS, 16000).compute(toneOnly);
        float[][] b = new Fbank(OPTS, 16000).compute(shifted);
        for (int t = 0; t < a.length; t++) {
            for (int k = 0; k < 40; k++) {
                if (a[t][k] > -10) {
                    assertEquals(a[t][k], b[t][k], 1e-3, "t=" + t + " k=" + k);
                }
            }
        }
    }

    @Test
    void ditherIsSeededAndLiftsSilence() {
        FbankOptions dithered = OPTS.withDither(1e-3, 42);
        Fbank f = new Fbank(dithered, 8000);
        float[][] a = f.compute(new float[2000]);
        float[][] b = f.compute(new float[2000]);
        assertTrue(Arrays.deepEquals(a, b));
        assertTrue(a[0][20] > Fbank.LOG_FLOOR + 1, "dither adds energy: " + a[0][20]);
        assertNotEquals(a[0][20], new Fbank(OPTS.withDither(1e-3, 43), 8000).compute(new float[2000])[0][20]);
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> OPTS.withNumMelBins(2));
        assertThrows(IllegalArgumentException.class, () -> OPTS.withFrames(0, 10));
        assertThrows(IllegalArgumentException.class, () -> OPTS.withDither(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> OPTS.withPreprocessing(1.5, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Fbank(OPTS.withFrequencies(20, 5000), 8000));
        assertTrue(e.getMessage().contains("Nyquist (4000.0 Hz"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Fbank(OPTS.withFrequencies(4000, 0), 8000));
        assertThrows(IllegalArgumentException.class, () -> new Fbank(OPTS, 0));
        assertThrows(IllegalArgumentException.class, () -> new Fbank(OPTS, 40)); // 25 ms = 1 sample
    }

    /**
     * Reference values from a one-off Python run (PyTorch 1.13, float32) that re-types
     * torchaudio.compliance.kaldi.fbank's steps with torch ops (torch.hann_window(periodic=False).pow(0.85),
     * replicate-padded pre-emphasis, torch.fft.rfft, get_mel_banks' triangles, max(., eps).log()), with
     * dither 0 and num_mel_bins 40, on the waveform as int16 / 32768. Tolerances allow for its float32 arithmetic.
     */
    @Test
    void matchesTorchReferenceOnARealFsddFile() throws IOException {
        Audio a = WavReader.read(SharedData.require("fsdd").resolve("recordings").resolve("3_theo_10.wav"));
        assertEquals(1793, a.samples().length);
        float[][] f = Fbank.compute(a, OPTS);
        assertEquals(20, f.length);
        double[][] expected = {
            {0, 0, -15.942384719848633}, {0, 1, -14.065738677978516}, {0, 20, -9.455034255981445},
            {0, 39, -6.070343494415283}, {5, 10, -4.494896411895752}, {10, 5, -5.7081403732299805},
            {10, 25, -6.029776096343994}, {15, 30, -5.663689136505127}, {19, 39, -8.887210845947266}};
        for (double[] e : expected) {
            assertEquals(e[2], f[(int) e[0]][(int) e[1]], 2e-3, "frame " + (int) e[0] + " bin " + (int) e[1]);
        }
        assertEquals(-8.554181098937988, mean(f), 1e-4);
    }

    /** Same reference script, on a synthetic 16 kHz signal of three sines (see the formula below). */
    @Test
    void matchesTorchReferenceAt16kHz() {
        float[] x = new float[4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 16000) + 0.2 * Math.sin(2 * Math.PI * 3000 * i / 16000 + 0.5)
                + 0.05 * Math.sin(2 * Math.PI * 7000 * i / 16000));
        }
        float[][] f = new Fbank(OPTS, 16000).compute(x);
        assertEquals(23, f.length);
        double[][] expected = {
            {0, 0, -11.507725715637207}, {0, 5, -2.44985032081604}, {3, 12, -11.702110290527344},
            {7, 25, 4.427577495574951}, {10, 33, -15.1199951171875}, {22, 39, 0.9487859606742859}};
        for (double[] e : expected) {
            assertEquals(e[2], f[(int) e[0]][(int) e[1]], 2e-3, "frame " + (int) e[0] + " bin " + (int) e[1]);
        }
        assertEquals(-8.12291431427002, mean(f), 1e-3);
    }

    private static double mean(float[][] f) {
        double s = 0;
        for (float[] row : f) {
            for (float v : row) {
                s += v;
            }
        }
        return s / (f.length * f[0].length);
    }
}
