package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * The Conformer encoder of WeNet and PaddleSpeech (Gulati et al. 2020, with relative-position
 * attention): {@code embed} ({@link Conv2dSubsampling4} with its {@link RelPositionalEncoding}),
 * {@code after_norm} LayerNorm(D), and {@code encoders.0 .. encoders.(blocks-1)} ({@link ConformerEncoderLayer}).
 * State-dict names equal WeNet's {@code encoder.*} keys without the {@code encoder.} prefix.
 *
 * <p>Forward, xs (N, T, idim) features and lengths (N) int32 real frames per utterance:
 * <pre>
 *   mask[n, 0, t] = t < lengths[n]                                   (N, 1, T)
 *   x, pos_emb, mask = embed(xs, mask)                              (N, T', D), T' = ((T-1)/2 - 1)/2
 *   x = encoders.i(x, mask, pos_emb, mask) for each block;  out = after_norm(x)
 * </pre>
 * It returns the output, the subsampled mask and the output lengths (its row sums).
 */
public final class ConformerEncoder extends Module {
    /**
     * The hyper-parameters, named as in WeNet's encoder configuration (input_size, output_size,
     * attention_heads, linear_units, num_blocks, cnn_module_kernel, dropout_rate,
     * positional_dropout_rate, attention_dropout_rate); {@code variant} chooses the positional scheme and
     * {@code layerNormEps} the LayerNorms' epsilon (1e-5 in current WeNet, 1e-12 in older WeNet and in PaddleSpeech).
     */
    public record Config(int inputDim, int dModel, int heads, int linearUnits, int numBlocks, int kernel, float dropout,
                         float positionalDropout, float attentionDropout, RelPositionalEncoding.Variant variant, float layerNormEps) {
        public Config {
            if (inputDim <= 0 || dModel <= 0 || heads <= 0 || linearUnits <= 0 || numBlocks < 0 || kernel <= 0) {
                throw new IllegalArgumentException("ConformerEncoder: sizes must be positive, got " + this);
            }
        }
    }

    private final Config config;
    private final Conv2dSubsampling4 embed;
    private final LayerNorm afterNorm;
    private final Sequential encoders;

    public ConformerEncoder(Config c, Generator g) {
        this.config = c;
        this.embed = child("embed", new Conv2dSubsampling4(c.inputDim(), c.dModel(),
                new RelPositionalEncoding(c.dModel(), c.positionalDropout(), c.variant(), g), g));
        this.afterNorm = child("after_norm", new LayerNorm(c.dModel(), c.layerNormEps()));
        this.encoders = child("encoders", new Sequential());
        for (int i = 0; i < c.numBlocks(); i++) encoders.add(new ConformerEncoderLayer(c, g));
    }

    /**
     * WeNet's Conformer (e.g. the AISHELL/LibriSpeech recipes): idim 80, D 256, 4 heads, 12 blocks,
     * linear_units 2048, kernel 15, dropout 0.1/0.1/0.0: 33,464,832 parameters.
     */
    public static ConformerEncoder wenet256(Generator g) {
        return new ConformerEncoder(new Config(80, 256, 4, 2048, 12, 15, 0.1f, 0.1f, 0.0f, RelPositionalEncoding.Variant.WENET, 1e-5f), g);
    }

    /** PaddleSpeech's large Conformer: as {@link #wenet256} with D 512 and 8 heads, LayerNorm eps 1e-12: 83,133,440 parameters. */
    public static ConformerEncoder paddle512(Generator g) {
        return new ConformerEncoder(new Config(80, 512, 8, 2048, 12, 15, 0.1f, 0.1f, 0.0f, RelPositionalEncoding.Variant.WENET, 1e-12f), g);
    }

    /** The encoded frames (N, T', D), their mask (N, 1, T') bool and lengths (N) int32. */
    public record Output(Tensor output, Tensor mask, Tensor lengths) {}

    public Output forward(Tensor xs, Tensor lengths) {
        if (xs.dim() != 3 || xs.size(2) != config.inputDim()) {
            throw new IllegalArgumentException("ConformerEncoder: input must be (N, T, " + config.inputDim() + "), got shape "
                    + Arrays.toString(xs.shape()));
        }
        Tensor mask = lengthMask(lengths, xs.size(0), xs.size(1), "ConformerEncoder").unsqueeze(1);
        Conv2dSubsampling4.Output e = embed.forward(xs, mask);
        Tensor x = e.x();
        for (int i = 0; i < encoders.size(); i++) {
            x = ((ConformerEncoderLayer) encoders.get(i)).forward(x, e.mask(), e.posEmb(), e.mask());
        }
        Tensor out = traced(afterNorm.forward(x), xs);
        Tensor outLengths = e.mask().to(DType.INT32).sum(new int[] {1, 2}, false).to(DType.INT32);
        return new Output(out, e.mask(), outLengths);
    }

    /**
     * {@code mask[n, t] = t < lengths[n]}, (N, T) bool, after checking lengths is int32 (N) with values
     * in 1..T.
     */
    static Tensor lengthMask(Tensor lengths, int n, int t, String layer) {
        if (lengths.dtype() != DType.INT32 || !Arrays.equals(lengths.shape(), new int[] {n})) {
            throw new IllegalArgumentException(layer + ": lengths must be int32 (" + n + "), got " + lengths.dtype().displayName()
                    + " " + Arrays.toString(lengths.shape()));
        }
        for (int len : lengths.toIntArray()) {
            if (len < 1 || len > t) throw new IllegalArgumentException(layer + ": lengths must be in 1.." + t + ", got " + len);
        }
        return Tensor.arange(t).to(lengths.device()).reshape(1, t).lt(lengths.reshape(n, 1));
    }

    public Config config() {
        return config;
    }
}
