package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Init;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * Multi-head self-attention with relative positional scores (Transformer-XL style, as in the
 * WeNet/PaddleSpeech/ESPnet Conformer). D = heads * d_k. Parameters as in WeNet:
 * {@code linear_q}, {@code linear_k}, {@code linear_v}, {@code linear_out} (Linear(D, D) with bias),
 * {@code linear_pos} (Linear(D, D) without bias), and {@code pos_bias_u}, {@code pos_bias_v} of shape
 * (heads, d_k), initialised xavier-uniform.
 *
 * <p>Forward, query (N, T1, D), key and value (N, T2, D), pos_emb (1 or N, R, D), per head h with
 * {@code q = query W_q^T + b_q}, {@code k}, {@code v} likewise, {@code p = pos_emb W_pos^T}, all split into heads of d_k:
 * <pre>
 *   AC[i, j] = (q_i + u_h) . k_j              content term
 *   BD[i, j] = (q_i + v_h) . p_{pos(i, j)}     position term
 *   S = (AC + BD) / sqrt(d_k),  S[i, j] = -inf where mask[i, j] is false
 *   A = softmax_j(S), set to 0 where masked;  out = concat_h(dropout(A) v) W_out^T + b_out
 * </pre>
 * The variant ({@link RelPositionalEncoding.Variant}) fixes {@code pos(i, j)}:
 * {@link RelPositionalEncoding.Variant#WENET} uses R = T2 rows and {@code pos(i, j) = j} (no rel_shift; WeNet and
 * PaddleSpeech removed it); {@link RelPositionalEncoding.Variant#ESPNET} uses R = 2 T1 - 1 rows for the relative
 * positions T1-1 .. -(T1-1) and rel_shift, {@code BD[i, j] = BD'[i, T1-1-i+j]}, which is the row of relative position i-j.
 *
 * <p>The mask is bool, true where attending is allowed: (N, 1, T2) (key padding, broadcast over queries)
 * or (N, T1, T2); null attends everywhere.
 *
 * <p>The WENET variant with no mask or a (N, 1, T2) key padding mask runs as one fused op
 * ({@link F#attention} with qPos = q + v and pos = p: online softmax, no (T1, T2) matrix) unless a
 * tracer listens ({@code explain} shows the composition's intermediate terms); the rest runs the
 * composition above.
 *
 * <p>Backward, with {@code dS = A o (dA - rowsum(dA o A)) / sqrt(d_k)} (zero at masked places):
 * {@code d(q+u) = dS k}, {@code dk = dS^T (q+u)}, {@code d(q+v) = dBD' p} and {@code dp = dBD'^T (q+v)}, where
 * {@code dBD' = dS} without rel_shift and, with it, dS scatter-added back to the columns T1-1-i+j;
 * {@code dq = d(q+u) + d(q+v)}, {@code du} and {@code dv} sum those over batch and time, and
 * {@code dW_pos = dp^T pos_emb} (pos_emb's own gradient is {@code dp W_pos}).
 */
public final class RelPositionMultiHeadedAttention extends Module {
    private final int heads, dModel, dK;
    private final RelPositionalEncoding.Variant variant;
    private final Parameter posBiasU, posBiasV;
    private final Linear linearQ, linearK, linearV, linearOut, linearPos;
    private final Dropout dropout;

    public RelPositionMultiHeadedAttention(int heads, int dModel, float dropoutRate, RelPositionalEncoding.Variant variant,
                                           Generator g) {
        if (heads <= 0 || dModel % heads != 0) {
            throw new IllegalArgumentException("RelPositionMultiHeadedAttention: heads must divide d_model " + dModel + ", got " + heads);
        }
        this.heads = heads;
        this.dModel = dModel;
        this.dK = dModel / heads;
        this.variant = variant;
        this.linearQ = child("linear_q", new Linear(dModel, dModel, g));
        this.linearK = child("linear_k", new Linear(dModel, dModel, g));
        this.linearV = child("linear_v", new Linear(dModel, dModel, g));
        this.linearOut = child("linear_out", new Linear(dModel, dModel, g));
        this.dropout = child("dropout", new Dropout(dropoutRate, g));
        this.linearPos = child("linear_pos", new Linear(dModel, dModel, false, g));
        this.posBiasU = parameter("pos_bias_u", Init.xavierUniform(g, 1.0, heads, dK));
        this.posBiasV = parameter("pos_bias_v", Init.xavierUniform(g, 1.0, heads, dK));
    }

    /** (N, T, D) to (N, heads, T, d_k). */
    private Tensor splitHeads(Tensor x) {
        return x.reshape(x.size(0), x.size(1), heads, dK).transpose(1, 2);
    }

    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor mask, Tensor posEmb) {
        check(query, key, value, mask, posEmb);
        int n = query.size(0), t1 = query.size(1), t2 = key.size(1);
        Tensor q = linearQ.forward(query).reshape(n, t1, heads, dK);          // (N, T1, H, d_k)
        Tensor k = splitHeads(linearK.forward(key));
        Tensor v = splitHeads(linearV.forward(value));
        Tensor p = splitHeads(linearPos.forward(posEmb));                     // (1|N, H, R, d_k)
        Tensor qu = q.add(posBiasU.value()).transpose(1, 2);                  // (N, H, T1, d_k)
        Tensor qv = q.add(posBiasV.value()).transpose(1, 2);
        float scale = (float) (1.0 / Math.sqrt(dK));
        Tensor x;                                                             // (N, H, T1, d_k)
        if (variant == RelPositionalEncoding.Variant.WENET && (mask == null || mask.size(1) == 1) && !tracing()) {
            // Key padding only (a (N, 1, T2) mask) and no rel_shift: the fused kernel, with (q+v) p^T as its position term.
            Tensor padded = mask == null ? null : mask.eq(0f).reshape(n, t2);
            x = F.attention(qu, k, v, qv, p, padded, scale, dropout.isTraining() ? dropout.p() : 0f, dropout.generator());
        } else {
            Tensor ac = qu.matmul(k.transpose(-2, -1));                       // (N, H, T1, T2)
            Tensor bd = qv.matmul(p.transpose(-2, -1));                       // (N, H, T1, R)
            if (variant == RelPositionalEncoding.Variant.ESPNET) bd = relShift(bd);
            Tensor scores = ac.add(bd).div((float) Math.sqrt(dK));
            Tensor attn;
            if (mask != null) {
                Tensor blocked = mask.eq(0f).unsqueeze(1);                    // (N, 1, 1|T1, T2)
                attn = F.softmax(scores.maskedFill(blocked, Float.NEGATIVE_INFINITY), -1).maskedFill(blocked, 0f);
            } else {
                attn = F.softmax(scores, -1);
            }
            if (tracing()) {
                note("q (N,T1,H,d_k)", q);
                note("k (N,H,T2,d_k)", k);
                note("v (N,H,T2,d_k)", v);
                note("p = linear_pos(pos_emb) (1,H,R,d_k)", p);
                note("content term (q+u) k^T (N,H,T1,T2)", ac);
                note("position term (q+v) p^T (N,H,T1,T2)", bd);
                note("weights softmax(scores) (N,H,T1,T2)", attn);
            }
            x = dropout.forward(attn).matmul(v);
        }
        Tensor out = linearOut.forward(x.transpose(1, 2).reshape(n, t1, dModel));
        return traced(out, query, key, value, posEmb);
    }

    /**
     * ESPnet's rel_shift: x (N, H, T, 2T-1), whose column c scores relative position T-1-c, to
     * (N, H, T, T) with {@code out[i, j] = x[i, T-1-i+j]}, the score of relative position i-j.
     */
    static Tensor relShift(Tensor x) {
        int t = x.size(2);
        int[] index = new int[t * t];
        for (int i = 0; i < t; i++) for (int j = 0; j < t; j++) index[i * t + j] = t - 1 - i + j;
        Tensor idx = Tensor.ofInts(index, t, t).to(x.device()).expand(x.size(0), x.size(1), t, t);
        return x.gather(3, idx);
    }

    private void check(Tensor query, Tensor key, Tensor value, Tensor mask, Tensor posEmb) {
        String name = "RelPositionMultiHeadedAttention";
        for (Tensor t : new Tensor[] {query, key, value}) {
            if (t.dim() != 3 || t.size(2) != dModel || t.size(0) != query.size(0)) {
                throw new IllegalArgumentException(name + ": query, key and value must be (N, T, " + dModel + ") with one N, got "
                        + Arrays.toString(query.shape()) + ", " + Arrays.toString(key.shape()) + ", " + Arrays.toString(value.shape()));
            }
        }
        int n = query.size(0), t1 = query.size(1), t2 = key.size(1);
        if (value.size(1) != t2) {
            throw new IllegalArgumentException(name + ": key and value must have the same length, got " + Arrays.toString(key.shape())
                    + " and " + Arrays.toString(value.shape()));
        }
        boolean shift = variant == RelPositionalEncoding.Variant.ESPNET;
        if (shift && t1 != t2) {
            throw new IllegalArgumentException(name + ": rel_shift needs self-attention (T1 = T2), got T1 " + t1 + ", T2 " + t2);
        }
        int rows = shift ? 2 * t1 - 1 : t2;
        if (posEmb == null || posEmb.dim() != 3 || (posEmb.size(0) != 1 && posEmb.size(0) != n) || posEmb.size(1) != rows
                || posEmb.size(2) != dModel) {
            throw new IllegalArgumentException(name + ": pos_emb must be (1 or " + n + ", " + rows + ", " + dModel + ") for the "
                    + variant.name().toLowerCase(java.util.Locale.ROOT) + " variant, got "
                    + (posEmb == null ? "null" : Arrays.toString(posEmb.shape())));
        }
        if (mask != null && (mask.dtype() != DType.BOOL || mask.dim() != 3 || mask.size(0) != n
                || (mask.size(1) != 1 && mask.size(1) != t1) || mask.size(2) != t2)) {
            throw new IllegalArgumentException(name + ": mask must be bool (" + n + ", 1 or " + t1 + ", " + t2 + "), got "
                    + mask.dtype().displayName() + " " + Arrays.toString(mask.shape()));
        }
    }

    public int heads() {
        return heads;
    }

    @Override
    protected String extraRepr() {
        return "heads=" + heads + ", d_model=" + dModel + ", variant=" + variant.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String math() {
        return "q, k, v = linear_q(x), linear_k(x), linear_v(x), split into " + heads + " heads of d_k = " + dK
                + "\np = linear_pos(pos_emb) (no bias); u = pos_bias_u, v = pos_bias_v (heads, d_k)"
                + "\nscores = ((q + u) k^T + (q + v) p^T" + (variant == RelPositionalEncoding.Variant.ESPNET ? ", rel_shifted" : "")
                + ") / sqrt(d_k); weights = softmax(scores), 0 where masked"
                + "\nout = linear_out(concat_heads(weights v))";
    }
}
