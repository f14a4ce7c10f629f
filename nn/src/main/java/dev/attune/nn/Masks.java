package dev.attune.nn;

import dev.attune.tensor.Tensor;

/** Padding masks for batches of sequences of different lengths. */
public final class Masks {
    private Masks() {}

    /**
     * The key padding mask of a batch: bool (N, T), {@code mask[n, t] = t >= lengths[n]} (true marks
     * padding, as torch's {@code key_padding_mask}). Each length must be in [1, T].
     */
    public static Tensor padding(int[] lengths, int maxLen) {
        boolean[] m = new boolean[lengths.length * maxLen];
        for (int n = 0; n < lengths.length; n++) {
            if (lengths[n] < 1 || lengths[n] > maxLen) {
                throw new IllegalArgumentException("Masks.padding: length " + n + " must be in [1, " + maxLen + "], got " + lengths[n]);
            }
            for (int t = lengths[n]; t < maxLen; t++) m[n * maxLen + t] = true;
        }
        return Tensor.ofBools(m, lengths.length, maxLen);
    }
}
