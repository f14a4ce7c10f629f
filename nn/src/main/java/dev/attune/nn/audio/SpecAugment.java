package dev.attune.nn.audio;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * SpecAugment masking (Park et al. 2019) of a feature matrix {@code x[t][f]} (frames x bins),
 * without time warping.
 *
 * <p>Each of {@code freqMasks} frequency masks draws a width {@code w ~ U{0..min(maxFreqWidth, F)}}
 * and a start {@code f0 ~ U{0..F-w}}, and sets {@code x[t][f0 .. f0+w-1] = maskValue} for all
 * {@code t}. Each of {@code timeMasks} time masks does the same along time with
 * {@code w ~ U{0..min(maxTimeWidth, T)}}. Frequency masks are drawn first, then time masks, so a
 * given generator state gives one result.
 *
 * @param freqMasks    number of frequency masks, {@code >= 0}
 * @param maxFreqWidth largest frequency-mask width in bins, {@code >= 0}
 * @param timeMasks    number of time masks, {@code >= 0}
 * @param maxTimeWidth largest time-mask width in frames, {@code >= 0}
 * @param maskValue    value written into masked cells (0 suits mean-normalised features)
 */
public record SpecAugment(int freqMasks, int maxFreqWidth, int timeMasks, int maxTimeWidth, float maskValue) {

    public SpecAugment {
        if (freqMasks < 0 || maxFreqWidth < 0 || timeMasks < 0 || maxTimeWidth < 0) {
            throw new IllegalArgumentException("SpecAugment: counts and widths must be >= 0, got freqMasks " + freqMasks
                + ", maxFreqWidth " + maxFreqWidth + ", timeMasks " + timeMasks + ", maxTimeWidth " + maxTimeWidth);
        }
    }

    /** Masks a copy of {@code x} using a generator seeded with {@code seed}. */
    public float[][] apply(float[][] x, long seed) {
        return apply(x, new SplittableRandom(seed));
    }

    /** Masks a copy of {@code x}, drawing widths and positions from {@code rng}; {@code x} is not modified. */
    public float[][] apply(float[][] x, RandomGenerator rng) {
        int frames = x.length;
        int bins = frames == 0 ? 0 : x[0].length;
        float[][] y = new float[frames][];
        for (int t = 0; t < frames; t++) {
            if (x[t].length != bins) {
                throw new IllegalArgumentException("SpecAugment.apply: expected rows of " + bins + " bins, row " + t + " has " + x[t].length);
            }
            y[t] = x[t].clone();
        }
        for (int m = 0; m < freqMasks; m++) {
            int w = rng.nextInt(Math.min(maxFreqWidth, bins) + 1);
            int f0 = rng.nextInt(bins - w + 1);
            for (float[] row : y) {
                Arrays.fill(row, f0, f0 + w, maskValue);
            }
        }
        for (int m = 0; m < timeMasks; m++) {
            int w = rng.nextInt(Math.min(maxTimeWidth, frames) + 1);
            int t0 = rng.nextInt(frames - w + 1);
            for (int t = t0; t < t0 + w; t++) {
                Arrays.fill(y[t], maskValue);
            }
        }
        return y;
    }
}
