package dev.attune.tensor;

import dev.attune.kernels.AdamScalars;
import dev.attune.kernels.Backend;
import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Neural-network functions over tensors, named and shaped as in {@code torch.nn.functional}.
 * Each states its forward math; backward rules are recorded for autograd.
 */
public final class F {
    private F() {}

    // ---- activations and softmax -------------------------------------------------------------------

    /** {@code softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x)} along {@code dim}. */
    public static Tensor softmax(Tensor x, int dim) {
        return softmax(x, dim, false);
    }

    /** {@code log_softmax(x)_i = x_i - logsumexp_j x_j} along {@code dim}, computed stably. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return softmax(x, dim, true);
    }

    private static Tensor softmax(Tensor x0, int dim, boolean log) {
        String op = log ? "logSoftmax" : "softmax";
        Tensor x = Ops.floatOperand(x0);
        int d = Shapes.dim(op, dim, x.dim());
        Tensor c = Ops.dense(x.detach());
        int[] shape = x.shape();
        int outer = 1, inner = 1, n = x.dim() == 0 ? 1 : shape[d];
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        Tensor y = Tensor.empty(DType.FLOAT32, x.device(), shape);
        x.backend().softmax(log, c.storage, 0, outer, n, inner, y.storage, 0);
        final int fo = outer, fi = inner;
        return Tensor.record(op, y, g -> {
            Tensor gc = Ops.dense(g);
            Tensor gx = Tensor.empty(DType.FLOAT32, g.device(), shape);
            g.backend().softmaxBackward(log, y.storage, gc.storage, fo, n, fi, gx.storage);
            return new Tensor[] {gx};
        }, x);
    }

    /** Gated linear unit: split x in halves a, b along {@code dim}; {@code a * sigmoid(b)}. */
    public static Tensor glu(Tensor x, int dim) {
        int d = Shapes.dim("glu", dim, x.dim());
        if (x.size(d) % 2 != 0) throw new IllegalArgumentException("glu: dim " + d + " must have even size, got " + x.size(d));
        Tensor[] halves = x.chunk(2, d);
        return halves[0].mul(halves[1].sigmoid());
    }

    // ---- linear layers -------------------------------------------------------------------------------

    /** The activations {@link #biasActivation} fuses: the elementwise ones a Linear layer's output meets. */
    public static final Set<UnaryOp> FUSABLE_ACTIVATIONS =
            Collections.unmodifiableSet(EnumSet.of(UnaryOp.RELU, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.TANH, UnaryOp.SIGMOID));

    /**
     * {@code y = act(x + bias)}, bias (C) broadcast over the last dim of x (..., C), in one pass
     * (Backend.biasActivation): the values of {@code x.add(bias)} followed by the activation, to an
     * ulp (the CPU takes each row's last few columns through the scalar form of the activation),
     * without the intermediate tensor. Backward:
     * {@code gx = gy act'(x + bias)}, {@code gbias = sum over rows of gx}; only x and bias are kept.
     * act is one of {@link #FUSABLE_ACTIVATIONS}.
     */
    public static Tensor biasActivation(Tensor x0, Tensor bias0, UnaryOp act) {
        if (!FUSABLE_ACTIVATIONS.contains(act)) {
            throw new IllegalArgumentException("biasActivation: act must be one of " + FUSABLE_ACTIVATIONS + ", got " + act);
        }
        Tensor x = Ops.floatOperand(x0), bias = Ops.floatOperand(bias0);
        if (x.dim() == 0 || bias.dim() != 1 || bias.size(0) != x.size(-1)) {
            throw new IllegalArgumentException("biasActivation: bias must be 1-D of the input's last dim, got input "
                    + Shapes.str(x.shape()) + " and bias " + Shapes.str(bias.shape()));
        }
        Shapes.checkDevices("biasActivation", x, bias);
        int cols = bias.size(0), rows = cols == 0 ? 0 : x.numel() / cols;
        Tensor c = Ops.dense(x.detach()), b = Ops.dense(bias.detach());
        Tensor y = Tensor.uninitialized(DType.FLOAT32, x.device(), x.shape());
        Backend be = x.backend();
        if (rows > 0) be.biasActivation(act, c.storage, b.storage, rows, cols, y.storage);
        return Tensor.record("biasActivation", y, g -> {
            Tensor gc = Ops.dense(g);
            Tensor gx = Tensor.uninitialized(DType.FLOAT32, g.device(), c.shape());
            Tensor gb = bias.requiresGrad() ? Tensor.zeros(DType.FLOAT32, g.device(), cols) : null;
            if (rows > 0) be.biasActivationBackward(act, c.storage, b.storage, gc.storage, rows, cols, gx.storage,
                    gb == null ? null : gb.storage);
            return new Tensor[] {gx, gb};
        }, x, bias);
    }

    /** {@code y = act(x W^T + b)}, the bias and activation fused ({@link #biasActivation}); b may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, UnaryOp act) {
        if (!FUSABLE_ACTIVATIONS.contains(act)) {
            throw new IllegalArgumentException("linear: act must be one of " + FUSABLE_ACTIVATIONS + ", got " + act);
        }
        if (bias == null) return Ops.unary(act, linear(x, weight, null));
        Shapes.checkSame("linear", "bias shape", new int[] {weight.size(0)}, bias.shape());
        return biasActivation(linear(x, weight, null), bias, act);
    }

    /** {@code y = x W^T + b} with W (out, in), x (..., in). */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        Shapes.checkRank("linear", "weight", weight, 2);
        if (x.dim() == 0 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input's last dim must be in_features=" + weight.size(1)
                    + ", got shape " + Shapes.str(x.shape()));
        }
        Tensor y = x.matmul(weight.t());
        if (bias != null) {
            Shapes.checkSame("linear", "bias shape", new int[] {weight.size(0)}, bias.shape());
            y = y.add(bias);
        }
        return y;
    }

    /** Rows of {@code weight} (num, dim) picked by int32 indices of any shape: output (indices..., dim). */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        Shapes.checkRank("embedding", "weight", weight, 2);
        if (indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("embedding: indices must be int32, got " + indices.dtype().displayName());
        }
        int[] outShape = Arrays.copyOf(indices.shape(), indices.dim() + 1);
        outShape[indices.dim()] = weight.size(1);
        return weight.indexSelect(0, indices.reshape(-1)).reshape(outShape);
    }

    // ---- normalisation -------------------------------------------------------------------------------

    /**
     * Layer norm over the trailing {@code normalizedShape}: {@code y = (x - mean) / sqrt(var + eps) * weight + bias},
     * with the biased variance of each normalised group. weight/bias may be null.
     */
    public static Tensor layerNorm(Tensor x0, int[] normalizedShape, Tensor weight, Tensor bias, float eps) {
        Tensor x = Ops.floatOperand(x0);
        int k = normalizedShape.length;
        if (k == 0 || k > x.dim() || !Arrays.equals(Arrays.copyOfRange(x.shape(), x.dim() - k, x.dim()), normalizedShape)) {
            throw new IllegalArgumentException("layerNorm: input's trailing dims must be " + Shapes.str(normalizedShape)
                    + ", got shape " + Shapes.str(x.shape()));
        }
        if (weight != null) Shapes.checkSame("layerNorm", "weight shape", normalizedShape, weight.shape());
        if (bias != null) Shapes.checkSame("layerNorm", "bias shape", normalizedShape, bias.shape());
        Shapes.checkDevices("layerNorm", x, weight, bias);
        int cols = Shapes.numel(normalizedShape), rows = cols == 0 ? 0 : x.numel() / cols;
        Tensor c = Ops.dense(x.detach());
        Tensor w = weight == null ? null : Ops.dense(weight.detach()), b = bias == null ? null : Ops.dense(bias.detach());
        Tensor y = Tensor.empty(DType.FLOAT32, x.device(), x.shape());
        Tensor mean = Tensor.empty(DType.FLOAT32, x.device(), rows), rstd = Tensor.empty(DType.FLOAT32, x.device(), rows);
        Backend be = x.backend();
        be.layerNorm(c.storage, w == null ? null : w.storage, b == null ? null : b.storage, rows, cols, eps,
                y.storage, mean.storage, rstd.storage);
        return Tensor.record("layerNorm", y, g -> {
            Tensor gc = Ops.dense(g);
            Tensor gx = Tensor.empty(DType.FLOAT32, g.device(), c.shape());
            Tensor gw = weight == null ? null : Tensor.empty(DType.FLOAT32, g.device(), normalizedShape);
            Tensor gb = bias == null ? null : Tensor.empty(DType.FLOAT32, g.device(), normalizedShape);
            be.layerNormBackward(c.storage, w == null ? null : w.storage, mean.storage, rstd.storage, gc.storage, rows, cols,
                    gx.storage, gw == null ? null : gw.storage, gb == null ? null : gb.storage);
            return new Tensor[] {gx, gw, gb};
        }, x, weight, bias);
    }

    /**
     * Batch norm over (N, C) or (N, C, L...) input, per channel c:
     * {@code y = (x - mu_c) / sqrt(var_c + eps) * weight_c + bias_c}. In training the batch's
     * biased statistics normalise, and the running statistics (if given) are updated in place:
     * {@code running = (1 - momentum) running + momentum * stat}, with the unbiased variance.
     * In eval the running statistics normalise. weight/bias/running stats may be null
     * (without running statistics both modes use batch statistics).
     */
    public static Tensor batchNorm(Tensor x0, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, float momentum, float eps) {
        Tensor x = Ops.floatOperand(x0);
        if (x.dim() < 2) throw new IllegalArgumentException("batchNorm: input must be (N, C, ...), got shape " + Shapes.str(x.shape()));
        int n = x.size(0), ch = x.size(1), inner = x.numel() / Math.max(1, n * ch);
        int[] chShape = {ch};
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t != null) Shapes.checkSame("batchNorm", "per-channel parameter shape", chShape, t.shape());
        }
        Shapes.checkDevices("batchNorm", x, runningMean, runningVar, weight, bias);
        boolean useBatchStats = training || runningMean == null || runningVar == null;
        if (useBatchStats && n * inner <= 1) {
            throw new IllegalArgumentException("batchNorm: training needs more than one value per channel, got input shape "
                    + Shapes.str(x.shape()));
        }
        Backend be = x.backend();
        Tensor c = Ops.dense(x.detach());
        Tensor w = weight == null ? null : Ops.dense(weight.detach()), b = bias == null ? null : Ops.dense(bias.detach());
        Storage ws = w == null ? null : w.storage, bs = b == null ? null : b.storage;
        Tensor y = Tensor.empty(DType.FLOAT32, x.device(), x.shape());
        Tensor mean, invStd;
        if (useBatchStats) {
            mean = Tensor.empty(DType.FLOAT32, x.device(), ch);
            Tensor var = Tensor.empty(DType.FLOAT32, x.device(), ch);
            invStd = Tensor.empty(DType.FLOAT32, x.device(), ch);
            be.batchNormTraining(c.storage, n, ch, inner, eps, ws, bs, mean.storage, var.storage, invStd.storage, y.storage);
            if (training && runningMean != null && runningVar != null) {
                float unbias = (float) (n * inner) / (n * inner - 1);
                try (GradMode g = GradMode.noGrad()) {
                    runningMean.copyFrom(runningMean.mul(1f - momentum).add(mean.mul(momentum)));
                    runningVar.copyFrom(runningVar.mul(1f - momentum).add(var.mul(momentum * unbias)));
                }
            }
        } else {
            mean = Ops.dense(runningMean.detach());
            invStd = Ops.rawUnary(dev.attune.kernels.UnaryOp.RSQRT, 0f, 0f, runningVar.detach().add(eps));
            be.channelNormalize(c.storage, n, ch, inner, mean.storage, invStd.storage, ws, bs, y.storage);
        }
        final Tensor fMean = mean, fInv = invStd;
        return Tensor.record("batchNorm", y, g -> {
            Tensor gc = Ops.dense(g);
            Tensor gw = weight == null ? null : Tensor.empty(DType.FLOAT32, g.device(), ch);
            Tensor gb = bias == null ? null : Tensor.empty(DType.FLOAT32, g.device(), ch);
            Tensor gx = Tensor.empty(DType.FLOAT32, g.device(), c.shape());
            if (useBatchStats) {
                be.batchNormBackward(c.storage, gc.storage, n, ch, inner, fMean.storage, fInv.storage, ws, gx.storage, gw == null ? null : gw.storage, gb == null ? null : gb.storage);
            } else {
                // Fixed statistics make the map affine: gx = gy * invStd * weight.
                Tensor scale = w == null ? fInv : fInv.mul(w);
                int[] bshape = new int[c.dim()];
                Arrays.fill(bshape, 1);
                bshape[1] = ch;
                gx = gc.mul(scale.reshape(bshape));
                int[] reduce = channelReduceDims(c.dim());
                Tensor xhat = c.sub(fMean.reshape(bshape)).mul(fInv.reshape(bshape));
                if (gw != null) gw = gc.mul(xhat).sum(reduce, false);
                if (gb != null) gb = gc.sum(reduce, false);
            }
            return new Tensor[] {gx, gw, gb};
        }, x, weight, bias);
    }

    private static int[] channelReduceDims(int rank) {
        int[] dims = new int[rank - 1];
        dims[0] = 0;
        for (int d = 2; d < rank; d++) dims[d - 1] = d;
        return dims;
    }

    // ---- convolution ---------------------------------------------------------------------------------

    /**
     * 1-D convolution (cross-correlation, as torch): x (N, Cin, L), weight (Cout, Cin/groups, K),
     * {@code y[n, o, t] = bias[o] + sum_{c in group(o), k} weight[o, c, k] * x[n, c, t*stride - padding + k*dilation]},
     * output length {@code (L + 2 padding - dilation (K-1) - 1) / stride + 1}. groups = Cin gives depthwise.
     */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        Shapes.checkRank("conv1d", "input", x, 3);
        Shapes.checkRank("conv1d", "weight", weight, 3);
        int c = x.size(1);
        if (groups == c && weight.size(0) == c && weight.size(1) == 1 && groups > 1 && stride > 0 && dilation > 0 && padding >= 0) {
            return depthwiseConv1d(x, weight, bias, stride, padding, dilation);
        }
        Tensor y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, dilation}, groups, "conv1d");
        return y.squeeze(2);
    }

    /** The depthwise case of conv1d with its own kernel: one pass, no im2col. */
    private static Tensor depthwiseConv1d(Tensor x0, Tensor weight, Tensor bias, int stride, int padding, int dilation) {
        Tensor x = Ops.floatOperand(x0);
        Shapes.checkDevices("conv1d", x, weight, bias);
        int n = x.size(0), c = x.size(1), l = x.size(2), k = weight.size(2);
        if (bias != null) Shapes.checkSame("conv1d", "bias shape", new int[] {c}, bias.shape());
        int lout = (l + 2 * padding - dilation * (k - 1) - 1) / stride + 1;
        if (lout <= 0) {
            throw new IllegalArgumentException("conv1d: input " + Shapes.str(x.shape()) + " is smaller than the (dilated) kernel "
                    + Shapes.str(weight.shape()) + " with padding " + padding);
        }
        Backend be = x.backend();
        Tensor xc = Ops.dense(x.detach()), wc = Ops.dense(weight.detach());
        Tensor bc = bias == null ? null : Ops.dense(bias.detach());
        Tensor y = Tensor.empty(DType.FLOAT32, x.device(), n, c, lout);
        be.depthwiseConv1d(xc.storage, wc.storage, bc == null ? null : bc.storage, n, c, l, k, stride, padding, dilation, lout, y.storage);
        return Tensor.record("depthwiseConv1d", y, g -> {
            Tensor gc = Ops.dense(g);
            Tensor gx = x.requiresGrad() ? Tensor.empty(DType.FLOAT32, g.device(), n, c, l) : null;
            Tensor gw = weight.requiresGrad() ? Tensor.empty(DType.FLOAT32, g.device(), c, 1, k) : null;
            be.depthwiseConv1dBackward(xc.storage, wc.storage, gc.storage, n, c, l, k, stride, padding, dilation, lout,
                    gx == null ? null : gx.storage, gw == null ? null : gw.storage);
            Tensor gb = bias != null && bias.requiresGrad() ? g.sum(new int[] {0, 2}, false) : null;
            return new Tensor[] {gx, gw, gb};
        }, x, weight, bias);
    }

    /** 2-D convolution: x (N, Cin, H, W), weight (Cout, Cin/groups, KH, KW); stride, padding and dilation per axis. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        Shapes.checkRank("conv2d", "input", x, 4);
        Shapes.checkRank("conv2d", "weight", weight, 4);
        return conv2d(x, weight, bias, stride, padding, dilation, groups, "conv2d");
    }

    private static Tensor conv2d(Tensor x0, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                 int groups, String op) {
        Tensor x = Ops.floatOperand(x0);
        Shapes.checkDevices(op, x, weight, bias);
        int n = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
        int cout = weight.size(0), cpg = weight.size(1), kh = weight.size(2), kw = weight.size(3);
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) {
            throw new IllegalArgumentException(op + ": groups must divide in_channels " + cin + " and out_channels " + cout
                    + ", got groups " + groups);
        }
        if (cpg != cin / groups) {
            throw new IllegalArgumentException(op + ": weight must have in_channels/groups = " + (cin / groups)
                    + " input channels, got weight shape " + Shapes.str(weight.shape()) + " for input " + Shapes.str(x.shape()));
        }
        if (bias != null) Shapes.checkSame(op, "bias shape", new int[] {cout}, bias.shape());
        for (int v : stride) if (v <= 0) throw new IllegalArgumentException(op + ": stride must be positive, got " + Arrays.toString(stride));
        for (int v : dilation) if (v <= 0) throw new IllegalArgumentException(op + ": dilation must be positive, got " + Arrays.toString(dilation));
        for (int v : padding) if (v < 0) throw new IllegalArgumentException(op + ": padding must be non-negative, got " + Arrays.toString(padding));
        int oh = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0] + 1;
        int ow = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1] + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape()) + " is smaller than the (dilated) kernel "
                    + Shapes.str(weight.shape()) + " with padding " + Arrays.toString(padding));
        }
        // im2col: cols (N, G, cpg*kh*kw, oh*ow); weights (G, cout/G, cpg*kh*kw); out (N, G, cout/G, oh*ow).
        int ck = cpg * kh * kw, plane = oh * ow, opg = cout / groups;
        Backend be = x.backend();
        Tensor xc = Ops.dense(x.detach());
        Tensor cols = Tensor.empty(DType.FLOAT32, x.device(), n, groups, ck, plane);
        be.im2col(xc.storage, 0, n, cin, h, w, kh, kw, stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], oh, ow,
                cols.storage);
        Tensor wg = weight.reshape(groups, opg, ck);
        Tensor y = wg.matmul(cols).reshape(n, cout, oh, ow);
        if (bias != null) y = y.add(bias.reshape(cout, 1, 1));
        // The graph so far runs from weight/bias; x's gradient goes through col2im, recorded here.
        Tensor out = y;
        if (!x.requiresGrad() || !GradMode.isEnabled()) return out;
        Tensor result = Tensor.record(op + "Input", out.detach(), g -> {
            Tensor gcols = wg.detach().transpose(-1, -2).matmul(g.reshape(n, groups, opg, plane));
            Tensor gcd = Ops.dense(gcols);
            Tensor gx = Tensor.zeros(DType.FLOAT32, g.device(), n, cin, h, w);
            be.col2im(gcd.storage, n, cin, h, w, kh, kw, stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1],
                    oh, ow, gx.storage, 0);
            return new Tensor[] {gx, g};
        }, x, out);
        return result;
    }

    // ---- attention -----------------------------------------------------------------------------------

    /**
     * Scaled dot-product attention over N*H independent heads, with the optional relative-position
     * term of Conformer attention and a key padding mask, computed by the backend's fused kernel:
     * <pre>
     *   S = scale * (q k^T + qPos pos^T)        q, qPos (N, H, Tq, d); k, v (N, H, Tk, d); pos (1 or N, H, Tk, d)
     *   S[.., j] = -inf where keyPadding[n, j]  keyPadding (N, Tk) bool, true = padded key
     *   A = softmax_j(S), 0 on rows whose keys are all padded
     *   out = dropout(A) v = (A o M / (1 - p)) v                      (N, H, Tq, d)
     * </pre>
     * Backward, with G = dL/dout, Z = M / (1 - p) and D_i = sum_c G_ic out_ic (row by row):
     * <pre>
     *   dA = (G v^T) o Z,  dS = A o (dA - D)
     *   dq = scale dS k,  dk = scale dS^T q,  dv = (A o Z)^T G
     *   dqPos = scale dS pos,  dpos = scale dS^T qPos  (summed over the batch when pos is shared)
     * </pre>
     * The kernel never holds a (Tq, Tk) matrix: it runs an online softmax over key blocks and the
     * backward recomputes A from the saved row log-sum-exp. {@code qPos} and {@code pos} come
     * together or are both null; {@code keyPadding} may be null. Dropout with probability
     * {@code dropoutP} (0 < p < 1) draws its keep-mask M from {@code generator} exactly as
     * {@link #attentionUnfused} does (one Bernoulli draw per (N, H, Tq, Tk) element, advancing the
     * generator by that many positions), so both give the same result for the same generator state.
     */
    public static Tensor attention(Tensor q0, Tensor k0, Tensor v0, Tensor qPos0, Tensor pos0, Tensor keyPadding, float scale,
                                   float dropoutP, Generator generator) {
        checkAttention(q0, k0, v0, qPos0, pos0, keyPadding, dropoutP, generator);
        Tensor q = Ops.floatOperand(q0), k = Ops.floatOperand(k0), v = Ops.floatOperand(v0);
        Tensor qPos = qPos0 == null ? null : Ops.floatOperand(qPos0), pos = pos0 == null ? null : Ops.floatOperand(pos0);
        int n = q.size(0), h = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2);
        int pBatch = pos == null ? 1 : pos.size(0);
        Tensor qc = Ops.dense(q.detach()), kc = Ops.dense(k.detach()), vc = Ops.dense(v.detach());
        Tensor qpc = qPos == null ? null : Ops.dense(qPos.detach()), pc = pos == null ? null : Ops.dense(pos.detach());
        Tensor padc = keyPadding == null ? null : Ops.dense(keyPadding);
        // p = 1 drops everything without drawing, as dropout() does.
        long counter = dropoutP > 0f && dropoutP < 1f ? generator.skip((long) n * h * tq * tk) : 0L;
        long seed = generator == null ? 0L : generator.seed();
        Backend be = q.backend();
        Tensor out = Tensor.empty(DType.FLOAT32, q.device(), n, h, tq, d);
        Tensor lse = Tensor.empty(DType.FLOAT32, q.device(), n, h, tq);
        be.attention(qc.storage, kc.storage, vc.storage, storage(qpc), storage(pc), pBatch, storage(padc), n, h, tq, tk, d, scale,
                dropoutP, seed, counter, out.storage, lse.storage);
        return Tensor.record("attention", out, g -> {
            Tensor gc = Ops.dense(g);
            Tensor gq = Tensor.empty(DType.FLOAT32, g.device(), n, h, tq, d);
            Tensor gk = Tensor.empty(DType.FLOAT32, g.device(), n, h, tk, d);
            Tensor gv = Tensor.empty(DType.FLOAT32, g.device(), n, h, tk, d);
            Tensor gqPos = qpc == null ? null : Tensor.empty(DType.FLOAT32, g.device(), n, h, tq, d);
            Tensor gPos = pc == null ? null : Tensor.empty(DType.FLOAT32, g.device(), pBatch, h, tk, d);
            be.attentionBackward(qc.storage, kc.storage, vc.storage, storage(qpc), storage(pc), pBatch, storage(padc),
                    n, h, tq, tk, d, scale, dropoutP, seed, counter, out.storage, lse.storage, gc.storage,
                    gq.storage, gk.storage, gv.storage, storage(gqPos), storage(gPos));
            return new Tensor[] {gq, gk, gv, gqPos, gPos};
        }, q, k, v, qPos, pos);
    }

    private static Storage storage(Tensor t) {
        return t == null ? null : t.storage;
    }

    /**
     * The reference composition of {@link #attention} from matmul, softmax, maskedFill and
     * dropout, with the same arguments, math and generator use; it materialises the (N, H, Tq, Tk)
     * scores. Tests check the fused op against it and benchmarks measure the fused op against it.
     */
    public static Tensor attentionUnfused(Tensor q, Tensor k, Tensor v, Tensor qPos, Tensor pos, Tensor keyPadding, float scale,
                                          float dropoutP, Generator generator) {
        checkAttention(q, k, v, qPos, pos, keyPadding, dropoutP, generator);
        Tensor scores = q.matmul(k.transpose(-2, -1));
        if (qPos != null) scores = scores.add(qPos.matmul(pos.transpose(-2, -1)));
        scores = scores.mul(scale);
        Tensor weights;
        if (keyPadding != null) {
            Tensor padded = keyPadding.reshape(q.size(0), 1, 1, k.size(2));
            weights = softmax(scores.maskedFill(padded, Float.NEGATIVE_INFINITY), -1).maskedFill(padded, 0f);
        } else {
            weights = softmax(scores, -1);
        }
        return dropout(weights, dropoutP, true, generator).matmul(v);
    }

    private static void checkAttention(Tensor q, Tensor k, Tensor v, Tensor qPos, Tensor pos, Tensor keyPadding, float dropoutP,
                                       Generator generator) {
        Shapes.checkRank("attention", "q", q, 4);
        Shapes.checkRank("attention", "k", k, 4);
        Shapes.checkRank("attention", "v", v, 4);
        Shapes.checkDevices("attention", q, k, v, qPos, pos, keyPadding);
        int n = q.size(0), h = q.size(1), tq = q.size(2), d = q.size(3), tk = k.size(2);
        if (!Arrays.equals(k.shape(), new int[] {n, h, tk, d}) || !Arrays.equals(v.shape(), k.shape())) {
            throw new IllegalArgumentException("attention: k and v must be (N, H, Tk, d) = (" + n + ", " + h + ", Tk, " + d
                    + ") like q " + Arrays.toString(q.shape()) + ", got k " + Arrays.toString(k.shape()) + ", v " + Arrays.toString(v.shape()));
        }
        if ((qPos == null) != (pos == null)) {
            throw new IllegalArgumentException("attention: qPos and pos come together, got qPos " + (qPos == null ? "null" : "set")
                    + " and pos " + (pos == null ? "null" : "set"));
        }
        if (qPos != null && (!Arrays.equals(qPos.shape(), q.shape()) || pos.dim() != 4 || (pos.size(0) != 1 && pos.size(0) != n)
                || pos.size(1) != h || pos.size(2) != tk || pos.size(3) != d)) {
            throw new IllegalArgumentException("attention: qPos must be " + Arrays.toString(q.shape()) + " and pos (1 or " + n + ", " + h
                    + ", " + tk + ", " + d + "), got " + Arrays.toString(qPos.shape()) + " and " + Arrays.toString(pos.shape()));
        }
        if (keyPadding != null && (keyPadding.dtype() != DType.BOOL || !Arrays.equals(keyPadding.shape(), new int[] {n, tk}))) {
            throw new IllegalArgumentException("attention: keyPadding must be bool (" + n + ", " + tk + "), got "
                    + keyPadding.dtype().displayName() + " " + Arrays.toString(keyPadding.shape()));
        }
        for (Tensor t : new Tensor[] {k, v, qPos, pos, keyPadding}) if (t != null) Shapes.checkDevice("attention", q, t);
        if (!(dropoutP >= 0f && dropoutP <= 1f)) throw new IllegalArgumentException("attention: dropoutP must be in [0, 1], got " + dropoutP);
        if (dropoutP > 0f && dropoutP < 1f && generator == null) {
            throw new IllegalArgumentException("attention: dropoutP " + dropoutP + " needs a generator, got null");
        }
    }

    // ---- recurrent cells -------------------------------------------------------------------------------

    /** The next hidden and cell state of {@link #lstmCell}, each (N, H). */
    public record LstmState(Tensor h, Tensor c) {}

    /**
     * The pointwise part of an LSTM step (as in torch.nn.LSTMCell), fused into one kernel: from the
     * gate pre-activations {@code gates} (N, 4H), in PyTorch's order i, f, g, o, and the cell state
     * {@code c} (N, H), or null for zeros:
     * <pre>
     *   i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
     *   c' = f c + i g     h' = o tanh(c')
     * </pre>
     * Backward, from dh' and dc' (either may be absent: zero): {@code dc = dc' + dh' o (1 - tanh^2 c')},
     * {@code da_i = dc g i (1 - i)}, {@code da_f = dc c f (1 - f)}, {@code da_g = dc i (1 - g^2)},
     * {@code da_o = dh' tanh(c') o (1 - o)}, {@code dc_prev = dc f}. The forward saves the activated
     * gates and tanh(c') for it: the backward is then one pass of products, no transcendental.
     * h' and c' are two outputs of one autograd node, so a gradient may reach either or both.
     */
    public static LstmState lstmCell(Tensor gates, Tensor c) {
        String op = "lstmCell";
        Shapes.checkFloat(op, "gates", gates);
        if (gates.dim() != 2 || gates.size(1) % 4 != 0) {
            throw new IllegalArgumentException(op + ": gates must be (N, 4H), got shape " + Shapes.str(gates.shape()));
        }
        int n = gates.size(0), h = gates.size(1) / 4;
        if (c != null) {
            Shapes.checkFloat(op, "c", c);
            Shapes.checkSame(op, "c shape (N, H)", new int[] {n, h}, c.shape());
            Shapes.checkDevice(op, gates, c);
        }
        Tensor gc = Ops.dense(gates.detach()), cc = c == null ? null : Ops.dense(c.detach());
        Device device = gates.device();
        Tensor hNext = Tensor.empty(DType.FLOAT32, device, n, h), cNext = Tensor.empty(DType.FLOAT32, device, n, h);
        Tensor acts = Tensor.empty(DType.FLOAT32, device, n, 4 * h), tanhC = Tensor.empty(DType.FLOAT32, device, n, h);
        Backend be = gates.backend();
        be.lstmCell(gc.storage, storage(cc), n, h, hNext.storage, cNext.storage, acts.storage, tanhC.storage);
        Tensor[] outs = Tensor.recordMulti(op, new Tensor[] {hNext, cNext}, g -> {
            Tensor gGates = Tensor.empty(DType.FLOAT32, device, n, 4 * h);
            Tensor gPrev = c != null && c.requiresGrad() ? Tensor.empty(DType.FLOAT32, device, n, h) : null;
            be.lstmCellBackward(acts.storage, tanhC.storage, storage(cc), storage(g[0] == null ? null : Ops.dense(g[0])),
                    storage(g[1] == null ? null : Ops.dense(g[1])), n, h, gGates.storage, storage(gPrev));
            return new Tensor[] {gGates, gPrev};
        }, gates, c);
        return new LstmState(outs[0], outs[1]);
    }

    // ---- optimizers --------------------------------------------------------------------------------------

    /**
     * One Adam / AdamW step of one parameter, fused and in place: {@code param}, {@code expAvg},
     * {@code expAvgSq} and (AMSGrad; else null) {@code maxExpAvgSq} are overwritten with their
     * updated values, {@code grad} is only read. The math is {@link Backend#adamStep}'s, with the
     * scalars of {@code s}; it performs the float32 operations of the tensor-op composition
     * {@code m = m*b1 + g*(1-b1)}, ... in their order and rounding, so it gives the same bits.
     *
     * <p>In place is safe only on tensors that nothing else reads as a value of their own: param
     * and the buffers must be dense from offset 0 of storages of their own (one storage each, not
     * shared with each other or with grad; a view or an alias is refused), float32 on one device,
     * all of {@code param}'s shape; grad is copied first when it is not dense. Like
     * {@link Tensor#copyFrom}, it is refused on a tensor that requires grad while grad mode is on.
     *
     * @throws IllegalArgumentException naming the operand, the expected and the actual value
     * @throws IllegalStateException when grad mode is on and param requires grad
     */
    public static void adamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                                AdamScalars s) {
        String op = "adamStep";
        if (param == null || grad == null || expAvg == null || expAvgSq == null || s == null) {
            throw new IllegalArgumentException(op + ": param, grad, expAvg, expAvgSq and the scalars are required, got null");
        }
        if (param.requiresGrad() && GradMode.isEnabled()) {
            throw new IllegalStateException(op + ": in-place update of a tensor that requires grad; do it inside GradMode.noGrad()");
        }
        Tensor[] updated = {param, expAvg, expAvgSq, maxExpAvgSq};
        String[] names = {"param", "expAvg", "expAvgSq", "maxExpAvgSq"};
        Shapes.checkFloat(op, "grad", grad);
        Shapes.checkSame(op, "grad shape", param.shape(), grad.shape());
        Shapes.checkDevice(op, param, grad);
        for (int k = 0; k < updated.length; k++) {
            Tensor t = updated[k];
            if (t == null) continue;
            Shapes.checkFloat(op, names[k], t);
            Shapes.checkSame(op, names[k] + " shape", param.shape(), t.shape());
            Shapes.checkDevice(op, param, t);
            if (!t.isContiguous() || t.offset != 0) {
                throw new IllegalArgumentException(op + ": " + names[k] + " must be dense from offset 0 (it is updated in place), got offset "
                        + t.offset + " and strides " + Shapes.str(t.strides()) + " for shape " + Shapes.str(t.shape()));
            }
            for (int j = 0; j < k; j++) {
                if (updated[j] != null && updated[j].storage == t.storage) {
                    throw new IllegalArgumentException(op + ": " + names[k] + " and " + names[j] + " must be separate storages, got the same one");
                }
            }
            if (t.storage == grad.storage) {
                throw new IllegalArgumentException(op + ": " + names[k] + " and grad must be separate storages, got the same one");
            }
        }
        Tensor gc = Ops.dense(grad.detach());
        param.backend().adamStep(param.storage, gc.storage, expAvg.storage, expAvgSq.storage, storage(maxExpAvgSq), param.numel(), s);
    }

    // ---- regularisation ------------------------------------------------------------------------------

    /**
     * Inverted dropout: in training each element is zeroed with probability p and the rest are
     * scaled by 1/(1-p); the mask comes from {@code generator}. Identity in eval or when p = 0.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, Generator generator) {
        if (p < 0f || p > 1f) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        if (!training || p == 0f) return x;
        if (p == 1f) return x.mul(0f);
        Tensor keep = generator.bernoulli(1f - p, x.device(), x.shape());
        return x.mul(keep.mul(1f / (1f - p)));
    }

    // ---- losses --------------------------------------------------------------------------------------

    /** How a loss combines the per-element losses. */
    public enum Reduction { NONE, MEAN, SUM }

    /**
     * Negative log-likelihood of log-probabilities (N, C) or (N, C, d...) against int32 targets
     * (N) or (N, d...): {@code loss_i = -logp[i, target_i]}; targets equal to {@code ignoreIndex}
     * contribute 0 and are excluded from the mean.
     */
    public static Tensor nllLoss(Tensor logProbs, Tensor target, int ignoreIndex, Reduction reduction) {
        return classificationLoss("nllLoss", logProbs, target, ignoreIndex, 0f, reduction);
    }

    /**
     * Cross entropy of logits (N, C) or (N, C, d...) with int32 targets, as torch:
     * with label smoothing e, {@code loss_i = (1 - e)(-logp[i, t_i]) + e * mean_c(-logp[i, c])};
     * ignored targets contribute 0 and are excluded from the mean.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, int ignoreIndex, float labelSmoothing, Reduction reduction) {
        if (logits.dim() < 2) throw new IllegalArgumentException("crossEntropy: logits must be (N, C, ...), got shape " + Shapes.str(logits.shape()));
        return classificationLoss("crossEntropy", logSoftmax(logits, 1), target, ignoreIndex, labelSmoothing, reduction);
    }

    /** Mean cross entropy with no ignored index and no smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, -100, 0f, Reduction.MEAN);
    }

    private static Tensor classificationLoss(String op, Tensor logp, Tensor target, int ignoreIndex, float smoothing,
                                             Reduction reduction) {
        if (logp.dim() < 2) throw new IllegalArgumentException(op + ": input must be (N, C, ...), got shape " + Shapes.str(logp.shape()));
        if (target.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": target must be int32 class indices, got " + target.dtype().displayName());
        }
        int[] expected = new int[logp.dim() - 1];
        expected[0] = logp.size(0);
        for (int d = 2; d < logp.dim(); d++) expected[d - 1] = logp.size(d);
        Shapes.checkSame(op, "target shape", expected, target.shape());
        Shapes.checkDevice(op, logp, target);
        if (smoothing < 0f || smoothing > 1f) throw new IllegalArgumentException(op + ": label smoothing must be in [0, 1], got " + smoothing);
        int classes = logp.size(1);
        int[] t = target.toIntArray();
        int[] safe = new int[t.length];
        boolean[] ignored = new boolean[t.length];
        int count = 0;
        for (int k = 0; k < t.length; k++) {
            if (t[k] == ignoreIndex) {
                ignored[k] = true;
                continue;
            }
            if (t[k] < 0 || t[k] >= classes) {
                throw new IndexOutOfBoundsException(op + ": target " + t[k] + " is out of range [0, " + classes + ")");
            }
            safe[k] = t[k];
            count++;
        }
        Tensor idx = Tensor.ofInts(safe, target.shape()).to(logp.device()).unsqueeze(1);
        Tensor nll = logp.gather(1, idx).squeeze(1).neg();
        Tensor perItem = nll;
        if (smoothing > 0f) {
            Tensor smooth = logp.mean(1, false).neg();
            perItem = nll.mul(1f - smoothing).add(smooth.mul(smoothing));
        }
        if (count < t.length) perItem = perItem.maskedFill(Tensor.ofBools(ignored, target.shape()).to(logp.device()), 0f);
        return switch (reduction) {
            case NONE -> perItem;
            case SUM -> perItem.sum();
            // With every target ignored the mean is 0/0 = NaN, as in torch.
            case MEAN -> perItem.sum().div(count);
        };
    }

    /** Mean squared error {@code mean((x - y)^2)}. */
    public static Tensor mseLoss(Tensor x, Tensor y) {
        Shapes.checkSame("mseLoss", "target shape", x.shape(), y.shape());
        Tensor d = x.sub(y);
        return d.mul(d).mean();
    }
}
