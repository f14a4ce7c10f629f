package dev.attune.nn;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * One Conformer layer as torchaudio.models.conformer.ConformerLayer (BatchNorm, attention before
 * convolution), with torchaudio's member names:
 * {@code ffn1}, {@code self_attn_layer_norm}, {@code self_attn} ({@link MultiheadAttention}, sequence-first),
 * {@code self_attn_dropout}, {@code conv_module}, {@code ffn2}, {@code final_layer_norm}.
 *
 * <p>Forward, x (T, B, D) (torchaudio's sequence-first layout) and an optional key padding mask
 * (B, T) bool, true at padded frames:
 * <pre>
 *   x = x + 0.5 ffn1(x)
 *   x = x + self_attn_dropout(self_attn(LN(x), LN(x), LN(x), key_padding_mask))
 *   x = x + conv_module(x)
 *   x = x + 0.5 ffn2(x)
 *   out = final_layer_norm(x)
 * </pre>
 * with {@code ffn(x) = Dropout(Linear(Dropout(SiLU(Linear(LN(x))))))} and
 * {@code conv_module(x) = Dropout(Conv1d_pw2(SiLU(BatchNorm(Conv1d_dw(GLU(Conv1d_pw1(LN(x))))))))} over (B, D, T).
 * torchaudio's convolution does not mask padded frames, so real frames near the end of a padded utterance
 * see the padding through the depthwise kernel; the {@code maskConvolution} option zeroes padded frames
 * after the GLU instead, which makes the output at real frames (in eval mode) independent of the padding.
 */
public final class ConformerLayer extends Module {
    /**
     * torchaudio's {@code _FeedForwardModule}: {@code sequential} = LayerNorm(D), Linear(D, F), SiLU, Dropout,
     * Linear(F, D), Dropout. x (..., D) to (..., D).
     */
    public static final class FeedForwardModule extends Module {
        private final int dim;
        private final Sequential sequential;

        public FeedForwardModule(int dim, int hidden, float dropout, Generator g) {
            this.dim = dim;
            this.sequential = child("sequential", new Sequential());
            LayerNorm norm = new LayerNorm(dim, 1e-5f);
            Linear up = new Linear(dim, hidden, g), down = new Linear(hidden, dim, g);
            Activation act = Activation.silu();
            Dropout d1 = new Dropout(dropout, g), d2 = new Dropout(dropout, g);
            sequential.add(norm, norm::forward);
            sequential.addLinearActivation(up, act);
            sequential.add(d1, d1::forward);
            sequential.add(down, down::forward);
            sequential.add(d2, d2::forward);
        }

        public Tensor forward(Tensor x) {
            if (x.dim() == 0 || x.size(-1) != dim) {
                throw new IllegalArgumentException("FeedForwardModule: input must be (..., " + dim + "), got shape " + Arrays.toString(x.shape()));
            }
            return traced(sequential.forward(x), x);
        }
    }

    /**
     * torchaudio's {@code _ConvolutionModule} with bias and BatchNorm: {@code layer_norm} LayerNorm(D), then
     * {@code sequential} = Conv1d(D, 2D, 1), GLU(dim 1), Conv1d(D, D, k, groups D, padding (k-1)/2),
     * BatchNorm1d(D), SiLU, Conv1d(D, D, 1), Dropout, applied over (B, D, T). x (B, T, D) to (B, T, D).
     * Given a padding mask (B, T) (true = padding), the GLU output is zeroed at padded frames before the
     * depthwise convolution, so they cannot reach real frames (an Attune option; torchaudio has no mask here).
     */
    public static final class ConvolutionModule extends Module {
        private final int dim;
        private final LayerNorm layerNorm;
        private final Sequential sequential;
        private final Conv1d pointwise1, depthwise, pointwise2;
        private final Activation glu, silu;
        private final BatchNorm1d norm;
        private final Dropout dropout;

        public ConvolutionModule(int dim, int kernel, float dropout, Generator g) {
            if (kernel <= 0 || kernel % 2 == 0) {
                throw new IllegalArgumentException("ConvolutionModule: depthwise kernel size must be odd for 'same' padding, got " + kernel);
            }
            this.dim = dim;
            this.layerNorm = child("layer_norm", new LayerNorm(dim, 1e-5f));
            this.sequential = child("sequential", new Sequential());
            this.pointwise1 = sequential.add(new Conv1d(dim, 2 * dim, 1, 1, 0, 1, 1, true, g));
            this.glu = sequential.add(Activation.glu(1));
            this.depthwise = sequential.add(new Conv1d(dim, dim, kernel, 1, (kernel - 1) / 2, 1, dim, true, g));
            this.norm = sequential.add(new BatchNorm1d(dim));
            this.silu = sequential.add(Activation.silu());
            this.pointwise2 = sequential.add(new Conv1d(dim, dim, 1, 1, 0, 1, 1, true, g));
            this.dropout = sequential.add(new Dropout(dropout, g));
        }

        /** x (B, T, D); paddingMask (B, T) bool, true at padding, or null for torchaudio's behaviour. */
        public Tensor forward(Tensor x, Tensor paddingMask) {
            if (x.dim() != 3 || x.size(2) != dim) {
                throw new IllegalArgumentException("ConvolutionModule: input must be (B, T, " + dim + "), got shape " + Arrays.toString(x.shape()));
            }
            Tensor h = glu.forward(pointwise1.forward(layerNorm.forward(x).transpose(1, 2)));     // (B, D, T)
            if (paddingMask != null) h = h.maskedFill(paddingMask.unsqueeze(1), 0f);
            h = pointwise2.forward(silu.forward(norm.forward(depthwise.forward(h))));
            return traced(dropout.forward(h).transpose(1, 2), x);
        }
    }

    private final int dim;
    private final FeedForwardModule ffn1, ffn2;
    private final LayerNorm selfAttnLayerNorm, finalLayerNorm;
    private final MultiheadAttention selfAttn;
    private final Dropout selfAttnDropout;
    private final ConvolutionModule convModule;
    private final boolean maskConvolution;

    /** As torchaudio's {@code ConformerLayer(input_dim, ffn_dim, num_attention_heads, depthwise_conv_kernel_size, dropout)}. */
    public ConformerLayer(int inputDim, int ffnDim, int numHeads, int kernel, float dropout, Generator g) {
        this(inputDim, ffnDim, numHeads, kernel, dropout, false, g);
    }

    /**
     * @param maskConvolution also pass the key padding mask to the convolution module, which then zeroes
     *                        padded frames before its depthwise convolution (same parameters as torchaudio;
     *                        in eval mode real frames then do not depend on padding at all)
     */
    public ConformerLayer(int inputDim, int ffnDim, int numHeads, int kernel, float dropout, boolean maskConvolution, Generator g) {
        this.dim = inputDim;
        this.maskConvolution = maskConvolution;
        this.ffn1 = child("ffn1", new FeedForwardModule(inputDim, ffnDim, dropout, g));
        this.selfAttnLayerNorm = child("self_attn_layer_norm", new LayerNorm(inputDim, 1e-5f));
        this.selfAttn = child("self_attn", new MultiheadAttention(inputDim, numHeads, dropout, false, g));
        this.selfAttnDropout = child("self_attn_dropout", new Dropout(dropout, g));
        this.convModule = child("conv_module", new ConvolutionModule(inputDim, kernel, dropout, g));
        this.ffn2 = child("ffn2", new FeedForwardModule(inputDim, ffnDim, dropout, g));
        this.finalLayerNorm = child("final_layer_norm", new LayerNorm(inputDim, 1e-5f));
    }

    /** {@code conformer-layer-80}: ConformerLayer(80, ffn 256, 4 heads, kernel 31, dropout 0.1), 131,472 parameters. */
    public static ConformerLayer conformerLayer80(Generator g) {
        return new ConformerLayer(80, 256, 4, 31, 0.1f, g);
    }

    /** x (T, B, D), keyPaddingMask (B, T) bool with true at padding, or null. */
    public Tensor forward(Tensor x, Tensor keyPaddingMask) {
        if (x.dim() != 3 || x.size(2) != dim) {
            throw new IllegalArgumentException("ConformerLayer: input must be (T, B, " + dim + "), got shape " + Arrays.toString(x.shape()));
        }
        Tensor h = x.add(ffn1.forward(x).mul(0.5f));
        Tensor a = selfAttnLayerNorm.forward(h);
        h = h.add(selfAttnDropout.forward(selfAttn.forward(a, a, a, keyPaddingMask, null, false).output()));
        h = h.add(convModule.forward(h.transpose(0, 1), maskConvolution ? keyPaddingMask : null).transpose(0, 1));
        h = h.add(ffn2.forward(h).mul(0.5f));
        return traced(finalLayerNorm.forward(h), x);
    }
}
