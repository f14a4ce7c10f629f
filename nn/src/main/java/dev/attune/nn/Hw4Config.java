package dev.attune.nn;

import java.util.List;
import java.util.Locale;

/**
 * The one configuration of the HW4 speaker classifier family (40-dim log-mel frames in, one of
 * n_speakers out). Presets: {@link #simple()} (the course sample), {@link #medium()}, {@link #strong()}
 * and {@link #boss()}; {@link #byName} picks one by its model name.
 *
 * @param name       model name, e.g. {@code hw4-simple}
 * @param dModel     width of the encoder
 * @param nHeads     attention heads (divides dModel)
 * @param ffnDim     hidden width of the feed-forward blocks
 * @param layers     encoder blocks; a single Transformer block is the sample's {@code encoder_layer}
 * @param nMels      input features per frame (40)
 * @param nSpeakers  classes (600)
 * @param dropout    dropout inside the encoder
 * @param pooling    how frames become one vector
 * @param head       classifier head
 * @param encoder    encoder family
 * @param convKernel depthwise convolution kernel of Conformer blocks (unused by Transformer encoders)
 * @param amScale    AM-softmax scale s (AM-softmax head only)
 * @param amMargin   AM-softmax margin m (AM-softmax head only)
 */
public record Hw4Config(String name, int dModel, int nHeads, int ffnDim, int layers, int nMels, int nSpeakers, float dropout,
                        Pooling pooling, Head head, Encoder encoder, int convKernel, float amScale, float amMargin) {

    public enum Pooling { MEAN, ATTENTION }

    public enum Head { LINEAR, AMSOFTMAX }

    public enum Encoder { TRANSFORMER, CONFORMER }

    public Hw4Config {
        if (dModel <= 0 || nHeads <= 0 || dModel % nHeads != 0) {
            throw new IllegalArgumentException("Hw4Config: d_model must be a positive multiple of n_heads, got d_model=" + dModel + ", n_heads=" + nHeads);
        }
        if (ffnDim <= 0 || layers <= 0 || nMels <= 0 || nSpeakers <= 0 || convKernel <= 0) {
            throw new IllegalArgumentException("Hw4Config: ffn_dim, layers, n_mels, n_speakers and conv_kernel must be positive, got "
                    + ffnDim + ", " + layers + ", " + nMels + ", " + nSpeakers + ", " + convKernel);
        }
        if (!(dropout >= 0f && dropout < 1f)) throw new IllegalArgumentException("Hw4Config: dropout must be in [0, 1), got " + dropout);
    }

    /** The course sample: d_model 80, 2 heads, ffn 256, one post-norm Transformer layer, mean pooling, 125,896 parameters. */
    public static Hw4Config simple() {
        return new Hw4Config("hw4-simple", 80, 2, 256, 1, 40, 600, 0.1f, Pooling.MEAN, Head.LINEAR, Encoder.TRANSFORMER, 31, 30f, 0.4f);
    }

    /** A wider, deeper Transformer: d_model 160, 4 heads, ffn 640, 3 layers; 1,056,760 parameters. */
    public static Hw4Config medium() {
        return new Hw4Config("hw4-medium", 160, 4, 640, 3, 40, 600, 0.1f, Pooling.MEAN, Head.LINEAR, Encoder.TRANSFORMER, 31, 30f, 0.4f);
    }

    /** Conformer encoder with mean pooling and the linear head. */
    public static Hw4Config strong() {
        return new Hw4Config("hw4-strong", 160, 4, 640, 3, 40, 600, 0.1f, Pooling.MEAN, Head.LINEAR, Encoder.CONFORMER, 31, 30f, 0.4f);
    }

    /** Conformer encoder, self-attention pooling and an AM-softmax head. */
    public static Hw4Config boss() {
        return new Hw4Config("hw4-boss", 160, 4, 640, 3, 40, 600, 0.1f, Pooling.ATTENTION, Head.AMSOFTMAX, Encoder.CONFORMER, 31, 30f, 0.4f);
    }

    /** One line for listings: encoder, width, heads, layers, pooling and head. */
    public String describe() {
        return String.format(Locale.ROOT, "%s encoder, d_model %d, %d heads, ffn %d, %d layer(s), %s pooling, %s head",
                encoder.name().toLowerCase(Locale.ROOT), dModel, nHeads, ffnDim, layers, pooling.name().toLowerCase(Locale.ROOT),
                head == Head.AMSOFTMAX ? "AM-softmax" : "linear");
    }

    public static List<Hw4Config> presets() {
        return List.of(simple(), medium(), strong(), boss());
    }

    /** The preset called {@code name} (hw4-simple, hw4-medium, hw4-strong, hw4-boss). */
    public static Hw4Config byName(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        for (Hw4Config c : presets()) if (c.name().equals(key)) return c;
        throw new IllegalArgumentException("Hw4Config: unknown model '" + name + "' (hw4-simple, hw4-medium, hw4-strong, hw4-boss)");
    }
}
