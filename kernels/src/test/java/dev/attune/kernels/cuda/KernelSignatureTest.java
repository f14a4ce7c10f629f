package dev.attune.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attune.kernels.AdamScalars;
import dev.attune.kernels.Backend.Distribution;
import dev.attune.kernels.BinaryOp;
import dev.attune.kernels.DType;
import dev.attune.kernels.ReduceOp;
import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import dev.attune.kernels.cuda.CudaSources.Kernel;
import dev.attune.kernels.cuda.CudaSources.Param;
import dev.attune.kernels.cuda.RecordingDevice.Launch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every kernel launch of {@link CudaBackend}, checked against the C signature of the kernel in
 * {@code native/src/*.cu} without a GPU: the backend runs on a {@link RecordingDevice}, and each recorded
 * launch must pass, parameter by parameter and in order, a value of the parameter's exact width (int and
 * float 32 bits, long long 64 bits, a pointer a device address inside a live block or null, the Layout
 * struct its 41 ints). A wrong width or order is a silent wrong answer or a crash on the GPU, and nothing
 * else catches it before one is at hand. The calls use distinct sizes, so that where the test names the
 * value a parameter must get (by its name in the .cu file) two swapped ints are caught as well. Grid and
 * block dimensions are checked against the hardware limits and the kernels' __launch_bounds__, dynamic
 * shared memory against the kernel's use of {@code extern __shared__} and the tile sizes of attention.cu.
 */
class KernelSignatureTest {
    private static final CudaSources SRC = CudaSources.load();
    /** Hopper's opt-in shared memory per block (227 KiB); Ampere's A100 allows 163 KiB. */
    private static final int HOPPER_SHARED_OPT_IN = 227 * 1024;
    private static final int DEFAULT_SHARED = 48 * 1024;

    private final RecordingDevice dev = new RecordingDevice();
    private final CudaBackend be = new CudaBackend(dev);
    /** The dtype of each storage the test allocated, by its block address. */
    private final Map<Long, DType> dtypes = new HashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final Set<String> launched = new TreeSet<>();

    private Storage alloc(DType t, int size) {
        Storage s = be.allocate(t, size);
        dtypes.put(((CudaStorage) s).address(0), t);
        return s;
    }

    private Storage f(int size) {
        return alloc(DType.FLOAT32, size);
    }

    private Storage ints(int size) {
        return alloc(DType.INT32, size);
    }

    private Storage bools(int size) {
        return alloc(DType.BOOL, size);
    }

    /** Parameter values by .cu parameter name ("size") or kernel-qualified ("attune_reduce_cols.n"). */
    private static Map<String, Number> names(Object... kv) {
        Map<String, Number> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Number) kv[i + 1]);
        return m;
    }

    /** Runs one backend call that must launch kernels and checks each launch. */
    private void check(String call, Map<String, Number> named, Runnable r) {
        int from = dev.launches.size();
        r.run();
        List<Launch> made = dev.launches.subList(from, dev.launches.size());
        if (made.isEmpty()) failures.add(call + ": launched no kernel");
        for (Launch l : made) {
            launched.add(l.function());
            failures.addAll(problems(call, l, named));
        }
    }

    /** What is wrong with launch {@code l} made by {@code call}; empty when it matches the kernel. */
    List<String> problems(String call, Launch l, Map<String, Number> named) {
        List<String> out = new ArrayList<>();
        String at = call + " -> " + l.function();
        Kernel k = SRC.kernels.get(l.function());
        if (k == null) return List.of(at + ": no extern \"C\" __global__ kernel of that name in native/src");
        if (!k.module().equals(l.module())) out.add(at + ": launched from module " + l.module() + " but defined in " + k.module() + ".cu");
        Object[] args = l.args();
        if (args.length != k.params().size()) {
            out.add(at + ": " + args.length + " arguments for " + k.params().size() + " parameters " + k.params());
            return out;
        }
        for (int i = 0; i < args.length; i++) {
            Param p = k.params().get(i);
            Object a = args[i];
            String where = at + " parameter " + i + " (" + p.type() + (p.kind() == CudaSources.Kind.POINTER ? "* " : " ") + p.name() + ")";
            String wrong = switch (p.kind()) {
                case I32 -> a instanceof Integer ? null : "a 32-bit int";
                case I64 -> a instanceof Long v && !isDeviceAddress(v) ? null : "a 64-bit long long value";
                case F32 -> a instanceof Float ? null : "a float";
                case F64 -> "a double (the launcher has no 64-bit float argument)";
                case STRUCT -> a instanceof int[] v && v.length == SRC.structInts.get(p.type()) ? null
                        : "the struct's " + SRC.structInts.get(p.type()) + " ints";
                case POINTER -> pointerProblem(p, a);
                case UNKNOWN -> "a type this check does not know";
            };
            if (wrong != null) out.add(where + ": expects " + wrong + ", got " + describe(a));
            Number want = named.containsKey(l.function() + "." + p.name()) ? named.get(l.function() + "." + p.name()) : named.get(p.name());
            if (want != null && wrong == null && a instanceof Number got && !sameValue(want, got)) {
                out.add(where + ": expects the value " + want + ", got " + got);
            }
        }
        if (l.gridX() < 1 || l.gridY() < 1 || l.gridY() > 65535 || l.gridZ() < 1 || l.gridZ() > 65535) {
            out.add(at + ": grid " + l.gridX() + "x" + l.gridY() + "x" + l.gridZ() + " outside 1..2^31-1 x 1..65535 x 1..65535");
        }
        if (l.block() < 32 || l.block() > 1024 || l.block() % 32 != 0) out.add(at + ": block of " + l.block() + " threads");
        if (k.launchBound() != null && l.block() > k.launchBound()) {
            out.add(at + ": block of " + l.block() + " threads exceeds __launch_bounds__(" + k.launchBound() + ")");
        }
        if (k.dynamicShared() != (l.sharedBytes() > 0)) {
            out.add(at + ": " + l.sharedBytes() + " bytes of dynamic shared memory for a kernel that "
                    + (k.dynamicShared() ? "declares" : "does not declare") + " extern __shared__");
        }
        if (l.sharedBytes() > HOPPER_SHARED_OPT_IN) out.add(at + ": " + l.sharedBytes() + " bytes of shared memory exceed 227 KiB");
        return out;
    }

    private String pointerProblem(Param p, Object a) {
        if (a == null) return null;
        if (!(a instanceof Long v) || !isDeviceAddress(v)) return "a device address";
        var block = dev.blocks.floorEntry(v);
        if (block == null || v >= block.getKey() + block.getValue()) return "an address inside a live device block";
        DType t = dtypes.get(block.getKey());
        if (t == null) return null;  // the backend's own scratch block
        boolean ok = switch (p.type()) {
            case "float" -> t == DType.FLOAT32;
            case "int" -> t == DType.INT32 || t == DType.BOOL;
            default -> true;  // void* and unsigned int* take any 4-byte element
        };
        return ok ? null : p.type() + " elements (the storage holds " + t.displayName() + ")";
    }

    private static boolean isDeviceAddress(long v) {
        return v >= RecordingDevice.BASE;
    }

    private static boolean sameValue(Number want, Number got) {
        if (want instanceof Float || got instanceof Float) return Float.compare(want.floatValue(), got.floatValue()) == 0;
        return want.longValue() == got.longValue();
    }

    private static String describe(Object a) {
        return switch (a) {
            case null -> "a null pointer";
            case Integer v -> "int " + v;
            case Float v -> "float " + v;
            case Long v -> isDeviceAddress(v) ? "a device address" : "long " + v;
            case int[] v -> "int[" + v.length + "]";
            default -> a.getClass().getName();
        };
    }

    @Test
    void everyLaunchMatchesTheKernelSignature() {
        Storage x = f(200), y = f(200), gx = f(200), gy = f(200), xi = ints(200), xb = bools(200);

        // memory and elementwise
        check("fill", names("n", 10, "kind", 0, "v", 1.5f), () -> be.fill(x, 3, 10, 1.5f));
        check("fill int", names("n", 5, "kind", 1), () -> be.fill(xi, 0, 5, 2f));
        check("copyStrided", names("n", 6, "srcKind", 0, "dstKind", 1),
                () -> be.copyStrided(x, 1, new int[] {1, 3}, xi, 2, new int[] {2, 1}, new int[] {3, 2}));
        check("unary", names("op", UnaryOp.CLAMP.ordinal(), "a", -1f, "b", 2f, "n", 7), () -> be.unary(UnaryOp.CLAMP, -1f, 2f, x, 2, y, 3, 7));
        Storage bias = f(4), gBias = f(4);
        check("biasActivation", names("act", UnaryOp.GELU.ordinal(), "n", 12, "cols", 4),
                () -> be.biasActivation(UnaryOp.GELU, x, bias, 3, 4, y));
        check("biasActivationBackward", names("attune_bias_activation_grad.n", 12, "cols", 4, "attune_reduce_cols.outer", 1,
                "attune_reduce_cols.n", 3, "inner", 4), () -> be.biasActivationBackward(UnaryOp.SILU, x, bias, gy, 3, 4, gx, gBias));
        check("binary", names("op", BinaryOp.MAX.ordinal(), "n", 6, "aKind", 0, "bKind", 1, "outKind", 0),
                () -> be.binary(BinaryOp.MAX, new int[] {2, 3}, x, 1, new int[] {3, 1}, xi, 0, new int[] {0, 1}, y, 2));
        check("where", names("n", 6, "cKind", 2, "aKind", 0, "bKind", 1),
                () -> be.where(new int[] {2, 3}, xb, 0, new int[] {3, 1}, x, 1, new int[] {0, 1}, xi, 4, new int[] {3, 1}, y, 5));

        // reductions and row kernels
        check("reduce rows", names("op", ReduceOp.ARGMAX.ordinal(), "rows", 3, "n", 5), () -> be.reduce(ReduceOp.ARGMAX, x, 1, 3, 5, 1, xi, 2));
        check("reduce cols", names("op", ReduceOp.SUM.ordinal(), "outer", 2, "n", 3, "inner", 4), () -> be.reduce(ReduceOp.SUM, x, 1, 2, 3, 4, y, 1));
        check("softmax rows", names("log", 1, "rows", 3, "n", 5), () -> be.softmax(true, x, 1, 3, 5, 1, y, 2));
        check("softmax cols", names("log", 0, "outer", 2, "n", 3, "inner", 4), () -> be.softmax(false, x, 0, 2, 3, 4, y, 0));
        check("softmaxBackward rows", names("log", 0, "rows", 3, "n", 5), () -> be.softmaxBackward(false, x, gy, 3, 5, 1, gx));
        check("softmaxBackward cols", names("log", 1, "outer", 2, "n", 3, "inner", 4), () -> be.softmaxBackward(true, x, gy, 2, 3, 4, gx));
        Storage gamma = f(5), beta = f(5), mean = f(3), rstd = f(3), gGamma = f(5), gBeta = f(5);
        check("layerNorm", names("rows", 3, "cols", 5, "eps", 1e-5f), () -> be.layerNorm(x, gamma, beta, 3, 5, 1e-5f, y, mean, rstd));
        check("layerNormBackward", names("rows", 3, "cols", 5),
                () -> be.layerNormBackward(x, gamma, mean, rstd, gy, 3, 5, gx, gGamma, gBeta));
        Storage cm = f(3), cv = f(3), cg = f(3), cb = f(3);
        check("channelMoments", names("outer", 2, "channels", 3, "inner", 4), () -> be.channelMoments(x, 2, 3, 4, cm, cv));
        check("channelNormalize", names("outer", 2, "channels", 3, "inner", 4), () -> be.channelNormalize(x, 2, 3, 4, cm, cv, cg, cb, y));
        check("channelNormalize without affine", names("outer", 2, "channels", 3, "inner", 4),
                () -> be.channelNormalize(x, 2, 3, 4, cm, cv, null, null, y));
        Storage ci = f(3);
        check("batchNormTraining (Backend's default composition)", names("outer", 2, "channels", 3, "inner", 4),
                () -> be.batchNormTraining(x, 2, 3, 4, 1e-5f, cg, cb, cm, cv, ci, y));
        check("batchNormBackward", names("outer", 2, "channels", 3, "inner", 4),
                () -> be.batchNormBackward(x, gy, 2, 3, 4, cm, cv, cg, gx, gGamma, gBeta));

        // GEMM, FP32 and TF32: C (2 x 3 x 5) = A (2 x 3 x 4) B^T with B (2 x 5 x 4)
        Storage a = f(30), b = f(50), c = f(40);
        Map<String, Number> gemm = names("transA", 0, "transB", 1, "m", 3, "n", 5, "k", 4, "alpha", 1.5f, "beta", 0.5f,
                "lda", 4, "strideA", 12L, "ldb", 4, "strideB", 20L, "ldc", 5, "strideC", 15L);
        check("gemm", gemm, () -> be.gemm(false, true, 2, 3, 5, 4, 1.5f, a, 1, 4, 12, b, 2, 4, 20, 0.5f, c, 3, 5, 15));
        be.setTf32(true);
        check("gemm tf32", gemm, () -> be.gemm(false, true, 2, 3, 5, 4, 1.5f, a, 1, 4, 12, b, 2, 4, 20, 0.5f, c, 3, 5, 15));
        be.setTf32(false);

        // attention: no position term, dropout, padding; then d = 128 with the position term shared by the batch
        int n = 2, h = 3, tq = 20, tk = 37, d = 24;
        Storage q = f(n * h * tq * d), k = f(n * h * tk * d), v = f(n * h * tk * d), pad = bools(n * tk);
        Storage out = f(n * h * tq * d), lse = f(n * h * tq), gOut = f(n * h * tq * d);
        Storage gq = f(n * h * tq * d), gk = f(n * h * tk * d), gv = f(n * h * tk * d);
        Map<String, Number> att = names("pBatch", 1, "h", h, "tq", tq, "tk", tk, "d", d, "scale", 0.25f, "keepProb", 1f - 0.1f,
                "dropScale", 1f / (1f - 0.1f), "seed", 7L, "counter", 11L, "rows", n * h * tq);
        check("attention", att, () -> be.attention(q, k, v, null, null, 1, pad, n, h, tq, tk, d, 0.25f, 0.1f, 7, 11, out, lse));
        check("attentionBackward", att, () -> be.attentionBackward(q, k, v, null, null, 1, pad, n, h, tq, tk, d, 0.25f, 0.1f, 7, 11,
                out, lse, gOut, gq, gk, gv, null, null));
        int dm = CudaBackend.ATTENTION_MAX_D;
        Storage q8 = f(n * h * tq * dm), k8 = f(n * h * tk * dm), qPos = f(n * h * tq * dm), pos = f(h * tk * dm);
        Storage out8 = f(n * h * tq * dm), gOut8 = f(n * h * tq * dm), gq8 = f(n * h * tq * dm), gk8 = f(n * h * tk * dm);
        Storage gv8 = f(n * h * tk * dm), gqPos = f(n * h * tq * dm), gPos = f(h * tk * dm);
        Map<String, Number> attPos = names("pBatch", 1, "h", h, "tq", tq, "tk", tk, "d", dm, "keepProb", 1f, "seed", 0L, "counter", 0L,
                "attune_reduce_cols.outer", 1, "attune_reduce_cols.n", n, "attune_reduce_cols.inner", h * tk * dm);
        int from = dev.launches.size();
        check("attention with pos, d 128", attPos, () -> be.attention(q8, k8, k8, qPos, pos, 1, null, n, h, tq, tk, dm, 0.1f, 0f, 0, 0, out8, lse));
        check("attentionBackward with pos, d 128", attPos, () -> be.attentionBackward(q8, k8, k8, qPos, pos, 1, null, n, h, tq, tk, dm,
                0.1f, 0f, 0, 0, out8, lse, gOut8, gq8, gk8, gv8, gqPos, gPos));
        checkAttentionSharedMemory(dev.launches.subList(from, dev.launches.size()), dm);

        // recurrent cell, optimizer
        Storage gates = f(24), cst = f(6), hN = f(6), cN = f(6), acts = f(24), tanhC = f(6), gH = f(6), gG = f(24), gC = f(6);
        check("lstmCell", names("n", 2, "h", 3), () -> be.lstmCell(gates, cst, 2, 3, hN, cN, acts, tanhC));
        check("lstmCell without a state", names("n", 2, "h", 3), () -> be.lstmCell(gates, null, 2, 3, hN, cN, acts, tanhC));
        check("lstmCellBackward", names("n", 2, "h", 3), () -> be.lstmCellBackward(acts, tanhC, cst, gH, null, 2, 3, gG, gC));
        AdamScalars s = AdamScalars.of(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 3);
        Storage p = f(10), g = f(10), m1 = f(10), m2 = f(10), vmax = f(10);
        check("adamStep", names("n", 10, "b1", s.beta1(), "c1", s.oneMinusBeta1(), "b2", s.beta2(), "c2", s.oneMinusBeta2(), "eps", s.eps(),
                "decayMode", s.weightDecay().ordinal(), "decay", s.decay(), "stepSize", s.stepSize(), "bias2", s.biasCorrection2Sqrt()),
                () -> be.adamStep(p, g, m1, m2, vmax, 10, s));

        // convolution helpers, with every size distinct
        Map<String, Number> conv = names("n", 2, "c", 3, "h", 5, "w", 6, "kh", 7, "kw", 8, "sh", 9, "sw", 10, "ph", 11, "pw", 12,
                "dh", 13, "dw", 14, "oh", 15, "ow", 16);
        Storage img = f(1 + 2 * 3 * 5 * 6), cols = f(2 * 3 * 7 * 8 * 15 * 16);
        check("im2col", conv, () -> be.im2col(img, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, cols));
        check("col2im", conv, () -> be.col2im(cols, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, img, 1));
        Map<String, Number> dw = names("n", 2, "c", 3, "l", 17, "k", 5, "stride", 4, "pad", 6, "dil", 7, "lout", 9);
        Storage dx = f(102), dwt = f(15), db = f(3), dy = f(54), dgx = f(102), dgw = f(15);
        check("depthwiseConv1d", dw, () -> be.depthwiseConv1d(dx, dwt, db, 2, 3, 17, 5, 4, 6, 7, 9, dy));
        check("depthwiseConv1dBackward", dw, () -> be.depthwiseConv1dBackward(dx, dwt, dy, 2, 3, 17, 5, 4, 6, 7, 9, dgx, dgw));

        // indexing: src (2, 5, 3), index of 4 (select/add) or (2, 4, 3) (gather/scatter)
        Storage src = f(30), idx = ints(4), small = f(24), idx3 = ints(24);
        Map<String, Number> index = names("outer", 2, "n", 5, "inner", 3, "m", 4);
        check("indexSelect", index, () -> be.indexSelect(src, 2, 5, 3, idx, 4, small));
        check("indexSelect of ints", index, () -> be.indexSelect(ints(30), 2, 5, 3, idx, 4, ints(24)));
        check("indexAdd", index, () -> be.indexAdd(small, 2, 4, 3, idx, src, 5));
        check("gather", index, () -> be.gather(src, 2, 5, 3, idx3, 4, small));
        check("scatterAdd", index, () -> be.scatterAdd(small, 2, 4, 3, idx3, src, 5));

        check("random", names("dist", Distribution.NORMAL.ordinal(), "a", 0.5f, "b", 2f, "seed", 5L, "counter", 9L, "size", 10),
                () -> be.random(Distribution.NORMAL, 0.5f, 2f, 5, 9, x, 3, 10));

        // copies that launch nothing still stay inside their blocks (RecordingDevice checks the ranges)
        int before = dev.launches.size();
        be.copyStrided(x, 4, new int[] {3, 1}, y, 5, new int[] {3, 1}, new int[] {2, 3});
        be.upload(new float[10]).close();
        be.upload(new int[] {1, 2, 3}, DType.INT32).close();
        assertEquals(10, be.downloadFloats(xi, 190, 10).length);
        assertEquals(10, be.downloadInts(x, 190, 10).length);
        assertEquals(before, dev.launches.size(), "a dense copy is a memcpy, not a kernel");

        Set<String> never = new TreeSet<>(SRC.kernels.keySet());
        never.removeAll(launched);
        if (!never.isEmpty()) failures.add("kernels of native/src that no call of this test launches (add a call): " + never);
        if (!failures.isEmpty()) fail(failures.size() + " launch mismatch(es):\n  " + String.join("\n  ", failures));
    }

    /**
     * The attention launches' dynamic shared memory, recomputed from attention.cu's tile constants
     * by the carve-up each kernel makes of {@code smem} (with the position term), must be what the host
     * passes; at d = 128 it exceeds the 48 KiB default, so the launch path must opt in (it does, in
     * {@link CudaDevice#launchShared}).
     */
    private void checkAttentionSharedMemory(List<Launch> launches, int d) {
        long bq = SRC.constant("ATT_BQ"), bk = SRC.constant("ATT_BK"), bkv = SRC.constant("ATT_BKV"), bqt = SRC.constant("ATT_BQT");
        long ks = d | 1;
        Map<String, Long> want = Map.of(
                "attune_attention_forward", 4 * (2 * bq * d + 2 * bk * ks + bk * d),
                "attune_attention_backward_q", 4 * (3 * bq * d + 3 * bk * ks),
                "attune_attention_backward_kv", 4 * (3 * bkv * d + 3 * bqt * ks + 2 * bqt));
        int seen = 0;
        for (Launch l : launches) {
            Long bytes = want.get(l.function());
            if (bytes == null) continue;
            seen++;
            if (l.sharedBytes() != bytes) failures.add(l.function() + " at d " + d + ": " + l.sharedBytes() + " bytes of shared memory, the kernel uses " + bytes);
            if (l.sharedBytes() <= DEFAULT_SHARED) failures.add(l.function() + " at d " + d + " was expected above the 48 KiB default");
        }
        if (seen != 3) failures.add("expected the three attention kernels with the position term, saw " + seen);
    }

    @Test
    void gemmBatchesBeyondTheGridLimitGoInChunksAtTheRightOffsets() {
        int batch = 70_000;
        Storage a = f(batch + 1), b = f(batch), c = f(batch);
        be.gemm(false, false, batch, 1, 1, 1, 1f, a, 1, 1, 1, b, 0, 1, 1, 0f, c, 0, 1, 1);
        assertEquals(2, dev.launches.size());
        Launch first = dev.launches.get(0), second = dev.launches.get(1);
        assertEquals(65535, first.gridZ());
        assertEquals(batch - 65535, second.gridZ());
        long a0 = ((CudaStorage) a).address(0), c0 = ((CudaStorage) c).address(0);
        assertEquals(a0 + 4, first.args()[6], "A starts at its offset");
        assertEquals(a0 + 4 + 4L * 65535, second.args()[6], "the second chunk starts 65535 matrices later");
        assertEquals(c0 + 4L * 65535, second.args()[13]);
        assertTrue(problems("gemm", second, Map.of()).isEmpty(), () -> problems("gemm", second, Map.of()).toString());
    }

    @Test
    void theCheckCatchesAWrongWidthAPointerForAValueAndSwappedInts() {
        Storage a = f(4), b = f(4), c = f(4);
        long pa = ((CudaStorage) a).address(0), pb = ((CudaStorage) b).address(0), pc = ((CudaStorage) c).address(0);
        Object[] right = {0, 0, 2, 2, 2, 1f, pa, 2, 4L, pb, 2, 4L, 0f, pc, 2, 4L};
        Launch ok = new Launch("gemm", "attune_sgemm", 1, 1, 1, 256, 0, right);
        assertEquals(List.of(), problems("t", ok, names("m", 2, "strideA", 4L)));

        Object[] narrow = right.clone();
        narrow[8] = 4;  // an int where the kernel takes long long strideA
        assertEquals(List.of("t -> attune_sgemm parameter 8 (long long strideA): expects a 64-bit long long value, got int 4"),
                problems("t", new Launch("gemm", "attune_sgemm", 1, 1, 1, 256, 0, narrow), Map.of()));
        Object[] swapped = right.clone();
        swapped[8] = pb;  // a device address where a value goes
        swapped[9] = 4L;
        List<String> got = problems("t", new Launch("gemm", "attune_sgemm", 1, 1, 1, 256, 0, swapped), Map.of());
        assertEquals(2, got.size(), got::toString);
        assertTrue(got.get(0).contains("strideA): expects a 64-bit long long value, got a device address"), got::toString);
        assertTrue(got.get(1).contains("b): expects a device address, got long 4"), got::toString);
        got = problems("t", ok, names("m", 3));
        assertEquals(List.of("t -> attune_sgemm parameter 2 (int m): expects the value 3, got 2"), got);
        got = problems("t", new Launch("gemm", "attune_sgemm", 1, 70_000, 1, 512, 1024, right), Map.of());
        assertEquals(3, got.size(), got::toString);  // grid y over 65535, block over __launch_bounds__(256), shared memory unused
        Object[] shortList = Arrays.copyOf(right, 15);
        got = problems("t", new Launch("gemm", "attune_sgemm", 1, 1, 1, 256, 0, shortList), Map.of());
        assertTrue(got.size() == 1 && got.get(0).startsWith("t -> attune_sgemm: 15 arguments for 16 parameters"), got::toString);
        Object[] fill = {pa, 0, 3, pb};  // attune_fill(void* dst, int kind, int n, float v) given a pointer for v
        got = problems("t", new Launch("elementwise", "attune_fill", 1, 1, 1, 256, 0, fill), Map.of());
        assertEquals(List.of("t -> attune_fill parameter 3 (float v): expects a float, got a device address"), got);
        long intStorage = ((CudaStorage) ints(4)).address(0);
        got = problems("t", new Launch("elementwise", "attune_unary", 1, 1, 1, 256, 0, new Object[] {0, 1f, 2f, intStorage, pc, 4}), Map.of());
        assertEquals(List.of("t -> attune_unary parameter 3 (float* x): expects float elements (the storage holds int32), got a device address"), got);
        Object[] intFill = {intStorage, 1, 3, 1f};  // void* takes a storage of any dtype
        assertTrue(problems("t", new Launch("elementwise", "attune_fill", 1, 1, 1, 256, 0, intFill), Map.of()).isEmpty());
    }

    @Test
    void enumsKindsStructsAndTileSizesMatchTheSources() {
        assertEquals(enumNames(UnaryOp.values()), SRC.enums.get("UnaryOp"), "UnaryOp ordinals (elementwise.cu)");
        assertEquals(enumNames(BinaryOp.values()), renamed(SRC.enums.get("BinaryOp"), Map.of("MAXIMUM", "MAX", "MINIMUM", "MIN")),
                "BinaryOp ordinals (elementwise.cu)");
        assertEquals(enumNames(ReduceOp.values()), renamed(SRC.enums.get("ReduceOp"), Map.of("RMAX", "MAX", "RMIN", "MIN")),
                "ReduceOp ordinals (reduce.cu)");
        assertEquals(enumNames(Distribution.values()), SRC.enums.get("Distribution"), "Distribution ordinals (random.cu)");
        List<String> decay = new ArrayList<>();
        for (String e : enumNames(AdamScalars.WeightDecay.values())) decay.add("DECAY_" + e);
        assertEquals(decay, SRC.enums.get("WeightDecay"), "WeightDecay ordinals (optim.cu)");

        assertEquals(SRC.constant("KIND_FLOAT"), ((CudaStorage) f(1)).kind());
        assertEquals(SRC.constant("KIND_INT"), ((CudaStorage) ints(1)).kind());
        assertEquals(SRC.constant("KIND_BOOL"), ((CudaStorage) bools(1)).kind());

        assertEquals(SRC.constant("ATTUNE_MAX_RANK"), Layout.MAX_RANK);
        assertEquals(SRC.structInts.get("Layout"), Layout.of("t", new int[] {2}, new int[] {1}, new int[] {1}).length);

        assertEquals(SRC.constant("ATT_MAX_D"), CudaBackend.ATTENTION_MAX_D);
        assertEquals(SRC.constant("ATT_THREADS"), CudaBackend.ATT_THREADS);
        assertEquals(SRC.constant("ATT_BQ"), CudaBackend.ATT_BQ);
        assertEquals(SRC.constant("ATT_BK"), CudaBackend.ATT_BK);
        assertEquals(SRC.constant("ATT_BKV"), CudaBackend.ATT_BKV);
        assertEquals(SRC.constant("ATT_BQT"), CudaBackend.ATT_BQT);
    }

    private static List<String> enumNames(Enum<?>[] values) {
        List<String> out = new ArrayList<>();
        for (Enum<?> e : values) out.add(e.name());
        return out;
    }

    private static List<String> renamed(List<String> names, Map<String, String> aliases) {
        List<String> out = new ArrayList<>();
        for (String n : names) out.add(aliases.getOrDefault(n, n));
        return out;
    }
}
