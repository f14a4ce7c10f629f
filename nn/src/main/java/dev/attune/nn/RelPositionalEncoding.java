package dev.attune.nn;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * The relative positional encoding of the Conformer encoders (WeNet, PaddleSpeech, ESPnet): it
 * scales the input and returns the sinusoidal embeddings of the positions the attention's
 * {@link RelPositionMultiHeadedAttention} scores against. Nothing is learnable and nothing is in the state.
 *
 * <p>Forward, x (N, T, D): {@code out = dropout(x * sqrt(D))}, {@code pos_emb = dropout(P)} with P (1, R, D),
 * the sinusoid of position {@code p} being
 * {@code P[p, 2i] = sin(p * w_i)}, {@code P[p, 2i+1] = cos(p * w_i)}, {@code w_i = exp(-2i ln(10000) / D)}.
 * <ul>
 *   <li>{@link Variant#WENET} (WeNet, PaddleSpeech): R = T rows for the positions 0, 1, ..., T-1 (absolute
 *       positions; the attention applies no rel_shift).</li>
 *   <li>{@link Variant#ESPNET} (ESPnet's {@code RelPositionalEncoding}): R = 2T-1 rows for the relative positions
 *       T-1, T-2, ..., 0, -1, ..., -(T-1); the attention's rel_shift picks position i-j for query i and key j.</li>
 * </ul>
 * The two dropouts draw independent masks. The gradient of x is {@code sqrt(D)} times the dropout's.
 */
public final class RelPositionalEncoding extends Module {
    /** Which positions the encoding returns; see the class comment. */
    public enum Variant { WENET, ESPNET }

    private final int dModel;
    private final Variant variant;
    private final float xscale;
    private final Dropout dropout;

    public RelPositionalEncoding(int dModel, float dropoutRate, Variant variant, Generator g) {
        if (dModel <= 0 || dModel % 2 != 0) {
            throw new IllegalArgumentException("RelPositionalEncoding: d_model must be positive and even, got " + dModel);
        }
        this.dModel = dModel;
        this.variant = variant;
        this.xscale = (float) Math.sqrt(dModel);
        this.dropout = child("dropout", new Dropout(dropoutRate, g));
    }

    /** The scaled, dropped-out input and the position embeddings. */
    public record Output(Tensor x, Tensor posEmb) {}

    public Output forward(Tensor x) {
        if (x.dim() != 3 || x.size(2) != dModel) {
            throw new IllegalArgumentException("RelPositionalEncoding: input must be (N, T, " + dModel + "), got shape "
                    + Arrays.toString(x.shape()));
        }
        int t = x.size(1);
        Tensor pos = (variant == Variant.WENET ? sinusoids(dModel, 0, 1, t) : sinusoids(dModel, t - 1, -1, 2 * t - 1)).to(x.device());
        Tensor out = dropout.forward(x.mul(xscale));
        return new Output(traced(out, x), dropout.forward(pos.unsqueeze(0)));
    }

    public Variant variant() {
        return variant;
    }

    /**
     * Rows for the positions {@code first, first+step, ...} ({@code rows} of them), shape (rows, d).
     * Computed in float32 as torch does (frequency, then position times frequency), so values equal
     * the reference implementations' tables to rounding.
     */
    static Tensor sinusoids(int d, int first, int step, int rows) {
        float c = (float) (-(Math.log(10000.0) / d));
        float[] freq = new float[d / 2];
        for (int i = 0; i < freq.length; i++) freq[i] = (float) Math.exp((float) (2 * i) * c);
        float[] pe = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            float p = first + r * step;
            for (int i = 0; i < freq.length; i++) {
                float a = p * freq[i];
                pe[r * d + 2 * i] = (float) Math.sin(a);
                pe[r * d + 2 * i + 1] = (float) Math.cos(a);
            }
        }
        return Tensor.of(pe, rows, d);
    }

    @Override
    protected String extraRepr() {
        return "d_model=" + dModel + ", variant=" + variant.name().toLowerCase(java.util.Locale.ROOT);
    }
}
