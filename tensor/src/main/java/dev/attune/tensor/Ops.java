package dev.attune.tensor;

import dev.attune.kernels.Backend;
import dev.attune.kernels.BinaryOp;
import dev.attune.kernels.DType;
import dev.attune.kernels.ReduceOp;
import dev.attune.kernels.UnaryOp;
import java.util.Arrays;

/**
 * The forward computation and backward rule of the core tensor ops. Each public op checks
 * its arguments, runs a backend kernel, and records a backward rule written in tensor ops.
 */
final class Ops {
    private Ops() {}

    static Tensor floatOperand(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? t : t.to(DType.FLOAT32);
    }

    // ---- elementwise ------------------------------------------------------------------------------

    static Tensor binary(BinaryOp op, Tensor a0, Tensor b0) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        Shapes.checkDevice(name, a0, b0);
        Tensor a = floatOperand(a0), b = floatOperand(b0);
        Tensor out = rawBinary(op, a, b, DType.FLOAT32);
        int[] as = a.shape(), bs = b.shape();
        return Tensor.record(name, out, g -> switch (op) {
            case ADD -> new Tensor[] {sumToShape(g, as), sumToShape(g, bs)};
            case SUB -> new Tensor[] {sumToShape(g, as), sumToShape(g.neg(), bs)};
            case MUL -> new Tensor[] {sumToShape(g.mul(b), as), sumToShape(g.mul(a), bs)};
            case DIV -> new Tensor[] {sumToShape(g.div(b), as), sumToShape(g.neg().mul(out).div(b), bs)};
            case POW -> {
                // d/da a^b = b a^(b-1); d/db a^b = a^b ln a, taken as 0 where a == 0 (as torch does).
                Tensor ga = g.mul(b).mul(a.pow(b.sub(1f)));
                Tensor logA = where(a.eq(0f), Tensor.zerosLike(a), a.log());
                yield new Tensor[] {sumToShape(ga, as), sumToShape(g.mul(out).mul(logA), bs)};
            }
            case MAX, MIN -> {
                // The gradient goes to the larger (smaller) operand and is split evenly on ties.
                Tensor win = rawBinary(op == BinaryOp.MAX ? BinaryOp.GT : BinaryOp.LT, a, b, DType.FLOAT32);
                Tensor tie = rawBinary(BinaryOp.EQ, a, b, DType.FLOAT32).mul(0.5f);
                Tensor wa = win.add(tie);
                yield new Tensor[] {sumToShape(g.mul(wa), as), sumToShape(g.mul(wa.neg().add(1f)), bs)};
            }
            default -> throw new IllegalStateException("no gradient for " + op);
        }, a, b);
    }

    /** The kernel call of a broadcast binary op, without autograd. */
    static Tensor rawBinary(BinaryOp op, Tensor a, Tensor b, DType outType) {
        int[] shape = Shapes.broadcast(op.name().toLowerCase(java.util.Locale.ROOT), a.shape(), b.shape());
        Tensor ea = a.detach().expand(shape), eb = b.detach().expand(shape);
        Tensor out = Tensor.uninitialized(outType, a.device(), shape);
        a.backend().binary(op, shape, ea.storage, ea.offset, ea.strides(), eb.storage, eb.offset, eb.strides(), out.storage, 0);
        return out;
    }

    static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        Shapes.checkDevice(op.name().toLowerCase(java.util.Locale.ROOT), a, b);
        return rawBinary(op, a, b, DType.BOOL);
    }

    /** Runs a unary kernel on a dense float copy of x, without autograd. */
    static Tensor rawUnary(UnaryOp op, float p, float q, Tensor x) {
        Tensor c = floatOperand(x).detach();
        if (!c.isContiguous()) c = c.contiguous();
        Tensor out = Tensor.uninitialized(DType.FLOAT32, x.device(), x.shape());
        x.backend().unary(op, p, q, c.storage, c.offset, out.storage, 0, out.numel());
        return out;
    }

    static Tensor unary(UnaryOp op, Tensor x0) {
        Tensor x = floatOperand(x0);
        Tensor y = rawUnary(op, 0f, 0f, x);
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        return Tensor.record(name, y, g -> new Tensor[] {switch (op) {
            case NEG -> g.neg();
            case EXP -> g.mul(y);
            case LOG -> g.div(x);
            case SQRT -> g.div(y).mul(0.5f);
            case RSQRT -> g.mul(y.pow(3f)).mul(-0.5f);
            case ABS -> g.mul(rawUnary(UnaryOp.SIGN, 0f, 0f, x));
            case TANH -> g.mul(y.mul(y).neg().add(1f));
            case SIGMOID -> g.mul(y.mul(y.neg().add(1f)));
            case RELU -> g.mul(rawUnary(UnaryOp.STEP, 0f, 0f, x));
            case SILU -> g.mul(rawUnary(UnaryOp.SILU_GRAD, 0f, 0f, x));
            case GELU -> g.mul(rawUnary(UnaryOp.GELU_GRAD, 0f, 0f, x));
            default -> throw new IllegalStateException("no gradient rule for " + op);
        }}, x);
    }

    /** {@code a * x + b}: scalar add, subtract, multiply and divide. */
    static Tensor affine(Tensor x0, float a, float b) {
        Tensor x = floatOperand(x0);
        Tensor y = rawUnary(UnaryOp.AFFINE, a, b, x);
        return Tensor.record("affine", y, g -> new Tensor[] {g.mul(a)}, x);
    }

    static Tensor powScalar(Tensor x0, float p) {
        Tensor x = floatOperand(x0);
        Tensor y = rawUnary(UnaryOp.POW_SCALAR, p, 0f, x);
        return Tensor.record("pow", y, g -> new Tensor[] {p == 0f ? Tensor.zerosLike(x) : g.mul(x.pow(p - 1f)).mul(p)}, x);
    }

    static Tensor clamp(Tensor x0, float min, float max) {
        if (min > max) throw new IllegalArgumentException("clamp: min must be <= max, got min " + min + ", max " + max);
        Tensor x = floatOperand(x0);
        Tensor y = rawUnary(UnaryOp.CLAMP, min, max, x);
        return Tensor.record("clamp", y, g -> new Tensor[] {g.mul(rawUnary(UnaryOp.INSIDE, min, max, x))}, x);
    }

    static Tensor where(Tensor cond, Tensor a0, Tensor b0) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where: condition must be bool, got " + cond.dtype().displayName());
        }
        Shapes.checkDevice("where", cond, a0);
        Shapes.checkDevice("where", a0, b0);
        Tensor a = floatOperand(a0), b = floatOperand(b0);
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), b.shape());
        Tensor ec = cond.detach().expand(shape), ea = a.detach().expand(shape), eb = b.detach().expand(shape);
        Tensor out = Tensor.empty(DType.FLOAT32, a.device(), shape);
        a.backend().where(shape, ec.storage, ec.offset, ec.strides(), ea.storage, ea.offset, ea.strides(),
                eb.storage, eb.offset, eb.strides(), out.storage, 0);
        int[] as = a.shape(), bs = b.shape();
        return Tensor.record("where", out, g -> {
            Tensor zero = Tensor.zerosLike(g);
            return new Tensor[] {sumToShape(where(cond, g, zero), as), sumToShape(where(cond, zero, g), bs)};
        }, a, b);
    }

    // ---- reductions -------------------------------------------------------------------------------

    /** Sums a broadcast gradient back to {@code shape}: over leading dims and over dims that were 1. */
    static Tensor sumToShape(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape(), shape)) return g;
        int lead = g.dim() - shape.length;
        Tensor t = g;
        for (int d = 0; d < lead; d++) t = t.sum(0, false);
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 && t.size(d) != 1) t = t.sum(d, true);
        }
        return t;
    }

    static Tensor sumAll(Tensor x0) {
        Tensor x = floatOperand(x0);
        Tensor c = x.detach().contiguous();
        Tensor out = Tensor.empty(DType.FLOAT32, x.device());
        x.backend().reduce(ReduceOp.SUM, c.storage, c.offset, 1, c.numel(), 1, out.storage, 0);
        int[] shape = x.shape();
        return Tensor.record("sum", out, g -> new Tensor[] {g.expand(shape)}, x);
    }

    /** One raw reduction along a single dim, keeping it as size 1. */
    private static Tensor reduceDim(ReduceOp op, Tensor x, int d) {
        Tensor c = x.detach().contiguous();
        int[] shape = c.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        int[] outShape = shape.clone();
        outShape[d] = 1;
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        Tensor out = Tensor.empty(arg ? DType.INT32 : DType.FLOAT32, x.device(), outShape);
        x.backend().reduce(op, c.storage, c.offset, outer, shape[d], inner, out.storage, 0);
        return out;
    }

    private static int[] normalizeDims(String op, int[] dims, int rank) {
        int[] ds = new int[dims.length];
        for (int k = 0; k < dims.length; k++) ds[k] = Shapes.dim(op, dims[k], rank);
        int[] sorted = ds.clone();
        Arrays.sort(sorted);
        for (int k = 1; k < sorted.length; k++) {
            if (sorted[k] == sorted[k - 1]) throw new IllegalArgumentException(op + ": dim " + sorted[k] + " repeats in " + Arrays.toString(dims));
        }
        return sorted;
    }

    private static int[] dropDims(int[] shape, int[] sortedDims) {
        int[] out = new int[shape.length - sortedDims.length];
        for (int d = 0, j = 0; d < shape.length; d++) if (Arrays.binarySearch(sortedDims, d) < 0) out[j++] = shape[d];
        return out;
    }

    static Tensor sum(Tensor x0, int[] dims, boolean keepDim) {
        Tensor x = floatOperand(x0);
        if (x.dim() == 0) return x;
        int[] ds = normalizeDims("sum", dims, x.dim());
        if (x.numel() == 0) {
            int[] outShape = x.shape();
            for (int d : ds) outShape[d] = 1;
            Tensor z = Tensor.zeros(DType.FLOAT32, x.device(), keepDim ? outShape : dropDims(x.shape(), ds));
            return z;
        }
        Tensor out = x.detach();
        for (int k = ds.length - 1; k >= 0; k--) out = reduceDim(ReduceOp.SUM, out, ds[k]);
        int[] keptShape = out.shape();
        if (!keepDim) out = out.reshape(dropDims(x.shape(), ds));
        int[] shape = x.shape();
        return Tensor.record("sum", out, g -> new Tensor[] {g.reshape(keptShape).expand(shape)}, x);
    }

    static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        int count = 1;
        for (int d : normalizeDims("mean", dims, x.dim())) count *= x.size(d);
        return sum(x, dims, keepDim).div(Math.max(1, count));
    }

    static Tensor var(Tensor x, int[] dims, boolean unbiased, boolean keepDim) {
        int count = 1;
        for (int d : normalizeDims("var", dims, x.dim())) count *= x.size(d);
        Tensor centered = x.sub(mean(x, dims, true));
        int denom = unbiased ? count - 1 : count;
        // With a single element the unbiased variance is 0/0 = NaN, as in torch.
        return sum(centered.mul(centered), dims, keepDim).div(denom);
    }

    static Tensor extreme(Tensor x0, int dim, boolean keepDim, boolean max) {
        Tensor x = floatOperand(x0);
        String op = max ? "max" : "min";
        int d = Shapes.dim(op, dim, x.dim());
        if (x.dim() == 0) return x;
        if (x.size(d) == 0) throw new IllegalArgumentException(op + ": cannot reduce an empty dim " + d);
        Tensor values = reduceDim(max ? ReduceOp.MAX : ReduceOp.MIN, x, d);
        Tensor index = reduceDim(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, x, d);
        Tensor out = keepDim ? values : values.squeeze(d);
        int[] shape = x.shape();
        int[] keptShape = values.shape();
        return Tensor.record(op, out, g -> new Tensor[] {scatterAdd(Tensor.zeros(DType.FLOAT32, g.device(), shape), d,
                index, g.reshape(keptShape))}, x);
    }

    static Tensor argExtreme(Tensor x0, int dim, boolean keepDim, boolean max) {
        Tensor x = floatOperand(x0);
        if (x.dim() == 0) return Tensor.zeros(DType.INT32, x.device());
        int d = Shapes.dim(max ? "argmax" : "argmin", dim, x.dim());
        Tensor idx = reduceDim(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, x, d);
        return keepDim ? idx : idx.squeeze(d);
    }

    // ---- indexing -----------------------------------------------------------------------------------

    private static void checkIndex(String op, Tensor index, int bound) {
        if (index.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": index must be int32, got " + index.dtype().displayName());
        }
        for (int v : index.toIntArray()) {
            if (v < 0 || v >= bound) throw new IndexOutOfBoundsException(op + ": index " + v + " is out of range [0, " + bound + ")");
        }
    }

    /** {@code out = x.index_select(dim, index)}; index is 1-D int32. */
    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        int d = Shapes.dim("indexSelect", dim, x.dim());
        Shapes.checkRank("indexSelect", "index", index, 1);
        Shapes.checkDevice("indexSelect", x, index);
        checkIndex("indexSelect", index, x.size(d));
        Tensor c = dense(x.detach()), ic = dense(index);
        int[] shape = x.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        int[] outShape = shape.clone();
        outShape[d] = index.numel();
        Tensor out = Tensor.empty(x.dtype(), x.device(), outShape);
        x.backend().indexSelect(c.storage, outer, shape[d], inner, ic.storage, index.numel(), out.storage);
        final int fo = outer, fi = inner;
        return Tensor.record("indexSelect", out, g -> {
            Tensor gc = dense(g);
            Tensor gx = Tensor.zeros(DType.FLOAT32, g.device(), shape);
            g.backend().indexAdd(gc.storage, fo, index.numel(), fi, ic.storage, gx.storage, shape[d]);
            return new Tensor[] {gx};
        }, x);
    }

    /** torch.gather along {@code dim}; index has x's shape except along dim. */
    static Tensor gather(Tensor x0, int dim, Tensor index) {
        Tensor x = floatOperand(x0);
        int d = Shapes.dim("gather", dim, x.dim());
        checkGatherShapes("gather", x.shape(), index, d);
        Shapes.checkDevice("gather", x, index);
        checkIndex("gather", index, x.size(d));
        Tensor c = dense(x.detach()), ic = dense(index);
        int[] shape = x.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        Tensor out = Tensor.empty(DType.FLOAT32, x.device(), index.shape());
        x.backend().gather(c.storage, outer, shape[d], inner, ic.storage, index.size(d), out.storage);
        return Tensor.record("gather", out, g -> new Tensor[] {
                scatterAdd(Tensor.zeros(DType.FLOAT32, g.device(), shape), d, ic, g)}, x);
    }

    /** {@code base} plus {@code src} added at {@code index} along dim (torch.scatter_add, out of place). */
    static Tensor scatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
        int d = Shapes.dim("scatterAdd", dim, base.dim());
        checkGatherShapes("scatterAdd", base.shape(), index, d);
        Shapes.checkSame("scatterAdd", "src shape", index.shape(), src.shape());
        Shapes.checkDevices("scatterAdd", base, index, src);
        checkIndex("scatterAdd", index, base.size(d));
        Tensor out = dense(floatOperand(base).detach()).copy();
        Tensor sc = dense(floatOperand(src).detach()), ic = dense(index);
        int[] shape = base.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        base.backend().scatterAdd(sc.storage, outer, index.size(d), inner, ic.storage, out.storage, shape[d]);
        return Tensor.record("scatterAdd", out, g -> new Tensor[] {g, gather(g, d, ic)}, base, src);
    }

    private static void checkGatherShapes(String op, int[] shape, Tensor index, int d) {
        if (index.dim() != shape.length) {
            throw new IllegalArgumentException(op + ": index must have rank " + shape.length + ", got shape " + Shapes.str(index.shape()));
        }
        for (int i = 0; i < shape.length; i++) {
            if (i != d && index.size(i) != shape[i]) {
                throw new IllegalArgumentException(op + ": index shape " + Shapes.str(index.shape()) + " must match input shape "
                        + Shapes.str(shape) + " in every dim but " + d);
            }
        }
    }

    /** A dense tensor starting at offset 0 of its storage (what the indexing kernels expect). */
    static Tensor dense(Tensor t) {
        return t.isContiguous() && t.offset == 0 ? t : t.detach().copy();
    }

    // ---- shape ops ----------------------------------------------------------------------------------

    /** Zero padding of {@code before}/{@code after} elements along dim d. */
    static Tensor padDim(Tensor g, int d, int before, int after) {
        if (before == 0 && after == 0) return g;
        int[] shape = g.shape();
        shape[d] += before + after;
        Tensor out = Tensor.zeros(DType.FLOAT32, g.device(), shape);
        writeInto(out.narrow(d, before, g.size(d)), g);
        return Tensor.record("pad", out, gg -> new Tensor[] {gg.narrow(d, before, g.size(d))}, g);
    }

    /** Copies src's data into the (possibly strided) view dst of a fresh tensor; no autograd. */
    static void writeInto(Tensor dst, Tensor src) {
        Tensor s = src.detach();
        dst.backend().copyStrided(s.storage, s.offset, s.strides(), dst.storage, dst.offset, dst.strides(), dst.shape());
    }

    static Tensor cat(Tensor[] parts, int dim) {
        if (parts.length == 0) throw new IllegalArgumentException("cat: needs at least one tensor");
        Tensor first = parts[0];
        int d = Shapes.dim("cat", dim, first.dim());
        int[] shape = first.shape();
        int total = 0;
        DType dtype = first.dtype();
        for (int p = 0; p < parts.length; p++) {
            Tensor t = parts[p];
            Shapes.checkDevice("cat", first, t);
            if (t.dim() != first.dim()) {
                throw new IllegalArgumentException("cat: tensor " + p + " has shape " + Shapes.str(t.shape()) + ", expected rank " + first.dim());
            }
            for (int i = 0; i < shape.length; i++) {
                if (i != d && t.size(i) != shape[i]) {
                    throw new IllegalArgumentException("cat: tensor " + p + " has shape " + Shapes.str(t.shape())
                            + ", expected " + Shapes.str(shape) + " in every dim but " + d);
                }
            }
            if (t.dtype() != dtype) dtype = DType.FLOAT32;
            total += t.size(d);
        }
        shape[d] = total;
        Tensor out = Tensor.empty(dtype, first.device(), shape);
        int[] starts = new int[parts.length];
        int at = 0;
        for (int p = 0; p < parts.length; p++) {
            starts[p] = at;
            writeInto(out.narrow(d, at, parts[p].size(d)), parts[p]);
            at += parts[p].size(d);
        }
        return Tensor.record("cat", out, g -> {
            Tensor[] gs = new Tensor[parts.length];
            for (int p = 0; p < parts.length; p++) gs[p] = g.narrow(d, starts[p], parts[p].size(d));
            return gs;
        }, parts);
    }

    static Tensor stack(Tensor[] parts, int dim) {
        if (parts.length == 0) throw new IllegalArgumentException("stack: needs at least one tensor");
        int d = Shapes.dim("stack", dim, parts[0].dim() + 1);
        Tensor[] u = new Tensor[parts.length];
        for (int p = 0; p < parts.length; p++) {
            Shapes.checkSame("stack", "shape of tensor " + p, parts[0].shape(), parts[p].shape());
            u[p] = parts[p].unsqueeze(d);
        }
        return cat(u, d);
    }

    /**
     * Constant padding as torch.nn.functional.pad: {@code pads} holds (before, after) pairs
     * starting from the last dim. Pads must be non-negative.
     */
    static Tensor pad(Tensor x, int[] pads, float value) {
        if (pads.length % 2 != 0 || pads.length / 2 > x.dim()) {
            throw new IllegalArgumentException("pad: padding must hold (before, after) pairs for at most " + x.dim()
                    + " dims, got " + Arrays.toString(pads));
        }
        int[] shape = x.shape();
        int[] starts = new int[shape.length];
        for (int k = 0; k < pads.length / 2; k++) {
            int d = shape.length - 1 - k;
            if (pads[2 * k] < 0 || pads[2 * k + 1] < 0) throw new IllegalArgumentException("pad: negative padding " + Arrays.toString(pads));
            starts[d] = pads[2 * k];
            shape[d] += pads[2 * k] + pads[2 * k + 1];
        }
        Tensor out = Tensor.full(value, x.device(), shape);
        Tensor region = out;
        for (int d = 0; d < shape.length; d++) region = region.narrow(d, starts[d], x.size(d));
        writeInto(region, floatOperand(x));
        int[] xs = x.shape();
        return Tensor.record("pad", out, g -> {
            Tensor r = g;
            for (int d = 0; d < xs.length; d++) r = r.narrow(d, starts[d], xs[d]);
            return new Tensor[] {r};
        }, x);
    }

    // ---- matmul -------------------------------------------------------------------------------------

    static Tensor matmul(Tensor a, Tensor b) {
        Shapes.checkFloat("matmul", "first operand", a);
        Shapes.checkFloat("matmul", "second operand", b);
        Shapes.checkDevice("matmul", a, b);
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul: operands must have at least one dim, got shapes "
                    + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
        if (a.dim() == 1 && b.dim() == 1) return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        int n = a.size(-2), k = a.size(-1), k2 = b.size(-2), m = b.size(-1);
        if (k != k2) {
            throw new IllegalArgumentException("matmul: inner sizes differ: " + Shapes.str(a.shape()) + " @ " + Shapes.str(b.shape())
                    + " (" + k + " vs " + k2 + ")");
        }
        if (b.dim() == 2 && a.dim() > 2 && a.numel() > 0) {
            // A matrix shared by every batch entry (a Linear weight): folding the batch into the rows
            // makes one large GEMM instead of many thin ones, and the backward then gives b's gradient
            // as one GEMM over all rows instead of per-batch products summed afterwards.
            int[] outShape = a.shape().clone();
            outShape[outShape.length - 1] = m;
            return matmul(a.reshape(-1, k), b).reshape(outShape);
        }
        int[] batch = Shapes.broadcast("matmul", Arrays.copyOf(a.shape(), a.dim() - 2), Arrays.copyOf(b.shape(), b.dim() - 2));
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = n;
        outShape[batch.length + 1] = m;
        // An empty inner dimension sums nothing: then the zero-filled output is the answer; else gemm
        // (beta 0) writes every element.
        Tensor out = k == 0 ? Tensor.empty(DType.FLOAT32, a.device(), outShape) : Tensor.uninitialized(DType.FLOAT32, a.device(), outShape);
        int batchCount = Shapes.numel(batch);
        if (out.numel() > 0 && k > 0) {
            MatrixOperand ma = MatrixOperand.of(a, batch), mb = MatrixOperand.of(b, batch);
            a.backend().gemm(ma.trans, mb.trans, batchCount, n, m, k, 1f,
                    ma.t.storage, ma.offset, ma.ld, ma.batchStride,
                    mb.t.storage, mb.offset, mb.ld, mb.batchStride, 0f,
                    out.storage, 0, m, (long) n * m);
        }
        int[] as = a.shape(), bs = b.shape();
        return Tensor.record("matmul", out, g -> new Tensor[] {
                a.requiresGrad() ? sumToShape(g.matmul(b.transpose(-1, -2)), as) : null,
                b.requiresGrad() ? sumToShape(a.transpose(-1, -2).matmul(g), bs) : null}, a, b);
    }

    /**
     * How one matmul operand, broadcast to the batch shape, is handed to GEMM: directly when its
     * matrices are row- or column-major and its batch dims collapse to one stride, else as a dense copy.
     */
    private record MatrixOperand(Tensor t, int offset, boolean trans, int ld, long batchStride) {
        static MatrixOperand of(Tensor x, int[] batch) {
            int rows = x.size(-2), cols = x.size(-1);
            int[] full = Arrays.copyOf(batch, batch.length + 2);
            full[batch.length] = rows;
            full[batch.length + 1] = cols;
            Tensor e = x.detach().expand(full);
            int[] st = e.strides();
            int rs = st[st.length - 2], cs = st[st.length - 1];
            Long bstride = batchStride(full, st, batch.length);
            if (bstride != null) {
                if (cs == 1 && (rows == 1 || rs >= cols)) return new MatrixOperand(e, e.offset, false, rows == 1 ? cols : rs, bstride);
                if (rs == 1 && (cols == 1 || cs >= rows)) return new MatrixOperand(e, e.offset, true, cols == 1 ? rows : cs, bstride);
            }
            Tensor c = e.copy();
            return new MatrixOperand(c, 0, false, cols, (long) rows * cols);
        }

        /** The single stride that walks the flattened batch dims, or null when they do not collapse. */
        private static Long batchStride(int[] shape, int[] strides, int batchDims) {
            long stride = -1;
            long expectNext = -1;
            for (int d = batchDims - 1; d >= 0; d--) {
                if (shape[d] == 1) continue;
                if (stride < 0) {
                    stride = strides[d];
                    expectNext = (long) strides[d] * shape[d];
                } else if (stride == 0) {
                    if (strides[d] != 0) return null;
                } else {
                    if (strides[d] != expectNext) return null;
                    expectNext = (long) strides[d] * shape[d];
                }
            }
            return stride < 0 ? 0L : stride;
        }
    }
}
