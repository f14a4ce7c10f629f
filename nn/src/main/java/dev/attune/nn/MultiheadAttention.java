package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Init;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * Multi-head scaled dot-product attention as torch.nn.MultiheadAttention (query, key and value
 * all of width E = embed_dim; H heads of width d = E / H).
 *
 * <p>Parameters, named as in PyTorch: {@code in_proj_weight} (3E, E) holding W_q, W_k, W_v
 * stacked by rows, {@code in_proj_bias} (3E) holding b_q, b_k, b_v, and the child Linear
 * {@code out_proj} (E to E). Initialisation as torch: xavier_uniform for {@code in_proj_weight},
 * zeros for both biases, Linear's default for {@code out_proj.weight}.
 *
 * <p>Shapes: query (N, L, E), key and value (N, S, E) with {@code batchFirst}, otherwise
 * (L, N, E) and (S, N, E); unbatched (L, E) and (S, E) are accepted too. Forward, per batch
 * element n and head h:
 * <pre>
 *   q = query W_q^T + b_q,  k = key W_k^T + b_k,  v = value W_v^T + b_v   (then split into H heads of width d)
 *   s = (q_h / sqrt(d)) k_h^T + M                                          (L, S)
 *   a = softmax(s) over S,  a' = dropout(a)                                (dropout only in training)
 *   o_h = a' v_h;  output = concat_h(o_h) W_o^T + b_o
 * </pre>
 * where M is {@code -inf} at keys marked in the key padding mask (N, S) and at positions where a
 * bool {@code attnMask} is true, or the values of a float {@code attnMask} (added). An attention
 * mask is (L, S) or (N*H, L, S). The returned weights are a' averaged over the heads, (N, L, S).
 *
 * <p>With only a key padding mask (no {@code attnMask}), weights not requested and no tracer
 * listening, the core runs as one fused op ({@link F#attention}: online softmax, no (L, S) matrix);
 * the same math, except that a query whose keys are all padded gets a zero output there, where
 * the composition's softmax over only -inf gives NaN. Otherwise it is the composition above,
 * which is also what {@code explain} shows.
 *
 * <p>Backward of the attention core, with G = dL/do_h: {@code dv_h = a'^T G}, {@code da' = G v_h^T},
 * dropout passes {@code da = da' * keep / (1-p)}; the softmax Jacobian gives, row by row,
 * {@code ds_j = a_j (da_j - sum_i a_i da_i)} (masked positions have a_j = 0 and get no gradient);
 * then {@code dq_h = ds k_h / sqrt(d)} and {@code dk_h = ds^T q_h / sqrt(d)}. The projections are
 * linear maps whose backward is Linear's ({@code dx = dy W}, {@code dW = dy^T x}, {@code db = sum dy}).
 */
public final class MultiheadAttention extends Module {
    /** The attention output and, when asked for, the head-averaged attention weights (else null). */
    public record Result(Tensor output, Tensor weights) {}

    private final int embedDim, numHeads, headDim;
    private final float dropout;
    private final boolean batchFirst;
    private final Generator generator;
    private final Parameter inProjWeight, inProjBias;
    private final Linear outProj;

    /**
     * @param dropout   probability of dropping an attention weight in training
     * @param bias      whether the input and output projections have biases
     * @param generator source of the initial weights and of the dropout masks
     */
    public MultiheadAttention(int embedDim, int numHeads, float dropout, boolean bias, boolean batchFirst, Generator generator) {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention: embed_dim must be a positive multiple of num_heads, got embed_dim="
                    + embedDim + ", num_heads=" + numHeads);
        }
        if (dropout < 0f || dropout > 1f) throw new IllegalArgumentException("MultiheadAttention: dropout must be in [0, 1], got " + dropout);
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.headDim = embedDim / numHeads;
        this.dropout = dropout;
        this.batchFirst = batchFirst;
        this.generator = generator;
        this.inProjWeight = parameter("in_proj_weight", Init.xavierUniform(generator, 1.0, 3 * embedDim, embedDim));
        this.inProjBias = bias ? parameter("in_proj_bias", Tensor.zeros(3 * embedDim)) : null;
        this.outProj = child("out_proj", new Linear(embedDim, embedDim, bias, generator));
        if (bias) outProj.bias().set(Tensor.zeros(embedDim));
    }

    /** With biases, as torch's defaults. */
    public MultiheadAttention(int embedDim, int numHeads, float dropout, boolean batchFirst, Generator generator) {
        this(embedDim, numHeads, dropout, true, batchFirst, generator);
    }

    /**
     * Attends from {@code query} to {@code key}/{@code value}.
     *
     * @param keyPaddingMask bool (N, S) (or (S) unbatched), true marks keys to ignore; may be null
     * @param attnMask       (L, S) or (N*H, L, S); bool (true = not allowed) or float (added to the scores); may be null
     * @param needWeights    whether to return the attention weights averaged over heads
     */
    public Result forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask, boolean needWeights) {
        boolean batched = query.dim() == 3;
        if (query.dim() != 3 && query.dim() != 2) throw shapeError("query", "(N, L, E), (L, N, E) or (L, E)", query);
        int rank = query.dim();
        if (key.dim() != rank) throw shapeError("key", "rank " + rank + " like query", key);
        if (value.dim() != rank) throw shapeError("value", "rank " + rank + " like query", value);
        if (query.size(-1) != embedDim) throw shapeError("query", "last dim embed_dim=" + embedDim, query);
        if (!Arrays.equals(key.shape(), value.shape())) throw shapeError("value", "the key's shape " + Arrays.toString(key.shape()), value);
        if (key.size(-1) != embedDim) throw shapeError("key", "last dim embed_dim=" + embedDim, key);

        // Work in (N, L, E).
        Tensor q0 = batched ? (batchFirst ? query : query.transpose(0, 1)) : query.unsqueeze(0);
        Tensor k0 = batched ? (batchFirst ? key : key.transpose(0, 1)) : key.unsqueeze(0);
        Tensor v0 = batched ? (batchFirst ? value : value.transpose(0, 1)) : value.unsqueeze(0);
        int n = q0.size(0), l = q0.size(1), s = k0.size(1);
        if (k0.size(0) != n) throw shapeError("key", "batch size " + n + " like query", key);

        Tensor q, k, v;
        Tensor w = inProjWeight.value(), b = inProjBias == null ? null : inProjBias.value();
        if (query == key && key == value) {
            // Self-attention: one projection to 3E, then split.
            Tensor[] qkv = F.linear(q0, w, b).chunk(3, -1);
            q = qkv[0];
            k = qkv[1];
            v = qkv[2];
        } else {
            q = F.linear(q0, w.narrow(0, 0, embedDim), b == null ? null : b.narrow(0, 0, embedDim));
            k = F.linear(k0, w.narrow(0, embedDim, embedDim), b == null ? null : b.narrow(0, embedDim, embedDim));
            v = F.linear(v0, w.narrow(0, 2 * embedDim, embedDim), b == null ? null : b.narrow(0, 2 * embedDim, embedDim));
        }
        Tensor kpm = null;
        if (keyPaddingMask != null) {
            kpm = batched ? keyPaddingMask : keyPaddingMask.unsqueeze(0);
            if (kpm.dtype() != DType.BOOL || kpm.dim() != 2 || kpm.size(0) != n || kpm.size(1) != s) {
                throw new IllegalArgumentException("MultiheadAttention: key_padding_mask must be bool " + (batched ? "(N, S) = [" + n + ", " + s + "]" : "(S) = [" + s + "]")
                        + ", got " + keyPaddingMask.dtype().displayName() + " " + Arrays.toString(keyPaddingMask.shape()));
            }
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Tensor attn = null, perHead;
        if (attnMask == null && !needWeights && !tracing()) {
            // Key padding only and no weights wanted: the fused kernel, which never forms the (L, S) scores.
            perHead = F.attention(heads(q, n, l), heads(k, n, s), heads(v, n, s), null, null, kpm, scale,
                    isTraining() ? dropout : 0f, generator);
        } else {
            q = heads(q, n, l).mul(scale);                               // (N, H, L, d), scaled before the product as torch
            k = heads(k, n, s);
            v = heads(v, n, s);
            Tensor scores = q.matmul(k.transpose(-1, -2));                // (N, H, L, S)
            if (attnMask != null) scores = applyAttnMask(scores, attnMask, n, l, s);
            if (kpm != null) scores = scores.maskedFill(kpm.reshape(n, 1, 1, s), Float.NEGATIVE_INFINITY);
            attn = F.dropout(F.softmax(scores, -1), dropout, isTraining(), generator);
            note("q (N,H,L,d_k), scaled by 1/sqrt(d_k)", q);
            note("k (N,H,S,d_k)", k);
            note("v (N,H,S,d_k)", v);
            note("scores q k^T (N,H,L,S), masked", scores);
            note("weights softmax(scores) (N,H,L,S)", attn);
            perHead = attn.matmul(v);
        }
        Tensor ctx = perHead.permute(0, 2, 1, 3).reshape(n, l, embedDim);
        Tensor out = outProj.forward(ctx);
        Tensor weights = needWeights ? attn.mean(1, false) : null;
        if (!batched) {
            out = out.squeeze(0);
            if (weights != null) weights = weights.squeeze(0);
        } else if (!batchFirst) {
            out = out.transpose(0, 1);
        }
        return new Result(traced(out, query, key, value), weights);
    }

    /** Self-attention without masks, returning only the output. */
    public Tensor forward(Tensor x) {
        return forward(x, x, x, null, null, false).output();
    }

    /** (N, T, E) to (N, H, T, d). */
    private Tensor heads(Tensor x, int n, int t) {
        return x.reshape(n, t, numHeads, headDim).permute(0, 2, 1, 3);
    }

    @Override
    public String math() {
        return "q = x W_q^T + b_q, k = x W_k^T + b_k, v = x W_v^T + b_v (in_proj), split into " + numHeads + " heads of d_k = "
                + (embedDim / numHeads) + "\nscores = q k^T / sqrt(d_k), -inf where masked; weights = softmax(scores) over keys"
                + "\nout = concat_heads(weights v) W_o^T + b_o (out_proj)";
    }

    private Tensor applyAttnMask(Tensor scores, Tensor mask, int n, int l, int s) {
        Tensor m;
        if (mask.dim() == 2 && mask.size(0) == l && mask.size(1) == s) {
            m = mask;
        } else if (mask.dim() == 3 && mask.size(0) == n * numHeads && mask.size(1) == l && mask.size(2) == s) {
            m = mask.reshape(n, numHeads, l, s);
        } else {
            throw new IllegalArgumentException("MultiheadAttention: attn_mask must be (L, S) = [" + l + ", " + s + "] or (N*H, L, S) = ["
                    + n * numHeads + ", " + l + ", " + s + "], got " + Arrays.toString(mask.shape()));
        }
        if (m.dtype() == DType.BOOL) return scores.maskedFill(m, Float.NEGATIVE_INFINITY);
        if (m.dtype() == DType.FLOAT32) return scores.add(m);
        throw new IllegalArgumentException("MultiheadAttention: attn_mask must be bool or float32, got " + m.dtype().displayName());
    }

    private static IllegalArgumentException shapeError(String what, String expected, Tensor got) {
        return new IllegalArgumentException("MultiheadAttention: " + what + " must be " + expected + ", got " + Arrays.toString(got.shape()));
    }

    public int embedDim() {
        return embedDim;
    }

    public int numHeads() {
        return numHeads;
    }

    public boolean batchFirst() {
        return batchFirst;
    }

    public Parameter inProjWeight() {
        return inProjWeight;
    }

    public Parameter inProjBias() {
        return inProjBias;
    }

    public Linear outProj() {
        return outProj;
    }
}
