package dev.attune.kernels;

/**
 * The contract every compute backend implements, over raw storages with element offsets.
 * Unless a method says otherwise, operands are dense row-major ("contiguous") starting at
 * their offset, and outputs are written densely. The tensor layer checks shapes, dtypes and
 * devices before it calls a backend, so implementations assume valid arguments.
 *
 * <p>Layout conventions: a reduction or normalisation "along a dim" sees the tensor as
 * {@code (outer, n, inner)}, where {@code n} is the size of that dim.
 */
public interface Backend {

    String name();

    // ---- memory -------------------------------------------------------------------------

    /** A zero-filled storage. */
    Storage allocate(DType dtype, int size);

    /**
     * A storage whose values are unspecified (a reused buffer keeps its old values), for an output that the
     * next kernel writes in full: it saves the zero fill. By default the same as {@link #allocate}.
     */
    default Storage allocateForOverwrite(DType dtype, int size) {
        return allocate(dtype, size);
    }

    Storage upload(float[] data);

    /** Integer or boolean data; BOOL values must be 0 or 1. */
    Storage upload(int[] data, DType dtype);

    float[] downloadFloats(Storage s, int offset, int size);

    int[] downloadInts(Storage s, int offset, int size);

    /**
     * Copies one strided view into another of the same shape: for every index {@code idx} of
     * {@code shape}, {@code dst[dstOffset + idx . dstStrides] = src[srcOffset + idx . srcStrides]}.
     * This is how views become contiguous and how slices are written. It converts between
     * dtypes when the storages differ (float to int truncates toward zero, nonzero to BOOL is 1).
     */
    void copyStrided(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides,
                     int[] shape);

    void fill(Storage dst, int offset, int size, float value);

    // ---- elementwise ----------------------------------------------------------------------

    /** {@code out[i] = op(x[i]; a, b)} for {@code i < n}, FLOAT32. */
    void unary(UnaryOp op, float a, float b, Storage x, int xOffset, Storage out, int outOffset, int n);

    /**
     * {@code out = op(a, b)} over {@code shape}; the operands are strided views (a zero stride
     * broadcasts), the output dense. Operands may be FLOAT32, INT32 or BOOL, read as floats.
     */
    void binary(BinaryOp op, int[] shape, Storage a, int aOffset, int[] aStrides,
                Storage b, int bOffset, int[] bStrides, Storage out, int outOffset);

    /** {@code out = cond ? a : b} over {@code shape}, all three strided, output dense FLOAT32. */
    void where(int[] shape, Storage cond, int cOffset, int[] cStrides, Storage a, int aOffset, int[] aStrides,
               Storage b, int bOffset, int[] bStrides, Storage out, int outOffset);

    /**
     * Bias and activation in one pass over a dense (rows, cols) x from offset 0:
     * {@code out[r, j] = act(x[r, j] + bias[j])}, act one of RELU, SILU, GELU, TANH, SIGMOID (what
     * a Linear layer's output meets). One read of x and one write of out, where {@code add} then
     * the activation would write and read an intermediate tensor.
     */
    void biasActivation(UnaryOp act, Storage x, Storage bias, int rows, int cols, Storage out);

    /**
     * The backward of {@link #biasActivation}: {@code gx = gy act'(x + bias)} from the forward
     * input (nothing else is kept), and, when gBias is not null, {@code gBias[j] = sum_r gx[r, j]}
     * in an order that does not depend on the thread count.
     */
    void biasActivationBackward(UnaryOp act, Storage x, Storage bias, Storage gy, int rows, int cols,
                                Storage gx, Storage gBias);

    // ---- reductions -------------------------------------------------------------------------

    /** {@code out[o, i] = op over j of x[o, j, i]} for the (outer, n, inner) layout. */
    void reduce(ReduceOp op, Storage x, int xOffset, int outer, int n, int inner, Storage out, int outOffset);

    // ---- linear algebra -----------------------------------------------------------------------

    /**
     * Batched strided SGEMM, row-major: for each batch {@code p < batch},
     * {@code C_p = alpha * op(A_p) op(B_p) + beta * C_p}, with {@code op(A_p)} of shape (m, k)
     * and {@code op(B_p)} of shape (k, n). {@code A_p} starts at {@code aOffset + p * strideA}
     * with leading dimension {@code lda}: it is stored (m, k) when not transposed, (k, m) when
     * transposed. Likewise B, and C is (m, n) with leading dimension {@code ldc}.
     */
    void gemm(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha,
              Storage a, int aOffset, int lda, long strideA,
              Storage b, int bOffset, int ldb, long strideB, float beta,
              Storage c, int cOffset, int ldc, long strideC);

    // ---- fused row kernels --------------------------------------------------------------------

    /** Softmax (or log-softmax) along the middle axis of (outer, n, inner). */
    void softmax(boolean log, Storage x, int xOffset, int outer, int n, int inner, Storage out, int outOffset);

    /**
     * Backward of {@link #softmax}, given its output {@code y} and upstream gradient {@code gy}:
     * softmax {@code gx = y * (gy - sum_j gy_j y_j)}; log-softmax {@code gx = gy - exp(y) * sum_j gy_j}.
     */
    void softmaxBackward(boolean log, Storage y, Storage gy, int outer, int n, int inner, Storage gx);

    /**
     * Layer norm over the last {@code cols} elements of each of {@code rows} rows:
     * {@code out = (x - mean) * rstd * gamma + beta}, with biased variance. Writes the per-row
     * {@code mean} and {@code rstd = 1/sqrt(var + eps)} for the backward. gamma/beta may be null.
     */
    void layerNorm(Storage x, Storage gamma, Storage beta, int rows, int cols, float eps,
                   Storage out, Storage mean, Storage rstd);

    /**
     * With {@code xhat = (x - mean) rstd} and {@code g = gy * gamma}:
     * {@code gx = rstd * (g - mean_j(g) - xhat * mean_j(g xhat))}, {@code gGamma = sum_rows gy xhat},
     * {@code gBeta = sum_rows gy}. gamma, gGamma, gBeta may be null.
     */
    void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, int rows, int cols,
                           Storage gx, Storage gGamma, Storage gBeta);

    /**
     * Per-channel statistics of x laid out (outer, channels, inner): biased mean and variance
     * over the outer and inner axes.
     */
    void channelMoments(Storage x, int outer, int channels, int inner, Storage mean, Storage var);

    /**
     * Per-channel affine normalisation of (outer, channels, inner):
     * {@code out = (x - mean[c]) * invStd[c] * gamma[c] + beta[c]}; gamma/beta may be null.
     */
    void channelNormalize(Storage x, int outer, int channels, int inner, Storage mean, Storage invStd,
                          Storage gamma, Storage beta, Storage out);

    /**
     * Batch norm with batch statistics in one call: {@link #channelMoments} into mean and var,
     * {@code invStd = 1 / sqrt(var + eps)}, then {@link #channelNormalize} into out. This default
     * composes those calls; a backend may fuse them (the CPU reads x from memory once).
     */
    default void batchNormTraining(Storage x, int outer, int channels, int inner, float eps, Storage gamma, Storage beta,
                                   Storage mean, Storage var, Storage invStd, Storage out) {
        channelMoments(x, outer, channels, inner, mean, var);
        unary(UnaryOp.AFFINE, 1f, eps, var, 0, invStd, 0, channels);
        unary(UnaryOp.RSQRT, 0f, 0f, invStd, 0, invStd, 0, channels);
        channelNormalize(x, outer, channels, inner, mean, invStd, gamma, beta, out);
    }

    /**
     * Batch-norm backward in training mode (statistics from the batch), m = outer * inner:
     * {@code gx = gamma invStd (gy - mean(gy) - xhat mean(gy xhat))},
     * {@code gGamma = sum gy xhat}, {@code gBeta = sum gy}. gamma, gGamma, gBeta may be null.
     */
    void batchNormBackward(Storage x, Storage gy, int outer, int channels, int inner, Storage mean, Storage invStd,
                           Storage gamma, Storage gx, Storage gGamma, Storage gBeta);

    // ---- attention ------------------------------------------------------------------------------

    /**
     * Fused scaled dot-product attention over n*h heads, never holding a (tq, tk) score matrix.
     * Operands are dense row-major from offset 0: q, qPos, out (n, h, tq, d); k, v (n, h, tk, d);
     * pos (pBatch, h, tk, d) with pBatch 1 (shared by the batch) or n; qPos = pos = null when there
     * is no position term; keyPadding (n, tk) BOOL, 1 = padded key, or null; lse (n, h, tq).
     * <pre>
     *   S = scale (q k^T + qPos pos^T),  S[b, *, *, j] = -inf where keyPadding[b, j]
     *   P = softmax_j(S),  lse_i = log sum_j exp(S_ij)
     *   out = (P o M / (1 - dropoutP)) v
     * </pre>
     * A row whose keys are all padded gets lse = -inf and a zero output. M is the dropout
     * keep-mask: with dropoutP > 0, element (b, hh, i, j) is kept exactly when
     * {@link #random} BERNOULLI with a = 1 - dropoutP, generator {@code seed}, keeps flat element
     * ((b h + hh) tq + i) tk + j of a tensor filled from stream position {@code counter}.
     */
    void attention(Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch, Storage keyPadding,
                   int n, int h, int tq, int tk, int d, float scale, float dropoutP, long seed, long counter,
                   Storage out, Storage lse);

    /**
     * Backward of {@link #attention}, recomputing P from the forward's {@code lse}; with dO = gOut,
     * D_i = sum_c dO_ic out_ic and Z = M / (1 - dropoutP):
     * <pre>
     *   dP = (dO v^T) o Z,  dS = P o (dP - D)
     *   gq = scale dS k,  gk = scale dS^T q,  gv = (P o Z)^T dO
     *   gqPos = scale dS pos,  gPos = scale dS^T qPos   (summed over the batch when pBatch = 1)
     * </pre>
     * Shapes as in {@link #attention}; gq, gqPos like q, gk, gv like k, gPos like pos (gqPos and
     * gPos null without a position term). Gradients are overwritten, not accumulated; rows whose
     * keys are all padded get zero gradients.
     */
    void attentionBackward(Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch, Storage keyPadding,
                           int n, int h, int tq, int tk, int d, float scale, float dropoutP, long seed, long counter,
                           Storage out, Storage lse, Storage gOut,
                           Storage gq, Storage gk, Storage gv, Storage gqPos, Storage gPos);

    // ---- recurrent cells ------------------------------------------------------------------------

    /**
     * The pointwise part of an LSTM step, for n rows of hidden size h. gates (n, 4h) holds the
     * pre-activations in PyTorch's order i, f, g, o; c (n, h) is the previous cell state, or null
     * for zeros; every operand is dense from offset 0:
     * <pre>
     *   i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
     *   cNext = f c + i g   (i g when c is null)       hNext = o tanh(cNext)
     * </pre>
     * Writes hNext and cNext (n, h), the activated gates {@code acts} (n, 4h) in the order of
     * {@code gates}, and {@code tanhC} = tanh(cNext) (n, h): what {@link #lstmCellBackward} needs.
     * Each product is rounded on its own (no fused multiply-add).
     */
    void lstmCell(Storage gates, Storage c, int n, int h, Storage hNext, Storage cNext, Storage acts, Storage tanhC);

    /**
     * Backward of {@link #lstmCell} from the saved {@code acts} and {@code tanhC}, the previous
     * state c (null for zeros) and the gradients gH of hNext and gC of cNext (either may be null:
     * zero), all dense from offset 0:
     * <pre>
     *   dc = gC + gH o (1 - tanhC^2)
     *   dA_i = dc g i (1 - i)   dA_f = dc c f (1 - f)   dA_g = dc i (1 - g^2)   dA_o = gH tanhC o (1 - o)
     *   gCPrev = dc f
     * </pre>
     * Overwrites gGates (n, 4h) and, unless null, gCPrev (n, h); gCPrev must be null when c is.
     */
    void lstmCellBackward(Storage acts, Storage tanhC, Storage c, Storage gH, Storage gC, int n, int h,
                          Storage gGates, Storage gCPrev);

    // ---- optimizers ---------------------------------------------------------------------------

    /**
     * One Adam / AdamW update of n parameters, in place, with the scalars of {@code s} (β1, β2, ε,
     * weight decay λ or factor 1 − γλ, stepSize = γ / (1 − β1^t), b2 = √(1 − β2^t)). For each element:
     * <pre>
     *   g ← g + λ p                 (L2)      p ← p (1 − γλ)            (DECOUPLED)
     *   m ← β1 m + (1 − β1) g       v ← β2 v + (1 − β2) g²
     *   vmax ← max(vmax, v), used for v below   (AMSGrad: only when maxExpAvgSq is not null)
     *   p ← p + (m / (√v / b2 + ε)) (−stepSize)
     * </pre>
     * param, expAvg, expAvgSq and maxExpAvgSq are read and overwritten; grad is only read. All are
     * dense FLOAT32 from offset 0 and must be distinct storages. Every step is one float32 operation
     * rounded on its own, in the order written, and each product by a scalar is rounded as
     * {@code fma(x, scalar, 0)}: the same numbers as the composition of tensor ops it replaces.
     */
    void adamStep(Storage param, Storage grad, Storage expAvg, Storage expAvgSq, Storage maxExpAvgSq, int n, AdamScalars s);

    // ---- convolution helpers ------------------------------------------------------------------

    /**
     * im2col for a 2-D convolution of one image stack (n, c, h, w) into columns laid out
     * (n, c * kh * kw, oh * ow); padding reads zeros. 1-D convolutions use h = kh = 1.
     */
    void im2col(Storage x, int xOffset, int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                int padH, int padW, int dilH, int dilW, int oh, int ow, Storage cols);

    /** The adjoint of {@link #im2col}: adds the columns back into a zeroed (n, c, h, w) gradient. */
    void col2im(Storage cols, int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                int padH, int padW, int dilH, int dilW, int oh, int ow, Storage x, int xOffset);

    /**
     * Depthwise 1-D convolution (one kernel per channel, groups = channels) of x (n, c, l) with
     * w (c, k) and optional bias (c): {@code y[b,ch,t] = bias[ch] + sum_j w[ch,j] x[b, ch, t*stride - pad + j*dil]}
     * (zero outside [0, l)), y (n, c, lout). One launch for all channels.
     */
    void depthwiseConv1d(Storage x, Storage w, Storage bias, int n, int c, int l, int k, int stride, int pad, int dil, int lout,
                         Storage y);

    /**
     * Backward of {@link #depthwiseConv1d}: {@code gx[b,ch,i] = sum over (t, j) with t*stride - pad + j*dil = i of w[ch,j] gy[b,ch,t]},
     * {@code gw[ch,j] = sum_{b,t} gy[b,ch,t] x[b, ch, t*stride - pad + j*dil]}. gx is overwritten; either output may be null.
     */
    void depthwiseConv1dBackward(Storage x, Storage w, Storage gy, int n, int c, int l, int k, int stride, int pad, int dil,
                                 int lout, Storage gx, Storage gw);

    // ---- indexing -----------------------------------------------------------------------------

    /**
     * {@code out[o, j, i] = src[o, index[j], i]} for src (outer, n, inner) and INT32 index of
     * length m; out is (outer, m, inner). Indices are checked by the caller.
     */
    void indexSelect(Storage src, int outer, int n, int inner, Storage index, int m, Storage out);

    /** The adjoint of indexSelect: {@code dst[o, index[j], i] += src[o, j, i]}. */
    void indexAdd(Storage src, int outer, int m, int inner, Storage index, Storage dst, int n);

    /**
     * {@code out[o, j, i] = src[o, index[o, j, i], i]} for src (outer, n, inner) and index/out
     * (outer, m, inner): torch.gather along the middle axis.
     */
    void gather(Storage src, int outer, int n, int inner, Storage index, int m, Storage out);

    /** The adjoint of gather: {@code dst[o, index[o, j, i], i] += src[o, j, i]}. */
    void scatterAdd(Storage src, int outer, int m, int inner, Storage index, Storage dst, int n);

    // ---- random numbers -----------------------------------------------------------------------

    /**
     * Fills with counter-based random numbers: element i takes the value of stream position
     * {@code counter + i} of generator {@code seed} (see {@link CounterRng}), so CPU and GPU
     * produce the same numbers. NORMAL uses Box-Muller on two draws.
     */
    void random(Distribution dist, float a, float b, long seed, long counter, Storage out, int offset, int size);

    /** The distributions of {@link #random}: UNIFORM on [a, b), NORMAL with mean a and std b, BERNOULLI with p = a. */
    enum Distribution { UNIFORM, NORMAL, BERNOULLI }
}
