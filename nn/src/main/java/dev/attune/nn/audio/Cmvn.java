package dev.attune.nn.audio;

import java.util.Arrays;

/**
 * Cepstral mean and variance normalisation of feature matrices {@code x[t][d]} (frames x bins).
 *
 * <p>Per bin {@code d}, over frames {@code t = 1..T}: {@code mu_d = (1/T) sum_t x[t][d]},
 * {@code var_d = (1/T) sum_t x[t][d]^2 - mu_d^2}, and the output is
 * {@code y[t][d] = (x[t][d] - mu_d) * s_d} with {@code s_d = 1 / sqrt(max(var_d, 1e-10))} when
 * variances are normalised, {@code s_d = 1} otherwise.
 *
 * <p>{@link #perUtterance} takes the statistics from the matrix itself. The global form takes them
 * from a whole corpus: feed every utterance to an {@link Accumulator}, {@link Accumulator#build} a
 * {@code Cmvn}, then {@link #apply} it to each utterance. Inputs are never modified.
 */
public final class Cmvn {

    /** Variances are floored at this value so that a constant bin maps to 0 instead of NaN. */
    public static final double VARIANCE_FLOOR = 1e-10;

    private final float[] mean;
    private final float[] scale;

    private Cmvn(float[] mean, float[] scale) {
        this.mean = mean;
        this.scale = scale;
    }

    /**
     * A global normaliser from stored statistics, e.g. loaded from a file.
     *
     * @param mean  per-bin mean {@code mu_d}
     * @param scale per-bin factor {@code s_d} (1 / standard deviation, or 1)
     */
    public static Cmvn of(float[] mean, float[] scale) {
        if (mean.length != scale.length || mean.length == 0) {
            throw new IllegalArgumentException("Cmvn.of: mean and scale must have the same non-zero length, got "
                + mean.length + " and " + scale.length);
        }
        return new Cmvn(mean.clone(), scale.clone());
    }

    /** Normalises one utterance with its own statistics; returns a new matrix. */
    public static float[][] perUtterance(float[][] x, boolean normalizeVariance) {
        if (x.length == 0) {
            return new float[0][];
        }
        Accumulator acc = new Accumulator(x[0].length);
        acc.add(x);
        return acc.build(normalizeVariance).apply(x);
    }

    /** Starts accumulating statistics over feature matrices with {@code dim} bins. */
    public static Accumulator accumulator(int dim) {
        return new Accumulator(dim);
    }

    /** Applies {@code y[t][d] = (x[t][d] - mu_d) * s_d}; returns a new matrix. */
    public float[][] apply(float[][] x) {
        float[][] y = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            checkDim(x[t].length, mean.length, "Cmvn.apply", t);
            float[] row = new float[mean.length];
            for (int d = 0; d < row.length; d++) {
                row[d] = (x[t][d] - mean[d]) * scale[d];
            }
            y[t] = row;
        }
        return y;
    }

    /** Per-bin means {@code mu_d} (a copy). */
    public float[] mean() {
        return mean.clone();
    }

    /** Per-bin factors {@code s_d} (a copy). */
    public float[] scale() {
        return scale.clone();
    }

    private static void checkDim(int got, int expected, String op, int row) {
        if (got != expected) {
            throw new IllegalArgumentException(op + ": expected rows of " + expected + " bins, row " + row + " has " + got);
        }
    }

    /**
     * Running sums {@code n}, {@code sum_t x[t][d]} and {@code sum_t x[t][d]^2} in double precision.
     * Not thread-safe: use one per thread and {@link #merge} them.
     */
    public static final class Accumulator {
        private final double[] sum;
        private final double[] sumSquares;
        private long frames;

        private Accumulator(int dim) {
            if (dim <= 0) {
                throw new IllegalArgumentException("Cmvn.accumulator: dim must be positive, got " + dim);
            }
            sum = new double[dim];
            sumSquares = new double[dim];
        }

        /** Adds every frame of {@code x}. */
        public Accumulator add(float[][] x) {
            for (int t = 0; t < x.length; t++) {
                checkDim(x[t].length, sum.length, "Cmvn.Accumulator.add", t);
                for (int d = 0; d < sum.length; d++) {
                    double v = x[t][d];
                    sum[d] += v;
                    sumSquares[d] += v * v;
                }
            }
            frames += x.length;
            return this;
        }

        /** Adds the statistics of {@code other}. */
        public Accumulator merge(Accumulator other) {
            checkDim(other.sum.length, sum.length, "Cmvn.Accumulator.merge", 0);
            for (int d = 0; d < sum.length; d++) {
                sum[d] += other.sum[d];
                sumSquares[d] += other.sumSquares[d];
            }
            frames += other.frames;
            return this;
        }

        /** Number of frames seen. */
        public long frames() {
            return frames;
        }

        /** The normaliser for the statistics seen so far; needs at least one frame. */
        public Cmvn build(boolean normalizeVariance) {
            if (frames == 0) {
                throw new IllegalStateException("Cmvn.Accumulator.build: no frames were added");
            }
            float[] mean = new float[sum.length];
            float[] scale = new float[sum.length];
            Arrays.fill(scale, 1f);
            for (int d = 0; d < sum.length; d++) {
                double mu = sum[d] / frames;
                mean[d] = (float) mu;
                if (normalizeVariance) {
                    double var = sumSquares[d] / frames - mu * mu;
                    scale[d] = (float) (1.0 / Math.sqrt(Math.max(var, VARIANCE_FLOOR)));
                }
            }
            return new Cmvn(mean, scale);
        }
    }
}
