package dev.attune.nn.las;

import dev.attune.nn.Conv1d;
import dev.attune.nn.Linear;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;

/**
 * Location-aware attention (Chorowski et al. 2015), laid out like ESPnet's AttLoc:
 * <pre>
 *   f = conv1d(alpha_prev)                           (N, C, U), C filters of width 2K+1, padding K
 *   e_u = w^T tanh(W s + V h_u + U f_u + b) + b_w
 * </pre>
 * Children: {@code mlp_enc} = V with bias b (D to A), {@code mlp_dec} = W (S to A, no bias),
 * {@code loc_conv} (Conv1d(1, C, 2K+1, padding K, no bias)), {@code mlp_att} = U (C to A, no bias),
 * {@code gvec} = w (A to 1, its bias b_w shifts all energies alike, so softmax ignores it).
 * The location term lets the weights move forward from where they were, which keeps long
 * utterances aligned.
 */
public final class LocationAwareAttention extends Attention {
    private final int attentionDim, channels, kernel;
    private final Linear mlpEnc, mlpDec, mlpAtt, gvec;
    private final Conv1d locConv;

    /** {@code channels} filters of width {@code 2 * halfWidth + 1} over the previous weights. */
    public LocationAwareAttention(int queryDim, int valueDim, int attentionDim, int channels, int halfWidth, Generator g) {
        super(queryDim, valueDim);
        if (attentionDim <= 0 || channels <= 0 || halfWidth < 0) {
            throw new IllegalArgumentException("LocationAwareAttention: need positive attentionDim and channels and halfWidth >= 0, got "
                    + attentionDim + ", " + channels + ", " + halfWidth);
        }
        this.attentionDim = attentionDim;
        this.channels = channels;
        this.kernel = 2 * halfWidth + 1;
        this.mlpEnc = child("mlp_enc", new Linear(valueDim, attentionDim, g));
        this.mlpDec = child("mlp_dec", new Linear(queryDim, attentionDim, false, g));
        this.mlpAtt = child("mlp_att", new Linear(channels, attentionDim, false, g));
        this.locConv = child("loc_conv", new Conv1d(1, channels, kernel, 1, halfWidth, 1, 1, false, g));
        this.gvec = child("gvec", new Linear(attentionDim, 1, g));
    }

    @Override
    protected Tensor keys(Tensor values) {
        return mlpEnc.forward(values);
    }

    @Override
    protected Tensor energies(Tensor query, Memory memory, Tensor previousWeights) {
        Tensor loc = locConv.forward(previousWeights.unsqueeze(1)).transpose(1, 2);   // (N, U, C)
        Tensor sum = memory.keys().add(mlpDec.forward(query).unsqueeze(1)).add(mlpAtt.forward(loc));
        return gvec.forward(sum.tanh()).squeeze(2);
    }

    @Override
    protected String extraRepr() {
        return "query_dim=" + queryDim + ", value_dim=" + valueDim + ", attention_dim=" + attentionDim
                + ", channels=" + channels + ", kernel=" + kernel;
    }
}
