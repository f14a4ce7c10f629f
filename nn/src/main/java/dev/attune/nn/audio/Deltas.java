package dev.attune.nn.audio;

/**
 * Time derivatives of feature matrices {@code x[t][d]} (frames x coefficients), the HTK/Kaldi
 * "deltas" appended to MFCCs.
 *
 * <p>The delta of a sequence c over a window of N frames is the least-squares slope
 * {@code d_t = sum_{n=1..N} n (c_{t+n} - c_{t-n}) / (2 sum_{n=1..N} n^2)}, where frames before the
 * first and after the last repeat the first and the last ({@code c_{t} = c_0} for t &lt; 0,
 * {@code c_{T-1}} for t &gt;= T). The delta-delta is the delta of the deltas. {@link #append} with
 * order k returns rows {@code [c_t, d_t, dd_t, ...]} of k + 1 blocks, so 13 cepstra with order 2 give
 * 39 values per frame. On a ramp {@code c_t = a t} the delta is {@code a} wherever the window stays
 * inside the utterance. Inputs are never modified.
 */
public final class Deltas {
    /** The customary window: N = 2 frames on either side. */
    public static final int WINDOW = 2;

    private Deltas() {}

    /**
     * {@code x} with its first {@code order} time derivatives appended to each row, over a window of
     * {@link #WINDOW} frames on either side.
     *
     * @param order 0 (a copy of x), 1 (deltas) or 2 (deltas and delta-deltas)
     */
    public static float[][] append(float[][] x, int order) {
        if (order < 0 || order > 2) throw new IllegalArgumentException("Deltas.append: order must be 0, 1 or 2, got " + order);
        int frames = x.length, dims = frames == 0 ? 0 : x[0].length;
        for (int t = 0; t < frames; t++) {
            if (x[t].length != dims) {
                throw new IllegalArgumentException("Deltas.append: expected rows of " + dims + " values, row " + t + " has " + x[t].length);
            }
        }
        float[][] blocks = x;
        float[][] out = new float[frames][dims * (order + 1)];
        for (int t = 0; t < frames; t++) System.arraycopy(x[t], 0, out[t], 0, dims);
        for (int k = 1; k <= order; k++) {
            blocks = delta(blocks, WINDOW);
            for (int t = 0; t < frames; t++) System.arraycopy(blocks[t], 0, out[t], k * dims, dims);
        }
        return out;
    }

    /** The delta of each column of {@code c} over {@code window} frames on either side, edges repeated. */
    static float[][] delta(float[][] c, int window) {
        int frames = c.length, dims = frames == 0 ? 0 : c[0].length;
        double denominator = 0;
        for (int n = 1; n <= window; n++) denominator += 2.0 * n * n;
        float[][] d = new float[frames][dims];
        for (int t = 0; t < frames; t++) {
            for (int j = 0; j < dims; j++) {
                double sum = 0;
                for (int n = 1; n <= window; n++) {
                    sum += n * (c[Math.min(frames - 1, t + n)][j] - c[Math.max(0, t - n)][j]);
                }
                d[t][j] = (float) (sum / denominator);
            }
        }
        return d;
    }
}
