package dev.attune.nn;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * One Conformer block as WeNet and PaddleSpeech build it (macaron feed-forward, pre-norm, no
 * concat-after). Children: {@code self_attn} ({@link RelPositionMultiHeadedAttention}), {@code feed_forward} and
 * {@code feed_forward_macaron} ({@link PositionwiseFeedForward}), {@code conv_module} ({@link ConvolutionModule}), and
 * LayerNorms {@code norm_ff}, {@code norm_mha}, {@code norm_ff_macaron}, {@code norm_conv}, {@code norm_final}.
 *
 * <p>Forward, x (N, T, D), mask (N, 1 or T, T) bool for the attention, pos_emb from the positional
 * encoding, mask_pad (N, 1, T) bool for the convolution (true = real frame):
 * <pre>
 *   x = x + 0.5 dropout(feed_forward_macaron(norm_ff_macaron(x)))
 *   x = x + dropout(self_attn(norm_mha(x), mask, pos_emb))
 *   x = x + dropout(conv_module(norm_conv(x), mask_pad))
 *   x = x + 0.5 dropout(feed_forward(norm_ff(x)))
 *   out = norm_final(x)
 * </pre>
 */
public final class ConformerEncoderLayer extends Module {
    private final int dModel;
    private final RelPositionMultiHeadedAttention selfAttn;
    private final PositionwiseFeedForward feedForward, feedForwardMacaron;
    private final ConvolutionModule convModule;
    private final LayerNorm normFf, normMha, normFfMacaron, normConv, normFinal;
    private final Dropout dropout;

    public ConformerEncoderLayer(ConformerEncoder.Config c, Generator g) {
        this.dModel = c.dModel();
        this.selfAttn = child("self_attn", new RelPositionMultiHeadedAttention(c.heads(), c.dModel(), c.attentionDropout(), c.variant(), g));
        this.feedForward = child("feed_forward", new PositionwiseFeedForward(c.dModel(), c.linearUnits(), c.dropout(), Activation.silu(), g));
        this.feedForwardMacaron = child("feed_forward_macaron",
                new PositionwiseFeedForward(c.dModel(), c.linearUnits(), c.dropout(), Activation.silu(), g));
        this.convModule = child("conv_module", new ConvolutionModule(c.dModel(), c.kernel(), g));
        this.normFf = child("norm_ff", new LayerNorm(c.dModel(), c.layerNormEps()));
        this.normMha = child("norm_mha", new LayerNorm(c.dModel(), c.layerNormEps()));
        this.normFfMacaron = child("norm_ff_macaron", new LayerNorm(c.dModel(), c.layerNormEps()));
        this.normConv = child("norm_conv", new LayerNorm(c.dModel(), c.layerNormEps()));
        this.normFinal = child("norm_final", new LayerNorm(c.dModel(), c.layerNormEps()));
        this.dropout = child("dropout", new Dropout(c.dropout(), g));
    }

    public Tensor forward(Tensor x, Tensor mask, Tensor posEmb, Tensor maskPad) {
        if (x.dim() != 3 || x.size(2) != dModel) {
            throw new IllegalArgumentException("ConformerEncoderLayer: input must be (N, T, " + dModel + "), got shape "
                    + Arrays.toString(x.shape()));
        }
        Tensor h = x.add(dropout.forward(feedForwardMacaron.forward(normFfMacaron.forward(x))).mul(0.5f));
        Tensor a = normMha.forward(h);
        h = h.add(dropout.forward(selfAttn.forward(a, a, a, mask, posEmb)));
        h = h.add(dropout.forward(convModule.forward(normConv.forward(h), maskPad)));
        h = h.add(dropout.forward(feedForward.forward(normFf.forward(h))).mul(0.5f));
        return traced(normFinal.forward(h), x);
    }
}
