package dev.attune.kernels.cpu;

import dev.attune.kernels.AdamScalars;
import dev.attune.kernels.Backend;
import dev.attune.kernels.BinaryOp;
import dev.attune.kernels.CounterRng;
import dev.attune.kernels.DType;
import dev.attune.kernels.Parallel;
import dev.attune.kernels.ReduceOp;
import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU backend: heap arrays, the Vector API for dense inner loops, and {@link Parallel}
 * for multi-core work. Every output element is produced by exactly one thread with a fixed
 * order of operations, so results depend only on the inputs and the thread count.
 */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Elements per parallel chunk for cheap elementwise work: below this one thread is faster. */
    static final int GRAIN = 1 << 15;

    /** Arrays of closed float storages, reused by {@link #allocate}. */
    static final CpuArrayPool POOL = CpuArrayPool.forHeap();

    private CpuBackend() {}

    @Override
    public String name() {
        return "cpu";
    }

    private static float[] f(Storage s) {
        return ((CpuStorage) s).floats();
    }

    private static int[] i(Storage s) {
        return ((CpuStorage) s).ints();
    }

    /** The storage as CpuStorage, after checking that it was not closed (by a MemoryScope). */
    private static CpuStorage open(Storage s) {
        CpuStorage c = (CpuStorage) s;
        c.checkOpen();
        return c;
    }

    /** Reads element {@code idx} of a storage of any dtype as a float. */
    private static float read(CpuStorage s, int idx) {
        return s.floats != null ? s.floats[idx] : s.ints[idx];
    }

    // ---- memory ---------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int size) {
        return dtype == DType.FLOAT32 ? new CpuStorage(POOL.take(size, true)) : new CpuStorage(new int[size], dtype);
    }

    /** A pooled float array without its zero fill (a tenth of a Conformer training step's time). */
    @Override
    public Storage allocateForOverwrite(DType dtype, int size) {
        return dtype == DType.FLOAT32 ? new CpuStorage(POOL.take(size, false)) : allocate(dtype, size);
    }

    @Override
    public Storage upload(float[] data) {
        return new CpuStorage(data.clone());
    }

    @Override
    public Storage upload(int[] data, DType dtype) {
        return new CpuStorage(data.clone(), dtype);
    }

    @Override
    public float[] downloadFloats(Storage s, int offset, int size) {
        CpuStorage c = open(s);
        if (c.floats != null) return java.util.Arrays.copyOfRange(c.floats, offset, offset + size);
        float[] out = new float[size];
        for (int k = 0; k < size; k++) out[k] = c.ints[offset + k];
        return out;
    }

    @Override
    public int[] downloadInts(Storage s, int offset, int size) {
        CpuStorage c = open(s);
        if (c.ints != null) return java.util.Arrays.copyOfRange(c.ints, offset, offset + size);
        int[] out = new int[size];
        for (int k = 0; k < size; k++) out[k] = (int) c.floats[offset + k];
        return out;
    }

    @Override
    public void copyStrided(Storage src, int srcOffset, int[] srcStrides, Storage dst, int dstOffset, int[] dstStrides,
                            int[] shape) {
        CpuStorage s = open(src), d = open(dst);
        int rank = shape.length;
        int n = numel(shape);
        if (n == 0) return;
        if (rank == 0) {
            write(d, dstOffset, s, srcOffset);
            return;
        }
        boolean sameKind = s.floats != null ? d.floats != null : d.ints != null && s.dtype() == d.dtype();
        if (sameKind && isDense(shape, srcStrides) && isDense(shape, dstStrides)) {
            // One flat range over the elements: a 1-D tensor is not one task.
            Parallel.forRange(n, GRAIN, (lo, hi) -> {
                if (s.floats != null) System.arraycopy(s.floats, srcOffset + lo, d.floats, dstOffset + lo, hi - lo);
                else System.arraycopy(s.ints, srcOffset + lo, d.ints, dstOffset + lo, hi - lo);
            });
            return;
        }
        int inner = shape[rank - 1], sis = srcStrides[rank - 1], dis = dstStrides[rank - 1];
        int rows = n / inner;
        Parallel.forRange(rows, Math.max(1, GRAIN / inner), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int from = srcOffset + rowOffset(r, shape, srcStrides);
                int to = dstOffset + rowOffset(r, shape, dstStrides);
                if (s.floats != null && d.floats != null) {
                    if (sis == 1 && dis == 1) System.arraycopy(s.floats, from, d.floats, to, inner);
                    else for (int k = 0; k < inner; k++) d.floats[to + k * dis] = s.floats[from + k * sis];
                } else if (s.ints != null && d.ints != null && s.dtype() == d.dtype()) {
                    if (sis == 1 && dis == 1) System.arraycopy(s.ints, from, d.ints, to, inner);
                    else for (int k = 0; k < inner; k++) d.ints[to + k * dis] = s.ints[from + k * sis];
                } else {
                    for (int k = 0; k < inner; k++) write(d, to + k * dis, s, from + k * sis);
                }
            }
        });
    }

    /** Converting element copy: float to int truncates toward zero, any nonzero to BOOL is 1. */
    private static void write(CpuStorage d, int di, CpuStorage s, int si) {
        if (d.floats != null) d.floats[di] = read(s, si);
        else if (d.dtype() == DType.BOOL) d.ints[di] = read(s, si) != 0 ? 1 : 0;
        else d.ints[di] = s.ints != null ? s.ints[si] : (int) s.floats[si];
    }

    /** Offset of row {@code r} (an index over all dims but the last) under the given strides. */
    private static int rowOffset(int r, int[] shape, int[] strides) {
        int off = 0;
        for (int d = shape.length - 2; d >= 0; d--) {
            int idx = r % shape[d];
            r /= shape[d];
            off += idx * strides[d];
        }
        return off;
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    @Override
    public void fill(Storage dst, int offset, int size, float value) {
        CpuStorage d = open(dst);
        if (d.floats != null) java.util.Arrays.fill(d.floats, offset, offset + size, value);
        else java.util.Arrays.fill(d.ints, offset, offset + size, (int) value);
    }

    // ---- elementwise ----------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, float a, float b, Storage x, int xOffset, Storage out, int outOffset, int n) {
        float[] xs = f(x), ys = f(out);
        Parallel.forRange(n, GRAIN, (lo, hi) -> unaryRange(op, a, b, xs, xOffset, ys, outOffset, lo, hi));
    }

    @Override
    public void biasActivation(UnaryOp act, Storage x, Storage bias, int rows, int cols, Storage out) {
        CpuBiasActivation.forward(act, f(x), f(bias), rows, cols, f(out));
    }

    @Override
    public void biasActivationBackward(UnaryOp act, Storage x, Storage bias, Storage gy, int rows, int cols,
                                       Storage gx, Storage gBias) {
        CpuBiasActivation.backward(act, f(x), f(bias), f(gy), rows, cols, f(gx), gBias == null ? null : f(gBias));
    }

    /**
     * The vector loop of each unary op, by ordinal: a handle of type {@link #LOOP_TYPE}, whose int
     * result is where the scalar tail starts. {@link #unaryRange} calls it through a handle that is
     * not a constant, which C2 never inlines, so every loop is compiled as a unit of its own.
     * Inlined together into one caller (a call site that has seen two ops inlines both), two
     * vector loops with exp in them outgrow C2's node budget (NodeCountInliningCutoff); the
     * vector operations left as calls then box every vector (measured: SILU and SILU_GRAD
     * alternating in one process ran 25x slower than each alone).
     */
    private static final MethodHandle[] VECTOR_LOOPS = new MethodHandle[UnaryOp.values().length];
    /** {@code (a, b, x, xOffset, y, yOffset, lo, hi) -> first index left to the scalar tail}. */
    private static final MethodType LOOP_TYPE = MethodType.methodType(int.class,
            float.class, float.class, float[].class, int.class, float[].class, int.class, int.class, int.class);

    static {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            MethodHandle cheap = lookup.findStatic(CpuBackend.class, "cheapLoop", LOOP_TYPE.insertParameterTypes(0, UnaryOp.class));
            MethodHandle maskAndReciprocal = lookup.findStatic(CpuBackend.class, "maskAndReciprocalLoop",
                    LOOP_TYPE.insertParameterTypes(0, UnaryOp.class));
            MethodHandle none = MethodHandles.dropArguments(MethodHandles.identity(int.class), 0,
                    LOOP_TYPE.parameterList().subList(0, 6));
            none = MethodHandles.dropArguments(none, 7, int.class);
            for (UnaryOp op : UnaryOp.values()) {
                VECTOR_LOOPS[op.ordinal()] = switch (op) {
                    case NEG, ABS, RELU, AFFINE, CLAMP, SQRT -> MethodHandles.insertArguments(cheap, 0, op);
                    case STEP, RSQRT, RECIPROCAL -> MethodHandles.insertArguments(maskAndReciprocal, 0, op);
                    case EXP -> lookup.findStatic(CpuBackend.class, "expLoop", LOOP_TYPE);
                    case LOG -> lookup.findStatic(CpuBackend.class, "logLoop", LOOP_TYPE);
                    case TANH -> lookup.findStatic(CpuBackend.class, "tanhLoop", LOOP_TYPE);
                    case SIGMOID -> lookup.findStatic(CpuBackend.class, "sigmoidLoop", LOOP_TYPE);
                    case SILU -> lookup.findStatic(CpuBackend.class, "siluLoop", LOOP_TYPE);
                    case SILU_GRAD -> lookup.findStatic(CpuBackend.class, "siluGradLoop", LOOP_TYPE);
                    case GELU -> lookup.findStatic(CpuBackend.class, "geluLoop", LOOP_TYPE);
                    case GELU_GRAD -> lookup.findStatic(CpuBackend.class, "geluGradLoop", LOOP_TYPE);
                    case SIGN, POW_SCALAR, INSIDE -> none; // scalar only
                };
            }
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The vector loop of op over [lo, hi), then the scalar definition on the tail. */
    static void unaryRange(UnaryOp op, float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k;
        try {
            k = (int) VECTOR_LOOPS[op.ordinal()].invokeExact(a, b, x, xo, y, yo, lo, hi);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) { // the loops declare no checked exception
            throw new IllegalStateException(t);
        }
        for (; k < hi; k++) y[yo + k] = scalarUnary(op, a, b, x[xo + k]);
    }

    private static int end(int lo, int hi) {
        return lo + S.loopBound(hi - lo);
    }

    /** The cheap maps. */
    private static int cheapLoop(UnaryOp op, float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + k);
            FloatVector r = switch (op) {
                case NEG -> v.neg();
                case ABS -> v.abs();
                case RELU -> VectorMath.relu(v);
                case AFFINE -> v.fma(va, vb);
                case CLAMP -> v.max(va).min(vb);
                default -> v.lanewise(VectorOperators.SQRT);
            };
            r.intoArray(y, yo + k);
        }
        return k;
    }

    /** The JDK's vector EXP (within an ulp or two of Math.exp, subnormal results included). */
    private static int expLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) {
            FloatVector.fromArray(S, x, xo + k).lanewise(VectorOperators.EXP).intoArray(y, yo + k);
        }
        return k;
    }

    private static int logLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) {
            FloatVector.fromArray(S, x, xo + k).lanewise(VectorOperators.LOG).intoArray(y, yo + k);
        }
        return k;
    }

    private static int tanhLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) VectorMath.tanh(FloatVector.fromArray(S, x, xo + k)).intoArray(y, yo + k);
        return k;
    }

    private static int sigmoidLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) VectorMath.sigmoid(FloatVector.fromArray(S, x, xo + k)).intoArray(y, yo + k);
        return k;
    }

    private static int siluLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) {
            VectorMath.silu(FloatVector.fromArray(S, x, xo + k)).intoArray(y, yo + k);
        }
        return k;
    }

    private static int siluGradLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) VectorMath.siluGrad(FloatVector.fromArray(S, x, xo + k)).intoArray(y, yo + k);
        return k;
    }

    private static int geluLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) VectorMath.gelu(FloatVector.fromArray(S, x, xo + k)).intoArray(y, yo + k);
        return k;
    }

    private static int geluGradLoop(float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) VectorMath.geluGrad(FloatVector.fromArray(S, x, xo + k)).intoArray(y, yo + k);
        return k;
    }

    private static int maskAndReciprocalLoop(UnaryOp op, float a, float b, float[] x, int xo, float[] y, int yo, int lo, int hi) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int k = lo;
        for (int bound = end(lo, hi); k < bound; k += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + k);
            FloatVector r = switch (op) {
                case STEP -> VectorMath.step(v);
                case RSQRT -> one.div(v.lanewise(VectorOperators.SQRT));
                default -> one.div(v);
            };
            r.intoArray(y, yo + k);
        }
        return k;
    }

    /** The scalar definition of every unary op; the vector paths above must agree with it. */
    static float scalarUnary(UnaryOp op, float a, float b, float v) {
        return switch (op) {
            case NEG -> -v;
            case EXP -> (float) Math.exp(v);
            case LOG -> (float) Math.log(v);
            case SQRT -> (float) Math.sqrt(v);
            case RSQRT -> (float) (1.0 / Math.sqrt(v));
            case ABS -> Math.abs(v);
            case SIGN -> Math.signum(v);
            case RECIPROCAL -> 1f / v;
            case TANH -> (float) Math.tanh(v);
            case SIGMOID -> sigmoid(v);
            case RELU -> Math.max(v, 0f);
            case SILU -> v * sigmoid(v);
            case GELU -> (float) (v * normalCdf(v));
            case POW_SCALAR -> (float) Math.pow(v, a);
            case AFFINE -> Math.fma(v, a, b);
            case CLAMP -> Math.min(Math.max(v, a), b);
            case INSIDE -> v >= a && v <= b ? 1f : 0f;
            case SILU_GRAD -> {
                float s = sigmoid(v);
                yield s * (1f + v * (1f - s));
            }
            case GELU_GRAD -> {
                double cdf = normalCdf(v);
                double pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2.0 * Math.PI);
                yield (float) (cdf + v * pdf);
            }
            case STEP -> v > 0f ? 1f : 0f;
        };
    }

    static float sigmoid(float v) {
        // Two branches keep exp's argument non-positive: no overflow for large |v|.
        if (v >= 0) return (float) (1.0 / (1.0 + Math.exp(-v)));
        double e = Math.exp(v);
        return (float) (e / (1.0 + e));
    }

    /**
     * The Gaussian CDF {@code Phi(x) = erfc(-x / sqrt 2) / 2}: through erfc, so that the far
     * negative tail keeps its relative precision (1 + erf(x / sqrt 2) would cancel to 0).
     */
    static double normalCdf(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2.0));
    }

    /** erfc(x) = 1 - erf(x) to about 1e-11 relative (Abramowitz-Stegun 7.1.26 is too coarse for gradient checks). */
    static double erfc(double x) {
        // Series of erf for small |x|, continued fraction of erfc for large |x|; erfc(-x) = 2 - erfc(x).
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 1.0 - 2.0 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated from the back
            double f = 0;
            for (int n = 60; n >= 1; n--) f = (n / 2.0) / (ax + f);
            r = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? 2.0 - r : r;
    }

    @Override
    public void binary(BinaryOp op, int[] shape, Storage a, int aOffset, int[] aStrides,
                       Storage b, int bOffset, int[] bStrides, Storage out, int outOffset) {
        CpuStorage sa = open(a), sb = open(b), so = open(out);
        int n = numel(shape);
        if (n == 0) return;
        int rank = shape.length;
        boolean floats = sa.floats != null && sb.floats != null && so.floats != null;
        if (floats && isDense(shape, aStrides) && isDense(shape, bStrides)) {
            Parallel.forRange(n, GRAIN, (lo, hi) -> denseBinary(op, sa.floats, aOffset + lo, sb.floats, bOffset + lo,
                    so.floats, outOffset + lo, hi - lo));
            return;
        }
        int inner = rank == 0 ? 1 : shape[rank - 1];
        int ais = rank == 0 ? 0 : aStrides[rank - 1], bis = rank == 0 ? 0 : bStrides[rank - 1];
        int rows = n / inner;
        Parallel.forRange(rows, Math.max(1, GRAIN / inner), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int ao = aOffset + (rank == 0 ? 0 : rowOffset(r, shape, aStrides));
                int bo = bOffset + (rank == 0 ? 0 : rowOffset(r, shape, bStrides));
                int oo = outOffset + r * inner;
                if (floats && ais == 1 && bis == 1) {
                    denseBinary(op, sa.floats, ao, sb.floats, bo, so.floats, oo, inner);
                } else if (floats && ais == 1 && bis == 0) {
                    rowScalarBinary(op, sa.floats, ao, sb.floats[bo], false, so.floats, oo, inner);
                } else if (floats && ais == 0 && bis == 1) {
                    rowScalarBinary(op, sb.floats, bo, sa.floats[ao], true, so.floats, oo, inner);
                } else if (so.floats != null) {
                    for (int k = 0; k < inner; k++)
                        so.floats[oo + k] = scalarBinary(op, read(sa, ao + k * ais), read(sb, bo + k * bis));
                } else {
                    for (int k = 0; k < inner; k++)
                        so.ints[oo + k] = (int) scalarBinary(op, read(sa, ao + k * ais), read(sb, bo + k * bis));
                }
            }
        });
    }

    private static boolean isDense(int[] shape, int[] strides) {
        int expect = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expect) return false;
            expect *= shape[d];
        }
        return true;
    }

    private static void denseBinary(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        int k = 0;
        if (hasVectorForm(op)) {
            for (int bound = S.loopBound(n); k < bound; k += S.length()) {
                vectorBinary(op, FloatVector.fromArray(S, a, ao + k), FloatVector.fromArray(S, b, bo + k)).intoArray(y, yo + k);
            }
        }
        for (; k < n; k++) y[yo + k] = scalarBinary(op, a[ao + k], b[bo + k]);
    }

    /**
     * A row against one broadcast value: {@code y = op(a, s)}, or {@code op(s, a)} when
     * {@code scalarFirst} (a row-broadcast operand, such as a (B, T, 1) mask times (B, T, D)).
     */
    private static void rowScalarBinary(BinaryOp op, float[] a, int ao, float s, boolean scalarFirst, float[] y, int yo, int n) {
        int k = 0;
        if (hasVectorForm(op)) {
            FloatVector vs = FloatVector.broadcast(S, s);
            for (int bound = S.loopBound(n); k < bound; k += S.length()) {
                FloatVector va = FloatVector.fromArray(S, a, ao + k);
                (scalarFirst ? vectorBinary(op, vs, va) : vectorBinary(op, va, vs)).intoArray(y, yo + k);
            }
        }
        for (; k < n; k++) y[yo + k] = scalarFirst ? scalarBinary(op, s, a[ao + k]) : scalarBinary(op, a[ao + k], s);
    }

    private static boolean hasVectorForm(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, MAX, MIN -> true;
            default -> false;
        };
    }

    /** The vector form of the ops {@link #hasVectorForm} accepts; MAX and MIN propagate NaN like the scalar ones. */
    private static FloatVector vectorBinary(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            default -> throw new IllegalStateException("no vector form of " + op);
        };
    }

    /** The scalar definition of every binary op; comparisons return 1 or 0. */
    static float scalarBinary(BinaryOp op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> (float) Math.pow(x, y);
            // NaN propagates as in torch.maximum / torch.minimum.
            case MAX -> Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.max(x, y);
            case MIN -> Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.min(x, y);
            case EQ -> x == y ? 1f : 0f;
            case NE -> x != y ? 1f : 0f;
            case LT -> x < y ? 1f : 0f;
            case LE -> x <= y ? 1f : 0f;
            case GT -> x > y ? 1f : 0f;
            case GE -> x >= y ? 1f : 0f;
        };
    }

    @Override
    public void where(int[] shape, Storage cond, int cOffset, int[] cStrides, Storage a, int aOffset, int[] aStrides,
                      Storage b, int bOffset, int[] bStrides, Storage out, int outOffset) {
        CpuStorage sc = open(cond), sa = open(a), sb = open(b);
        float[] y = f(out);
        int n = numel(shape);
        if (n == 0) return;
        int rank = shape.length;
        int inner = rank == 0 ? 1 : shape[rank - 1];
        int cis = rank == 0 ? 0 : cStrides[rank - 1], ais = rank == 0 ? 0 : aStrides[rank - 1],
                bis = rank == 0 ? 0 : bStrides[rank - 1];
        Parallel.forRange(n / inner, Math.max(1, GRAIN / inner), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int co = cOffset + (rank == 0 ? 0 : rowOffset(r, shape, cStrides));
                int ao = aOffset + (rank == 0 ? 0 : rowOffset(r, shape, aStrides));
                int bo = bOffset + (rank == 0 ? 0 : rowOffset(r, shape, bStrides));
                int oo = outOffset + r * inner;
                for (int k = 0; k < inner; k++)
                    y[oo + k] = read(sc, co + k * cis) != 0 ? read(sa, ao + k * ais) : read(sb, bo + k * bis);
            }
        });
    }

    // ---- reductions -----------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Storage x, int xOffset, int outer, int n, int inner, Storage out, int outOffset) {
        float[] xs = f(x);
        CpuStorage so = open(out);
        Parallel.forRange(outer * inner, Math.max(1, GRAIN / Math.max(1, n)), (lo, hi) -> {
            if (inner == 1 && op == ReduceOp.SUM) {
                for (int o = lo; o < hi; o++) so.floats[outOffset + o] = VectorRows.sum(xs, xOffset + o * n, n);
                return;
            }
            if (op == ReduceOp.SUM) {
                sumMiddleAxis(xs, xOffset, n, inner, so.floats, outOffset, lo, hi);
                return;
            }
            for (int p = lo; p < hi; p++) {
                int o = p / inner, in = p % inner;
                int base = xOffset + o * n * inner + in;
                switch (op) {
                    case SUM -> {
                        float acc = 0;
                        for (int j = 0; j < n; j++) acc += xs[base + j * inner];
                        so.floats[outOffset + p] = acc;
                    }
                    case MAX, MIN -> {
                        float best = xs[base];
                        for (int j = 1; j < n; j++) {
                            float v = xs[base + j * inner];
                            if (Float.isNaN(best)) break;
                            if (Float.isNaN(v) || (op == ReduceOp.MAX ? v > best : v < best)) best = v;
                        }
                        so.floats[outOffset + p] = best;
                    }
                    case ARGMAX, ARGMIN -> {
                        // The first index of the extreme value; a NaN wins, as in torch.
                        float best = xs[base];
                        int arg = 0;
                        for (int j = 1; j < n && !Float.isNaN(best); j++) {
                            float v = xs[base + j * inner];
                            if (Float.isNaN(v) || (op == ReduceOp.ARGMAX ? v > best : v < best)) {
                                best = v;
                                arg = j;
                            }
                        }
                        so.ints[outOffset + p] = arg;
                    }
                }
            }
        });
    }

    /**
     * Sums over the middle axis for outputs {@code [lo, hi)} of the (outer, inner) grid, walking
     * each input row contiguously (a strided walk per output would miss the cache). Each output
     * still adds its n terms in index order.
     */
    private static void sumMiddleAxis(float[] x, int xOffset, int n, int inner, float[] out, int outOffset, int lo, int hi) {
        int p = lo;
        while (p < hi) {
            int o = p / inner, i0 = p % inner, i1 = Math.min(inner, i0 + (hi - p));
            int width = i1 - i0, dst = outOffset + p;
            java.util.Arrays.fill(out, dst, dst + width, 0f);
            for (int j = 0; j < n; j++) {
                int src = xOffset + (o * n + j) * inner + i0;
                int k = 0;
                for (int bound = S.loopBound(width); k < bound; k += S.length()) {
                    FloatVector.fromArray(S, out, dst + k).add(FloatVector.fromArray(S, x, src + k)).intoArray(out, dst + k);
                }
                for (; k < width; k++) out[dst + k] += x[src + k];
            }
            p += width;
        }
    }

    // ---- linear algebra -------------------------------------------------------------------------

    @Override
    public void gemm(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha,
                     Storage a, int aOffset, int lda, long strideA,
                     Storage b, int bOffset, int ldb, long strideB, float beta,
                     Storage c, int cOffset, int ldc, long strideC) {
        CpuGemm.sgemm(transA, transB, batch, m, n, k, alpha, f(a), aOffset, lda, strideA,
                f(b), bOffset, ldb, strideB, beta, f(c), cOffset, ldc, strideC);
    }

    // ---- fused row kernels ----------------------------------------------------------------------

    @Override
    public void softmax(boolean log, Storage x, int xOffset, int outer, int n, int inner, Storage out, int outOffset) {
        CpuNorms.softmax(log, f(x), xOffset, outer, n, inner, f(out), outOffset);
    }

    @Override
    public void softmaxBackward(boolean log, Storage y, Storage gy, int outer, int n, int inner, Storage gx) {
        CpuNorms.softmaxBackward(log, f(y), f(gy), outer, n, inner, f(gx));
    }

    @Override
    public void layerNorm(Storage x, Storage gamma, Storage beta, int rows, int cols, float eps,
                          Storage out, Storage mean, Storage rstd) {
        CpuNorms.layerNorm(f(x), gamma == null ? null : f(gamma), beta == null ? null : f(beta), rows, cols, eps,
                f(out), f(mean), f(rstd));
    }

    @Override
    public void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy, int rows, int cols,
                                  Storage gx, Storage gGamma, Storage gBeta) {
        CpuNorms.layerNormBackward(f(x), gamma == null ? null : f(gamma), f(mean), f(rstd), f(gy), rows, cols, f(gx),
                gGamma == null ? null : f(gGamma), gBeta == null ? null : f(gBeta));
    }

    @Override
    public void channelMoments(Storage x, int outer, int channels, int inner, Storage mean, Storage var) {
        CpuNorms.channelMoments(f(x), outer, channels, inner, f(mean), f(var));
    }

    @Override
    public void channelNormalize(Storage x, int outer, int channels, int inner, Storage mean, Storage invStd,
                                 Storage gamma, Storage beta, Storage out) {
        CpuNorms.channelNormalize(f(x), outer, channels, inner, f(mean), f(invStd), gamma == null ? null : f(gamma),
                beta == null ? null : f(beta), f(out));
    }

    @Override
    public void batchNormTraining(Storage x, int outer, int channels, int inner, float eps, Storage gamma, Storage beta,
                                  Storage mean, Storage var, Storage invStd, Storage out) {
        CpuNorms.batchNormTraining(f(x), outer, channels, inner, eps, gamma == null ? null : f(gamma), beta == null ? null : f(beta),
                f(mean), f(var), f(invStd), f(out));
    }

    @Override
    public void batchNormBackward(Storage x, Storage gy, int outer, int channels, int inner, Storage mean,
                                  Storage invStd, Storage gamma, Storage gx, Storage gGamma, Storage gBeta) {
        CpuNorms.batchNormBackward(f(x), f(gy), outer, channels, inner, f(mean), f(invStd), gamma == null ? null : f(gamma),
                f(gx), gGamma == null ? null : f(gGamma), gBeta == null ? null : f(gBeta));
    }

    // ---- attention ------------------------------------------------------------------------------

    @Override
    public void attention(Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch, Storage keyPadding,
                          int n, int h, int tq, int tk, int d, float scale, float dropoutP, long seed, long counter,
                          Storage out, Storage lse) {
        CpuAttention.forward(problem(q, k, v, qPos, pos, pBatch, keyPadding, n, h, tq, tk, d, scale, dropoutP, seed, counter),
                f(out), f(lse));
    }

    @Override
    public void attentionBackward(Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch, Storage keyPadding,
                                  int n, int h, int tq, int tk, int d, float scale, float dropoutP, long seed, long counter,
                                  Storage out, Storage lse, Storage gOut,
                                  Storage gq, Storage gk, Storage gv, Storage gqPos, Storage gPos) {
        CpuAttention.backward(problem(q, k, v, qPos, pos, pBatch, keyPadding, n, h, tq, tk, d, scale, dropoutP, seed, counter),
                f(out), f(lse), f(gOut), f(gq), f(gk), f(gv), gqPos == null ? null : f(gqPos), gPos == null ? null : f(gPos));
    }

    private static CpuAttention.Problem problem(Storage q, Storage k, Storage v, Storage qPos, Storage pos, int pBatch,
                                                Storage keyPadding, int n, int h, int tq, int tk, int d, float scale,
                                                float dropoutP, long seed, long counter) {
        return new CpuAttention.Problem(f(q), f(k), f(v), qPos == null ? null : f(qPos), pos == null ? null : f(pos), pBatch,
                keyPadding == null ? null : i(keyPadding), n, h, tq, tk, d, scale, dropoutP, seed, counter);
    }

    // ---- recurrent cells --------------------------------------------------------------------------

    @Override
    public void lstmCell(Storage gates, Storage c, int n, int h, Storage hNext, Storage cNext, Storage acts, Storage tanhC) {
        CpuLstm.forward(f(gates), c == null ? null : f(c), n, h, f(hNext), f(cNext), f(acts), f(tanhC));
    }

    @Override
    public void lstmCellBackward(Storage acts, Storage tanhC, Storage c, Storage gH, Storage gC, int n, int h,
                                 Storage gGates, Storage gCPrev) {
        CpuLstm.backward(f(acts), f(tanhC), c == null ? null : f(c), gH == null ? null : f(gH), gC == null ? null : f(gC), n, h,
                f(gGates), gCPrev == null ? null : f(gCPrev));
    }

    // ---- optimizers -------------------------------------------------------------------------------

    @Override
    public void adamStep(Storage param, Storage grad, Storage expAvg, Storage expAvgSq, Storage maxExpAvgSq, int n,
                         AdamScalars s) {
        CpuAdam.step(f(param), f(grad), f(expAvg), f(expAvgSq), maxExpAvgSq == null ? null : f(maxExpAvgSq), n, s);
    }

    // ---- convolution helpers --------------------------------------------------------------------

    @Override
    public void im2col(Storage x, int xOffset, int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                       int padH, int padW, int dilH, int dilW, int oh, int ow, Storage cols) {
        float[] xs = f(x), cs = f(cols);
        int rowsPerImage = c * kh * kw, plane = oh * ow;
        Parallel.forRange(n * rowsPerImage, Math.max(1, GRAIN / Math.max(1, plane)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int img = r / rowsPerImage, q = r % rowsPerImage;
                int ch = q / (kh * kw), ki = (q / kw) % kh, kj = q % kw;
                int src = xOffset + (img * c + ch) * h * w;
                int dst = r * plane;
                for (int oy = 0; oy < oh; oy++) {
                    int iy = oy * strideH - padH + ki * dilH;
                    for (int ox = 0; ox < ow; ox++) {
                        int ix = ox * strideW - padW + kj * dilW;
                        cs[dst + oy * ow + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w ? xs[src + iy * w + ix] : 0f;
                    }
                }
            }
        });
    }

    @Override
    public void col2im(Storage cols, int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                       int padH, int padW, int dilH, int dilW, int oh, int ow, Storage x, int xOffset) {
        float[] xs = f(x), cs = f(cols);
        int plane = oh * ow;
        // One task per (image, channel): every input element is owned by one thread.
        Parallel.forRange(n * c, 1, (lo, hi) -> {
            for (int ic = lo; ic < hi; ic++) {
                int img = ic / c, ch = ic % c;
                int dst = xOffset + ic * h * w;
                for (int ki = 0; ki < kh; ki++) {
                    for (int kj = 0; kj < kw; kj++) {
                        int src = ((img * c + ch) * kh * kw + ki * kw + kj) * plane;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * strideH - padH + ki * dilH;
                            if (iy < 0 || iy >= h) continue;
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * strideW - padW + kj * dilW;
                                if (ix >= 0 && ix < w) xs[dst + iy * w + ix] += cs[src + oy * ow + ox];
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    public void depthwiseConv1d(Storage x, Storage w, Storage bias, int n, int c, int l, int k, int stride, int pad, int dil,
                                int lout, Storage y) {
        CpuDepthwiseConv.forward(f(x), f(w), bias == null ? null : f(bias), n, c, l, k, stride, pad, dil, lout, f(y));
    }

    @Override
    public void depthwiseConv1dBackward(Storage x, Storage w, Storage gy, int n, int c, int l, int k, int stride, int pad,
                                        int dil, int lout, Storage gx, Storage gw) {
        CpuDepthwiseConv.backward(f(x), f(w), f(gy), n, c, l, k, stride, pad, dil, lout, gx == null ? null : f(gx),
                gw == null ? null : f(gw));
    }

    // ---- indexing -------------------------------------------------------------------------------

    @Override
    public void indexSelect(Storage src, int outer, int n, int inner, Storage index, int m, Storage out) {
        CpuStorage s = open(src), o = open(out);
        int[] idx = i(index);
        Parallel.forRange(outer * m, Math.max(1, GRAIN / Math.max(1, inner)), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int ob = p / m, j = p % m;
                int from = (ob * n + idx[j]) * inner, to = p * inner;
                if (s.floats != null) System.arraycopy(s.floats, from, o.floats, to, inner);
                else System.arraycopy(s.ints, from, o.ints, to, inner);
            }
        });
    }

    @Override
    public void indexAdd(Storage src, int outer, int m, int inner, Storage index, Storage dst, int n) {
        float[] s = f(src), d = f(dst);
        int[] idx = i(index);
        // Parallel over (outer, inner) so that rows hit by repeated indices are summed by one thread in order.
        Parallel.forRange(outer, 1, (lo, hi) -> {
            for (int ob = lo; ob < hi; ob++) {
                for (int j = 0; j < m; j++) {
                    int from = (ob * m + j) * inner, to = (ob * n + idx[j]) * inner;
                    for (int k = 0; k < inner; k++) d[to + k] += s[from + k];
                }
            }
        });
    }

    @Override
    public void gather(Storage src, int outer, int n, int inner, Storage index, int m, Storage out) {
        float[] s = f(src), o = f(out);
        int[] idx = i(index);
        Parallel.forRange(outer * m * inner, GRAIN, (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int ob = p / (m * inner), k = p % inner;
                o[p] = s[(ob * n + idx[p]) * inner + k];
            }
        });
    }

    @Override
    public void scatterAdd(Storage src, int outer, int m, int inner, Storage index, Storage dst, int n) {
        float[] s = f(src), d = f(dst);
        int[] idx = i(index);
        Parallel.forRange(outer, 1, (lo, hi) -> {
            for (int ob = lo; ob < hi; ob++) {
                for (int j = 0; j < m; j++) {
                    for (int k = 0; k < inner; k++) {
                        int p = (ob * m + j) * inner + k;
                        d[(ob * n + idx[p]) * inner + k] += s[p];
                    }
                }
            }
        });
    }

    // ---- random numbers -------------------------------------------------------------------------

    @Override
    public void random(Distribution dist, float a, float b, long seed, long counter, Storage out, int offset, int size) {
        float[] y = f(out);
        Parallel.forRange(size, GRAIN, (lo, hi) -> {
            int k = dist == Distribution.NORMAL ? lo : uniformVectors(dist == Distribution.BERNOULLI, a, b, seed, counter, y, offset, lo, hi);
            for (; k < hi; k++) {
                long pos = counter + k;
                y[offset + k] = switch (dist) {
                    case UNIFORM -> a + (b - a) * CounterRng.uniform(seed, pos);
                    case NORMAL -> a + b * CounterRng.normal(seed, pos);
                    case BERNOULLI -> CounterRng.uniform(seed, pos) < a ? 1f : 0f;
                };
            }
        });
    }

    /**
     * The vector form of UNIFORM ({@code a + (b - a) u}) or BERNOULLI ({@code u < a ? 1 : 0}) over
     * [lo, hi), as many whole groups of {@link VectorRng#LANES} as fit; returns where the scalar
     * tail starts. The same operations on the same u: the scalar values, bit for bit.
     */
    private static int uniformVectors(boolean bernoulli, float a, float b, long seed, long counter, float[] y, int offset,
                                      int lo, int hi) {
        long mixed = CounterRng.mix(seed);
        FloatVector one = FloatVector.broadcast(VectorRng.FS, 1f), zero = FloatVector.zero(VectorRng.FS);
        int k = lo;
        for (; k + VectorRng.LANES <= hi; k += VectorRng.LANES) {
            FloatVector u = VectorRng.uniform(mixed, counter + k);
            FloatVector v = bernoulli ? one.blend(zero, u.compare(VectorOperators.GE, a)) : u.mul(b - a).add(a);
            v.intoArray(y, offset + k);
        }
        return k;
    }
}
