package dev.attune.nn;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * One Transformer encoder block as torch.nn.TransformerEncoderLayer: self-attention and a
 * position-wise feed-forward network, each with a residual connection and LayerNorm.
 *
 * <p>Children, named as in PyTorch: {@code self_attn} ({@link MultiheadAttention}), {@code linear1}
 * (d_model to dim_feedforward), {@code dropout}, {@code linear2} (back to d_model), {@code norm1},
 * {@code norm2}, {@code dropout1}, {@code dropout2}. With {@code sa(x) = self_attn(x, x, x)} and
 * {@code ff(x) = linear2(dropout(act(linear1(x))))}, act = ReLU or GELU:
 * <pre>
 *   post-norm (default):  x = norm1(x + dropout1(sa(x)));   x = norm2(x + dropout2(ff(x)))
 *   pre-norm (norm_first): x = x + dropout1(sa(norm1(x)));    x = x + dropout2(ff(norm2(x)))
 * </pre>
 * x is (N, T, d_model) with {@code batchFirst}, else (T, N, d_model). Backward: the residual
 * sums pass the gradient to both branches; each branch's backward is that of its layers
 * (see {@link MultiheadAttention}, {@link LayerNorm}, {@link Linear}).
 */
public final class TransformerEncoderLayer extends Module {
    private final int dModel;
    private final boolean normFirst, batchFirst;
    private final MultiheadAttention selfAttn;
    private final Linear linear1, linear2;
    private final Dropout dropout, dropout1, dropout2;
    private final LayerNorm norm1, norm2;
    private final Activation activation;

    /**
     * @param activation "relu" or "gelu"
     */
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, float dropout, String activation,
                                   float layerNormEps, boolean batchFirst, boolean normFirst, Generator g) {
        if (!activation.equals("relu") && !activation.equals("gelu")) {
            throw new IllegalArgumentException("TransformerEncoderLayer: activation must be relu or gelu, got '" + activation + "'");
        }
        this.dModel = dModel;
        this.normFirst = normFirst;
        this.batchFirst = batchFirst;
        this.selfAttn = child("self_attn", new MultiheadAttention(dModel, nhead, dropout, true, batchFirst, g));
        this.linear1 = child("linear1", new Linear(dModel, dimFeedforward, g));
        this.dropout = child("dropout", new Dropout(dropout, g));
        this.linear2 = child("linear2", new Linear(dimFeedforward, dModel, g));
        this.norm1 = child("norm1", new LayerNorm(dModel, layerNormEps));
        this.norm2 = child("norm2", new LayerNorm(dModel, layerNormEps));
        this.dropout1 = child("dropout1", new Dropout(dropout, g));
        this.dropout2 = child("dropout2", new Dropout(dropout, g));
        this.activation = Activation.byName(activation);
    }

    /** torch's defaults: ReLU, eps 1e-5, sequence-first, post-norm. */
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, float dropout, Generator g) {
        this(dModel, nhead, dimFeedforward, dropout, "relu", 1e-5f, false, false, g);
    }

    /**
     * @param srcMask           attention mask (T, T) or (N*nhead, T, T), bool or additive float; may be null
     * @param srcKeyPaddingMask bool (N, T), true marks padding frames that no frame attends to; may be null
     */
    public Tensor forward(Tensor x, Tensor srcMask, Tensor srcKeyPaddingMask) {
        if ((x.dim() != 3 && x.dim() != 2) || x.size(-1) != dModel) {
            throw new IllegalArgumentException("TransformerEncoderLayer: input must be " + (batchFirst ? "(N, T, " : "(T, N, ") + dModel
                    + ") or (T, " + dModel + "), got " + Arrays.toString(x.shape()));
        }
        Tensor y;
        if (normFirst) {
            y = x.add(selfAttentionBlock(norm1.forward(x), srcMask, srcKeyPaddingMask));
            y = y.add(feedForwardBlock(norm2.forward(y)));
        } else {
            y = norm1.forward(x.add(selfAttentionBlock(x, srcMask, srcKeyPaddingMask)));
            y = norm2.forward(y.add(feedForwardBlock(y)));
        }
        return traced(y, x);
    }

    public Tensor forward(Tensor x, Tensor srcKeyPaddingMask) {
        return forward(x, null, srcKeyPaddingMask);
    }

    private Tensor selfAttentionBlock(Tensor x, Tensor mask, Tensor keyPaddingMask) {
        return dropout1.forward(selfAttn.forward(x, x, x, keyPaddingMask, mask, false).output());
    }

    private Tensor feedForwardBlock(Tensor x) {
        return dropout2.forward(linear2.forward(dropout.forward(linear1.forward(x, activation))));
    }

    public MultiheadAttention selfAttn() {
        return selfAttn;
    }

    public int dModel() {
        return dModel;
    }

    public boolean batchFirst() {
        return batchFirst;
    }

    @Override
    public String math() {
        return normFirst ? "x = x + dropout1(self_attn(norm1(x)));  x = x + dropout2(linear2(dropout(act(linear1(norm2(x))))))"
                : "x = norm1(x + dropout1(self_attn(x)));  x = norm2(x + dropout2(linear2(dropout(act(linear1(x))))))";
    }
}
