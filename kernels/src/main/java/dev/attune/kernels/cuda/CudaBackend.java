package dev.attune.kernels.cuda;

import dev.attune.kernels.AdamScalars;
import dev.attune.kernels.Backend;
import dev.attune.kernels.BinaryOp;
import dev.attune.kernels.DType;
import dev.attune.kernels.ReduceOp;
import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.Pointer;

/**
 * The CUDA backend: the {@link Backend} contract over {@link CudaStorage}s of one device, each
 * method one or two launches of the kernels in {@code native/src} (the file named in each
 * launch states the math). Launches are queued on the device's stream; downloads wait for them,
 * so the tensor layer sees ordinary synchronous semantics. Kernel errors surface as
 * {@link CudaException}s naming the failed call at the next synchronising call.
 *
 * <p>Numerics: sums run in a different order than on the CPU (block reductions, FMA), so float
 * results agree with the CPU backend to rounding, not bit for bit; random numbers are the same
 * function of (seed, position) as {@link dev.attune.kernels.CounterRng}. The GEMM is our own
 * kernel in FP32; {@link #setTf32(boolean)} switches it to the tensor-core TF32 kernel.
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;
    private static final ConcurrentHashMap<Integer, CudaBackend> BACKENDS = new ConcurrentHashMap<>();

    private final CudaDevice device;
    private volatile boolean tf32;

    /** Package-private for the launch-argument test, which gives it a recording device; use {@link #forDevice}. */
    CudaBackend(CudaDevice device) {
        this.device = device;
    }

    /**
     * The backend of CUDA device {@code index}.
     *
     * @throws Cuda.CudaUnavailableException naming why when CUDA cannot run here
     */
    public static CudaBackend forDevice(int index) {
        CudaDevice d = Cuda.device(index);
        return BACKENDS.computeIfAbsent(index, i -> new CudaBackend(d));
    }

    public CudaDevice device() {
        return device;
    }

    @Override
    public String name() {
        return device.toString();
    }

    /** Uses the TF32 tensor-core GEMM (10-bit mantissa inputs, FP32 accumulation) when on. Default off. */
    public void setTf32(boolean on) {
        this.tf32 = on;
    }

    public boolean tf32() {
        return tf32;
    }

    private static CudaStorage cs(Storage s) {
        if (!(s instanceof CudaStorage c)) {
            throw new IllegalArgumentException("cuda backend: storage of backend " + s.backend().name() + " given to a CUDA kernel");
        }
        return c;
    }

    /** Device address of element {@code offset} of s, or null (a null pointer) when s is null. */
    private static Long ptr(Storage s, int offset) {
        return s == null ? null : cs(s).address(offset);
    }

    private static Long ptr(Storage s) {
        return ptr(s, 0);
    }

    private static int blocks(long n) {
        long b = (n + THREADS - 1) / THREADS;
        if (b > Integer.MAX_VALUE) throw new IllegalArgumentException("cuda: " + n + " elements exceed one launch");
        return (int) b;
    }

    private void launch1d(String module, String fn, long n, Object... args) {
        device.launch(module, fn, blocks(n), 1, 1, THREADS, args);
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int size) {
        CudaStorage s = new CudaStorage(this, dtype, size);
        return filled(s, () -> device.memsetD32(s.address(0), 0, size));
    }

    @Override
    public Storage upload(float[] data) {
        CudaStorage s = new CudaStorage(this, DType.FLOAT32, data.length);
        return filled(s, () -> device.copyToDevice(s.address(0), Pointer.to(data), 4L * data.length));
    }

    @Override
    public Storage upload(int[] data, DType dtype) {
        if (dtype == DType.FLOAT32) throw new IllegalArgumentException("cuda upload: int[] given for float32");
        CudaStorage s = new CudaStorage(this, dtype, data.length);
        return filled(s, () -> device.copyToDevice(s.address(0), Pointer.to(data), 4L * data.length));
    }

    /** Runs the first write into a new storage; if it fails the block goes back to the allocator at once. */
    private static CudaStorage filled(CudaStorage s, Runnable write) {
        try {
            write.run();
            return s;
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    @Override
    public float[] downloadFloats(Storage s, int offset, int size) {
        if (s.dtype() == DType.FLOAT32) {
            float[] out = new float[size];
            device.copyToHost(Pointer.to(out), cs(s).address(offset), 4L * size);
            return out;
        }
        int[] ints = downloadInts(s, offset, size);
        float[] out = new float[size];
        for (int k = 0; k < size; k++) out[k] = ints[k];
        return out;
    }

    @Override
    public int[] downloadInts(Storage s, int offset, int size) {
        if (s.dtype() != DType.FLOAT32) {
            int[] out = new int[size];
            device.copyToHost(Pointer.to(out), cs(s).address(offset), 4L * size);
            return out;
        }
        float[] floats = downloadFloats(s, offset, size);
        int[] out = new int[size];
        for (int k = 0; k < size; k++) out[k] = (int) floats[k];
        return out;
    }

    @Override
    public void copyStrided(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides,
                            int[] shape) {
        int n = numel(shape);
        if (n == 0) return;
        CudaStorage s = cs(src), d = cs(dst);
        int[] layout = Layout.of("copyStrided", shape, srcStrides, dstStrides);
        if (s.dtype() == d.dtype() && Layout.isDenseCopy(layout)) {
            device.copyDeviceToDevice(d.address(dstOffset), s.address(srcOffset), 4L * n);
            return;
        }
        launch1d("elementwise", "attune_copy_strided", n, layout, s.address(srcOffset), s.kind(),
                d.address(dstOffset), d.kind(), n);
    }

    @Override
    public void fill(Storage dst, int offset, int size, float value) {
        CudaStorage d = cs(dst);
        launch1d("elementwise", "attune_fill", size, d.address(offset), d.kind(), size, value);
    }

    private static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return (int) n;
    }

    // ---- elementwise ------------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, float a, float b, Storage x, int xOffset, Storage out, int outOffset, int n) {
        launch1d("elementwise", "attune_unary", n, op.ordinal(), a, b, ptr(x, xOffset), ptr(out, outOffset), n);
    }

    @Override
    public void biasActivation(UnaryOp act, Storage x, Storage bias, int rows, int cols, Storage out) {
        launch1d("elementwise", "attune_bias_activation", (long) rows * cols, act.ordinal(), ptr(x), ptr(bias), ptr(out),
                rows * cols, cols);
    }

    /** gx in one elementwise pass, then gBias as a column sum of gx (one thread per column, rows in order). */
    @Override
    public void biasActivationBackward(UnaryOp act, Storage x, Storage bias, Storage gy, int rows, int cols,
                                       Storage gx, Storage gBias) {
        launch1d("elementwise", "attune_bias_activation_grad", (long) rows * cols, act.ordinal(), ptr(x), ptr(bias), ptr(gy),
                ptr(gx), rows * cols, cols);
        if (gBias != null) reduce(ReduceOp.SUM, gx, 0, 1, rows, cols, gBias, 0);
    }

    @Override
    public void binary(BinaryOp op, int[] shape, Storage a, int aOffset, int[] aStrides,
                       Storage b, int bOffset, int[] bStrides, Storage out, int outOffset) {
        int n = numel(shape);
        if (n == 0) return;
        CudaStorage sa = cs(a), sb = cs(b), so = cs(out);
        int[] layout = Layout.of("binary", shape, aStrides, bStrides);
        launch1d("elementwise", "attune_binary", n, op.ordinal(), layout, sa.address(aOffset), sa.kind(),
                sb.address(bOffset), sb.kind(), so.address(outOffset), so.kind(), n);
    }

    @Override
    public void where(int[] shape, Storage cond, int cOffset, int[] cStrides, Storage a, int aOffset, int[] aStrides,
                      Storage b, int bOffset, int[] bStrides, Storage out, int outOffset) {
        int n = numel(shape);
        if (n == 0) return;
        CudaStorage sc = cs(cond), sa = cs(a), sb = cs(b);
        int[] layout = Layout.of("where", shape, cStrides, aStrides, bStrides);
        launch1d("elementwise", "attune_where", n, layout, sc.address(cOffset), sc.kind(), sa.address(aOffset), sa.kind(),
                sb.address(bOffset), sb.kind(), ptr(out, outOffset), n);
    }

    // ---- reductions ---------------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Storage x, int xOffset, int outer, int n, int inner, Storage out, int outOffset) {
        if (inner == 1) {
            device.launch("reduce", "attune_reduce_rows", outer, 1, 1, THREADS, op.ordinal(), ptr(x, xOffset), outer, n,
                    ptr(out, outOffset));
        } else {
            launch1d("reduce", "attune_reduce_cols", (long) outer * inner, op.ordinal(), ptr(x, xOffset), outer, n, inner,
                    ptr(out, outOffset));
        }
    }

    // ---- linear algebra -------------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha,
                     Storage a, int aOffset, int lda, long strideA,
                     Storage b, int bOffset, int ldb, long strideB, float beta,
                     Storage c, int cOffset, int ldc, long strideC) {
        if (batch == 0 || m == 0 || n == 0) return;
        if ((m + 127) / 128 > MAX_GRID_Y) {
            throw new IllegalArgumentException("cuda gemm: at most " + MAX_GRID_Y * 128 + " rows m (grid y of 128-row tiles), got m=" + m);
        }
        String fn = tf32 ? "attune_sgemm_tf32" : "attune_sgemm";
        CudaStorage sa = cs(a), sb = cs(b), sc = cs(c);
        // gridDim.z is at most 65535: larger batches go in chunks.
        for (int p0 = 0; p0 < batch; p0 += 65535) {
            int chunk = Math.min(65535, batch - p0);
            device.launch("gemm", fn, (n + 127) / 128, (m + 127) / 128, chunk, THREADS,
                    transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha,
                    sa.address(0) + 4L * (aOffset + p0 * strideA), lda, strideA,
                    sb.address(0) + 4L * (bOffset + p0 * strideB), ldb, strideB, beta,
                    sc.address(0) + 4L * (cOffset + p0 * strideC), ldc, strideC);
        }
    }

    // ---- fused row kernels ------------------------------------------------------------------------------

    @Override
    public void softmax(boolean log, Storage x, int xOffset, int outer, int n, int inner, Storage out, int outOffset) {
        if (inner == 1) {
            device.launch("softmax", "attune_softmax_rows", outer, 1, 1, THREADS, log ? 1 : 0, ptr(x, xOffset),
                    ptr(out, outOffset), outer, n);
        } else {
            launch1d("softmax", "attune_softmax_cols", (long) outer * inner, log ? 1 : 0, ptr(x, xOffset), ptr(out, outOffset),
                    outer, n, inner);
        }
    }

    @Override
    public void softmaxBackward(boolean log, Storage y, Storage gy, int outer, int n, int inner, Storage gx) {
        if (inner == 1) {
            device.launch("softmax", "attune_softmax_backward_rows", outer, 1, 1, THREADS, log ? 1 : 0, ptr(y), ptr(gy), ptr(gx),
                    outer, n);
        } else {
            launch1d("softmax", "attune_softmax_backward_cols", (long) outer * inner, log ? 1 : 0, ptr(y), ptr(gy), ptr(gx),
                    outer, n, inner);
        }
    }

    @Override
    public void layerNorm(Storage x, Storage gamma, Storage beta, int rows, int cols, float eps,
                          Storage out, Storage mean, Storage rstd) {
        device.launch("norm", "attune_layer_norm", rows, 1, 1, THREADS, ptr(x), ptr(gamma), ptr(beta), rows, cols, eps,
                ptr(out), ptr(mean), ptr(rstd));
    }

    @Override
    public void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, int rows, int cols,
                                  Storage gx, Storage gGamma, Storage gBeta) {
        device.launch("norm", "attune_layer_norm_backward", rows, 1, 1, THREADS, ptr(x), ptr(gamma), ptr(mean), ptr(rstd),
                ptr(gy), rows, cols, ptr(gx));
        if (gGamma != null || gBeta != null) {
            launch1d("norm", "attune_layer_norm_param_grads", cols, ptr(x), ptr(mean), ptr(rstd), ptr(gy), rows, cols,
                    ptr(gGamma), ptr(gBeta));
        }
    }

    @Override
    public void channelMoments(Storage x, int outer, int channels, int inner, Storage mean, Storage var) {
        device.launch("norm", "attune_channel_moments", channels, 1, 1, THREADS, ptr(x), outer, channels, inner, ptr(mean), ptr(var));
    }

    @Override
    public void channelNormalize(Storage x, int outer, int channels, int inner, Storage mean, Storage invStd,
                                 Storage gamma, Storage beta, Storage out) {
        launch1d("norm", "attune_channel_normalize", (long) outer * channels * inner, ptr(x), outer, channels, inner,
                ptr(mean), ptr(invStd), ptr(gamma), ptr(beta), ptr(out));
    }

    @Override
    public void batchNormBackward(Storage x, Storage gy, int outer, int channels, int inner, Storage mean, Storage invStd,
                                  Storage gamma, Storage gx, Storage gGamma, Storage gBeta) {
        device.launch("norm", "attune_batch_norm_backward", channels, 1, 1, THREADS, ptr(x), ptr(gy), outer, channels, inner,
                ptr(mean), ptr(invStd), ptr(gamma), ptr(gx), ptr(gGamma), ptr(gBeta));
    }

    // ---- attention ----------------------------------------------------------------------------------------

    /** Largest head size d of the fused attention kernels (ATT_MAX_D of native/src/attention.cu). */
    static final int ATTENTION_MAX_D = 128;
    // Block size and tile sizes of native/src/attention.cu (ATT_THREADS, ATT_BQ, ATT_BK, ATT_BKV, ATT_BQT):
    // the grids and the dynamic shared memory below follow from them (KernelSignatureTest compares them).
    static final int ATT_THREADS = 128, ATT_BQ = 16, ATT_BK = 32, ATT_BKV = 16, ATT_BQT = 32;
    private static final int MAX_GRID_Y = 65535;

    /**
     * Fused scaled dot-product attention with the optional relative-position term, key padding and
     * counter-RNG dropout, the contract of {@code Backend.attention}; native/src/attention.cu states
     * the math. One block per (head, 16 query rows) keeps each row's running max, sum and output in
     * registers while it walks 32-key tiles (online softmax), so no (tq, tk) matrix is stored.
     *
     * @throws IllegalArgumentException naming the op when d exceeds {@value #ATTENTION_MAX_D} or an operand does not fit
     */
    @Override
    public void attention(Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch, Storage keyPadding,
                          int n, int h, int tq, int tk, int d, float scale, float dropoutP, long seed, long counter,
                          Storage out, Storage lse) {
        String op = "attention";
        checkAttention(op, q, k, v, qPos, pos, pBatch, keyPadding, n, h, tq, tk, d, dropoutP);
        long rows = (long) n * h * tq;
        operand(op, "out", out, DType.FLOAT32, rows * d);
        operand(op, "lse", lse, DType.FLOAT32, rows);
        int hp = pos == null ? 0 : 1, ks = d | 1;
        int shared = 4 * ((1 + hp) * ATT_BQ * d + (1 + hp) * ATT_BK * ks + ATT_BK * d);
        device.launchShared("attention", "attune_attention_forward", n * h, ceilDiv(tq, ATT_BQ), 1, ATT_THREADS, shared,
                ptr(q), ptr(k), ptr(v), ptr(qPos), ptr(pos), pBatch, ptr(keyPadding), h, tq, tk, d, scale, 1f - dropoutP,
                1f / (1f - dropoutP), seed, counter, ptr(out), ptr(lse));
    }

    /**
     * Backward of {@link #attention} (the contract of {@code Backend.attentionBackward}), recomputing P
     * from {@code lse}: D_i = rowsum(gOut o out), then one kernel per (head, 16 query rows) for gq,
     * gqPos and one per (head, 16 keys) for gk, gv, gPos. Every gradient element has one writer, so
     * the result is the same on every run. With pBatch = 1 and n > 1, gPos is summed over the batch
     * from a per-batch scratch by the column-sum kernel. Gradients are overwritten.
     *
     * @throws IllegalArgumentException naming the op when d exceeds {@value #ATTENTION_MAX_D} or an operand does not fit
     */
    @Override
    public void attentionBackward(Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch, Storage keyPadding,
                                  int n, int h, int tq, int tk, int d, float scale, float dropoutP, long seed, long counter,
                                  Storage out, Storage lse, Storage gOut,
                                  Storage gq, Storage gk, Storage gv, Storage gqPos, Storage gPos) {
        String op = "attentionBackward";
        checkAttention(op, q, k, v, qPos, pos, pBatch, keyPadding, n, h, tq, tk, d, dropoutP);
        long rows = (long) n * h * tq, qSize = rows * d, kSize = (long) n * h * tk * d;
        operand(op, "out", out, DType.FLOAT32, qSize);
        operand(op, "lse", lse, DType.FLOAT32, rows);
        operand(op, "gOut", gOut, DType.FLOAT32, qSize);
        operand(op, "gq", gq, DType.FLOAT32, qSize);
        operand(op, "gk", gk, DType.FLOAT32, kSize);
        operand(op, "gv", gv, DType.FLOAT32, kSize);
        if (pos != null) {
            operand(op, "gqPos", gqPos, DType.FLOAT32, qSize);
            operand(op, "gPos", gPos, DType.FLOAT32, (long) pBatch * h * tk * d);
        } else if (gqPos != null || gPos != null) {
            throw new IllegalArgumentException("cuda " + op + ": gqPos and gPos must be null without a position term, got gqPos "
                    + (gqPos == null ? "null" : "set") + " and gPos " + (gPos == null ? "null" : "set"));
        }
        if (n == 0) {  // no heads: only a shared gPos (1, h, tk, d) has elements, and it sums over no batch
            if (gPos != null) fill(gPos, 0, pBatch * h * tk * d, 0f);
            return;
        }
        // Every operand is a storage of this device before anything is queued.
        Long pq = ptr(q), pk = ptr(k), pv = ptr(v), pqPos = ptr(qPos), pPos = ptr(pos), pPad = ptr(keyPadding);
        Long pOut = ptr(out), pLse = ptr(lse), pgOut = ptr(gOut), pgq = ptr(gq), pgk = ptr(gk), pgv = ptr(gv);
        Long pgqPos = ptr(gqPos), pgPos = ptr(gPos);
        int hp = pos == null ? 0 : 1, ks = d | 1;
        boolean sumPos = pos != null && pBatch != n;  // pBatch = 1 < n: per-batch gPos, then a sum over b
        // The scratch blocks go back to the caching allocator once the launches are queued: a later
        // user of the same block is queued behind them on the one stream.
        try (CudaStorage dRows = new CudaStorage(this, DType.FLOAT32, (int) rows);
             CudaStorage gPosEach = sumPos ? new CudaStorage(this, DType.FLOAT32, (int) kSize) : null) {
            int warpsPerBlock = THREADS / 32;
            device.launch("attention", "attune_attention_row_dot", ceilDiv(rows, warpsPerBlock), 1, 1, THREADS, pgOut, pOut,
                    (int) rows, d, dRows.address(0));
            float keep = 1f - dropoutP, dropScale = 1f / (1f - dropoutP);
            int sharedQ = 4 * (2 + hp) * (ATT_BQ * d + ATT_BK * ks);
            device.launchShared("attention", "attune_attention_backward_q", n * h, ceilDiv(tq, ATT_BQ), 1, ATT_THREADS, sharedQ,
                    pq, pk, pv, pqPos, pPos, pBatch, pPad, h, tq, tk, d, scale, keep, dropScale, seed, counter,
                    pgOut, pLse, dRows.address(0), pgq, pgqPos);
            int sharedKv = 4 * ((2 + hp) * (ATT_BKV * d + ATT_BQT * ks) + 2 * ATT_BQT);
            device.launchShared("attention", "attune_attention_backward_kv", n * h, ceilDiv(tk, ATT_BKV), 1, ATT_THREADS, sharedKv,
                    pq, pk, pv, pqPos, pPos, pBatch, pPad, h, tq, tk, d, scale, keep, dropScale, seed, counter,
                    pgOut, pLse, dRows.address(0), pgk, pgv, sumPos ? (Long) gPosEach.address(0) : pgPos);
            if (sumPos) reduce(ReduceOp.SUM, gPosEach, 0, 1, n, h * tk * d, gPos, 0);
        }
    }

    /**
     * The checks both attention methods make before touching the device: sizes, the head-size limit
     * of the kernels, the position pair, pBatch, dropoutP, grid limits, and each input operand's
     * dtype and size (dense from offset 0).
     */
    static void checkAttention(String op, Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch,
                               Storage keyPadding, int n, int h, int tq, int tk, int d, float dropoutP) {
        String what = "cuda " + op;
        if (n < 0 || h < 0 || tq < 0 || tk < 0 || d < 0) {
            throw new IllegalArgumentException(what + ": sizes must be >= 0, got n=" + n + ", h=" + h + ", tq=" + tq + ", tk=" + tk
                    + ", d=" + d);
        }
        if (d > ATTENTION_MAX_D) {
            throw new IllegalArgumentException(what + ": head size d must be at most " + ATTENTION_MAX_D
                    + " (the compile-time limit ATT_MAX_D of native/src/attention.cu), got d=" + d);
        }
        if (!(dropoutP >= 0f && dropoutP <= 1f)) {
            throw new IllegalArgumentException(what + ": dropoutP must be in [0, 1], got " + dropoutP);
        }
        if ((qPos == null) != (pos == null)) {
            throw new IllegalArgumentException(what + ": qPos and pos come together, got qPos " + (qPos == null ? "null" : "set")
                    + " and pos " + (pos == null ? "null" : "set"));
        }
        if (pos != null && pBatch != 1 && pBatch != n) {
            throw new IllegalArgumentException(what + ": pBatch must be 1 or n=" + n + ", got " + pBatch);
        }
        if (ceilDiv(tq, ATT_BQ) > MAX_GRID_Y || ceilDiv(tk, ATT_BKV) > MAX_GRID_Y || (long) n * h > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + ": at most " + (long) MAX_GRID_Y * ATT_BQ + " query rows, "
                    + (long) MAX_GRID_Y * ATT_BKV + " keys and " + Integer.MAX_VALUE + " heads n*h, got tq=" + tq + ", tk=" + tk
                    + ", n*h=" + (long) n * h);
        }
        long qSize = (long) n * h * tq * d, kSize = (long) n * h * tk * d;
        operand(op, "q", q, DType.FLOAT32, qSize);
        operand(op, "k", k, DType.FLOAT32, kSize);
        operand(op, "v", v, DType.FLOAT32, kSize);
        if (pos != null) {
            operand(op, "qPos", qPos, DType.FLOAT32, qSize);
            operand(op, "pos", pos, DType.FLOAT32, (long) pBatch * h * tk * d);
        }
        if (keyPadding != null) operand(op, "keyPadding", keyPadding, DType.BOOL, (long) n * tk);
    }

    private static void operand(String op, String name, Storage s, DType dtype, long need) {
        if (s == null) throw new IllegalArgumentException("cuda " + op + ": " + name + " is required, got null");
        if (s.dtype() != dtype || s.size() < need) {
            throw new IllegalArgumentException("cuda " + op + ": " + name + " must be " + dtype.displayName() + " with at least " + need
                    + " elements, got " + s.dtype().displayName() + " with " + s.size());
        }
    }

    private static int ceilDiv(long a, int b) {
        return (int) ((a + b - 1) / b);
    }

    // ---- recurrent cells ------------------------------------------------------------------------------------

    /** The LSTM cell's pointwise forward (native/src/lstm.cu states the math): one thread per (row, hidden unit). */
    @Override
    public void lstmCell(Storage gates, Storage c, int n, int h, Storage hNext, Storage cNext, Storage acts, Storage tanhC) {
        String op = "lstmCell";
        long states = (long) n * h;
        operand(op, "gates", gates, DType.FLOAT32, 4 * states);
        if (c != null) operand(op, "c", c, DType.FLOAT32, states);
        operand(op, "hNext", hNext, DType.FLOAT32, states);
        operand(op, "cNext", cNext, DType.FLOAT32, states);
        operand(op, "acts", acts, DType.FLOAT32, 4 * states);
        operand(op, "tanhC", tanhC, DType.FLOAT32, states);
        launch1d("lstm", "attune_lstm_cell_forward", states, ptr(gates), ptr(c), n, h, ptr(hNext), ptr(cNext), ptr(acts), ptr(tanhC));
    }

    /** Backward of {@link #lstmCell} from the saved activations; gH, gC and c may be null (zeros). */
    @Override
    public void lstmCellBackward(Storage acts, Storage tanhC, Storage c, Storage gH, Storage gC, int n, int h,
                                 Storage gGates, Storage gCPrev) {
        String op = "lstmCellBackward";
        long states = (long) n * h;
        if (c == null && gCPrev != null) {
            throw new IllegalArgumentException("cuda " + op + ": gCPrev must be null when c is null (no previous state), got a storage");
        }
        operand(op, "acts", acts, DType.FLOAT32, 4 * states);
        operand(op, "tanhC", tanhC, DType.FLOAT32, states);
        if (c != null) operand(op, "c", c, DType.FLOAT32, states);
        if (gH != null) operand(op, "gH", gH, DType.FLOAT32, states);
        if (gC != null) operand(op, "gC", gC, DType.FLOAT32, states);
        operand(op, "gGates", gGates, DType.FLOAT32, 4 * states);
        if (gCPrev != null) operand(op, "gCPrev", gCPrev, DType.FLOAT32, states);
        launch1d("lstm", "attune_lstm_cell_backward", states, ptr(acts), ptr(tanhC), ptr(c), ptr(gH), ptr(gC), n, h,
                ptr(gGates), ptr(gCPrev));
    }

    // ---- optimizers -----------------------------------------------------------------------------------------

    /**
     * The fused Adam / AdamW update in place (native/src/optim.cu): one thread per element, every
     * operation a round-to-nearest intrinsic in the CPU backend's order, so both give the same bits.
     */
    @Override
    public void adamStep(Storage param, Storage grad, Storage expAvg, Storage expAvgSq, Storage maxExpAvgSq, int n,
                         AdamScalars s) {
        String op = "adamStep";
        operand(op, "param", param, DType.FLOAT32, n);
        operand(op, "grad", grad, DType.FLOAT32, n);
        operand(op, "expAvg", expAvg, DType.FLOAT32, n);
        operand(op, "expAvgSq", expAvgSq, DType.FLOAT32, n);
        if (maxExpAvgSq != null) operand(op, "maxExpAvgSq", maxExpAvgSq, DType.FLOAT32, n);
        launch1d("optim", "attune_adam_step", n, ptr(param), ptr(grad), ptr(expAvg), ptr(expAvgSq), ptr(maxExpAvgSq), n,
                s.beta1(), s.oneMinusBeta1(), s.beta2(), s.oneMinusBeta2(), s.eps(), s.weightDecay().ordinal(), s.decay(),
                s.stepSize(), s.biasCorrection2Sqrt());
    }

    // ---- convolution helpers ----------------------------------------------------------------------------

    @Override
    public void im2col(Storage x, int xOffset, int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                       int padH, int padW, int dilH, int dilW, int oh, int ow, Storage cols) {
        launch1d("conv", "attune_im2col", (long) n * c * kh * kw * oh * ow, ptr(x, xOffset), n, c, h, w, kh, kw,
                strideH, strideW, padH, padW, dilH, dilW, oh, ow, ptr(cols));
    }

    @Override
    public void col2im(Storage cols, int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                       int padH, int padW, int dilH, int dilW, int oh, int ow, Storage x, int xOffset) {
        launch1d("conv", "attune_col2im", (long) n * c * h * w, ptr(cols), n, c, h, w, kh, kw,
                strideH, strideW, padH, padW, dilH, dilW, oh, ow, ptr(x, xOffset));
    }

    @Override
    public void depthwiseConv1d(Storage x, Storage w, Storage bias, int n, int c, int l, int k, int stride, int pad, int dil,
                                int lout, Storage y) {
        launch1d("conv", "attune_depthwise_conv1d", (long) n * c * lout, ptr(x), ptr(w), ptr(bias), n, c, l, k, stride, pad, dil,
                lout, ptr(y));
    }

    @Override
    public void depthwiseConv1dBackward(Storage x, Storage w, Storage gy, int n, int c, int l, int k, int stride, int pad,
                                        int dil, int lout, Storage gx, Storage gw) {
        if (gx != null) {
            launch1d("conv", "attune_depthwise_conv1d_backward_input", (long) n * c * l, ptr(w), ptr(gy), n, c, l, k, stride, pad,
                    dil, lout, ptr(gx));
        }
        if (gw != null) {
            device.launch("conv", "attune_depthwise_conv1d_backward_weight", c * k, 1, 1, THREADS, ptr(x), ptr(gy), n, c, l, k,
                    stride, pad, dil, lout, ptr(gw));
        }
    }

    // ---- indexing ---------------------------------------------------------------------------------------

    @Override
    public void indexSelect(Storage src, int outer, int n, int inner, Storage index, int m, Storage out) {
        launch1d("index", "attune_index_select", (long) outer * m * inner, ptr(src), outer, n, inner, ptr(index), m, ptr(out));
    }

    @Override
    public void indexAdd(Storage src, int outer, int m, int inner, Storage index, Storage dst, int n) {
        launch1d("index", "attune_index_add", (long) outer * m * inner, ptr(src), outer, m, inner, ptr(index), ptr(dst), n);
    }

    @Override
    public void gather(Storage src, int outer, int n, int inner, Storage index, int m, Storage out) {
        launch1d("index", "attune_gather", (long) outer * m * inner, ptr(src), outer, n, inner, ptr(index), m, ptr(out));
    }

    @Override
    public void scatterAdd(Storage src, int outer, int m, int inner, Storage index, Storage dst, int n) {
        launch1d("index", "attune_scatter_add", (long) outer * m * inner, ptr(src), outer, m, inner, ptr(index), ptr(dst), n);
    }

    // ---- random numbers -----------------------------------------------------------------------------------

    @Override
    public void random(Distribution dist, float a, float b, long seed, long counter, Storage out, int offset, int size) {
        launch1d("random", "attune_random", size, dist.ordinal(), a, b, seed, counter, ptr(out, offset), size);
    }
}
