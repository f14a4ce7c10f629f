package dev.attune.tensor;

import dev.attune.kernels.Backend;
import dev.attune.kernels.BinaryOp;
import dev.attune.kernels.DType;
import dev.attune.kernels.Storage;
import dev.attune.kernels.UnaryOp;
import java.util.Arrays;

/**
 * An n-dimensional array with reverse-mode autograd: a view (shape, strides, offset) over a
 * {@link Storage} on a {@link Device}. Views (reshape of a contiguous tensor, permute,
 * transpose, narrow, select, expand, unsqueeze, squeeze) share storage; every op returns a
 * new tensor. Ops on tensors that require grad record the graph; {@link #backward()} walks it.
 *
 * <p>Type rules: arithmetic and math always produce float32 (integer operands are promoted);
 * comparisons produce bool; integer tensors carry indices and labels. Shapes broadcast as in
 * PyTorch.
 */
public final class Tensor {
    final Storage storage;
    final int offset;
    private final int[] shape;
    private final int[] strides;
    private final Device device;
    private boolean requiresGrad;
    private Tensor grad;
    Node gradFn;
    /** Which output of {@link #gradFn} this tensor is (0 but for ops with several outputs). */
    int outputIndex;

    Tensor(Storage storage, int offset, int[] shape, int[] strides, Device device) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        this.device = device;
    }

    /** A fresh dense tensor of the given dtype, zero-filled. */
    static Tensor empty(DType dtype, Device device, int... shape) {
        Shapes.checkShape("empty", shape);
        return onFreshStorage(device.backend().allocate(dtype, Shapes.numel(shape)), device, shape);
    }

    /**
     * A fresh dense tensor whose values are unspecified (a reused buffer keeps old values): only for the output
     * of a kernel that writes every element, which then costs no zero fill ({@code Backend.allocateForOverwrite}).
     */
    static Tensor uninitialized(DType dtype, Device device, int... shape) {
        Shapes.checkShape("uninitialized", shape);
        return onFreshStorage(device.backend().allocateForOverwrite(dtype, Shapes.numel(shape)), device, shape);
    }

    /** A dense tensor over a fresh storage, tracked by the current MemoryScope. */
    private static Tensor onFreshStorage(Storage fresh, Device device, int[] shape) {
        return new Tensor(MemoryScope.track(fresh), 0, shape.clone(), Shapes.contiguousStrides(shape), device);
    }

    // ---- creation ---------------------------------------------------------------------------------

    /** A float32 CPU tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(float[] data, int... shape) {
        Shapes.checkShape("of", shape);
        if (Shapes.numel(shape) != data.length) {
            throw new IllegalArgumentException("of: shape " + Shapes.str(shape) + " needs " + Shapes.numel(shape)
                    + " values, got " + data.length);
        }
        return new Tensor(MemoryScope.track(Device.CPU.backend().upload(data)), 0, shape.clone(), Shapes.contiguousStrides(shape), Device.CPU);
    }

    /** A 1-D float32 tensor. */
    public static Tensor of(float... data) {
        return of(data, data.length);
    }

    /** An int32 CPU tensor (indices, labels). */
    public static Tensor ofInts(int[] data, int... shape) {
        return ofIntegers(data, DType.INT32, shape);
    }

    /** A bool CPU tensor (masks). */
    public static Tensor ofBools(boolean[] data, int... shape) {
        int[] v = new int[data.length];
        for (int k = 0; k < v.length; k++) v[k] = data[k] ? 1 : 0;
        return ofIntegers(v, DType.BOOL, shape);
    }

    /** Integer-backed data of dtype INT32 or BOOL (BOOL values must be 0 or 1). */
    public static Tensor ofIntegers(int[] data, DType dtype, int... shape) {
        Shapes.checkShape("ofInts", shape);
        if (dtype == DType.FLOAT32) throw new IllegalArgumentException("ofIntegers: dtype must be int32 or bool, got float32");
        if (Shapes.numel(shape) != data.length) {
            throw new IllegalArgumentException("ofInts: shape " + Shapes.str(shape) + " needs " + Shapes.numel(shape)
                    + " values, got " + data.length);
        }
        if (dtype == DType.BOOL) {
            for (int v : data) if (v != 0 && v != 1) throw new IllegalArgumentException("ofBools: values must be 0 or 1, got " + v);
        }
        return new Tensor(MemoryScope.track(Device.CPU.backend().upload(data, dtype)), 0, shape.clone(), Shapes.contiguousStrides(shape), Device.CPU);
    }

    public static Tensor scalar(float value) {
        return of(new float[] {value}, new int[0]);
    }

    public static Tensor zeros(int... shape) {
        return empty(DType.FLOAT32, Device.CPU, shape);
    }

    public static Tensor zeros(DType dtype, Device device, int... shape) {
        return empty(dtype, device, shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        return full(value, Device.CPU, shape);
    }

    public static Tensor full(float value, Device device, int... shape) {
        Tensor t = empty(DType.FLOAT32, device, shape);
        device.backend().fill(t.storage, 0, t.numel(), value);
        return t;
    }

    public static Tensor zerosLike(Tensor t) {
        return empty(DType.FLOAT32, t.device, t.shape);
    }

    public static Tensor onesLike(Tensor t) {
        return full(1f, t.device, t.shape);
    }

    /** {@code [0, 1, ..., n-1]} as int32. */
    public static Tensor arange(int n) {
        int[] v = new int[n];
        for (int k = 0; k < n; k++) v[k] = k;
        return ofInts(v, n);
    }

    // ---- metadata -----------------------------------------------------------------------------------

    public int[] shape() {
        return shape.clone();
    }

    /** Size of dim {@code d} (negative counts from the end). */
    public int size(int d) {
        return shape[Shapes.dim("size", d, shape.length)];
    }

    public int[] strides() {
        return strides.clone();
    }

    public int offset() {
        return offset;
    }

    public int dim() {
        return shape.length;
    }

    public int numel() {
        return Shapes.numel(shape);
    }

    public DType dtype() {
        return storage.dtype();
    }

    public Device device() {
        return device;
    }

    Backend backend() {
        return device.backend();
    }

    public boolean isContiguous() {
        int expect = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expect) return false;
            expect *= shape[d];
        }
        return true;
    }

    // ---- data access --------------------------------------------------------------------------------

    /** A copy of the values in row-major order, as floats. */
    public float[] toFloatArray() {
        Tensor c = contiguousNoGrad();
        return backend().downloadFloats(c.storage, c.offset, c.numel());
    }

    /** A copy of the values in row-major order, as ints (floats truncate toward zero). */
    public int[] toIntArray() {
        Tensor c = contiguousNoGrad();
        return backend().downloadInts(c.storage, c.offset, c.numel());
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalStateException("item: tensor must have one element, got shape " + Shapes.str(shape));
        return toFloatArray()[0];
    }

    /** The value at a full index (for tests and printing; slow for bulk access). */
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: index must have " + shape.length + " coordinates, got " + index.length);
        }
        int pos = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("get: index " + Arrays.toString(index) + " is out of bounds for shape " + Shapes.str(shape));
            }
            pos += index[d] * strides[d];
        }
        return backend().downloadFloats(storage, pos, 1)[0];
    }

    // ---- autograd -----------------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf float tensor as a variable whose gradient accumulates in {@link #grad()}. */
    public Tensor requiresGrad(boolean flag) {
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad: only leaf tensors can change requiresGrad; this one comes from "
                    + gradFn.opName + " (use detach() first)");
        }
        if (flag && !dtype().isFloating()) {
            throw new IllegalArgumentException("requiresGrad: only float32 tensors can require grad, got " + dtype().displayName());
        }
        requiresGrad = flag;
        return this;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The accumulated gradient, or null before any backward reached this tensor. */
    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        if (g != null) {
            Shapes.checkSame("setGrad", "gradient shape", shape, g.shape);
            Shapes.checkDevice("setGrad", this, g);
        }
        grad = g;
    }

    /** The name of the op that produced this tensor, e.g. {@code "mul"}, or null for a leaf. */
    public String gradFnName() {
        return gradFn == null ? null : gradFn.opName;
    }

    void accumulateGrad(Tensor g) {
        if (!requiresGrad) return;
        Tensor detached = g.detach();
        grad = grad == null ? detached.contiguousNoGrad().copy() : grad.add(detached);
    }

    /** Backward from a one-element tensor; frees the graph. */
    public void backward() {
        Autograd.backward(this, null, false);
    }

    /** Backward with an explicit upstream gradient of this tensor's shape; frees the graph. */
    public void backward(Tensor gradient) {
        Autograd.backward(this, gradient, false);
    }

    /** Backward that keeps the graph when {@code retainGraph}, so that backward can run again. */
    public void backward(Tensor gradient, boolean retainGraph) {
        Autograd.backward(this, gradient, retainGraph);
    }

    /** The same data, cut from the graph. */
    public Tensor detach() {
        return new Tensor(storage, offset, shape, strides, device);
    }

    /**
     * Records {@code out} as produced by {@code op} from {@code inputs} when grad mode is on and
     * an input requires grad. The rule gets the output gradient and returns one gradient per
     * input, in order.
     */
    static Tensor record(String op, Tensor out, Node.BackwardRule rule, Tensor... inputs) {
        Tensor[] needing = needingGrad(inputs);
        if (needing == null) return out;
        out.requiresGrad = true;
        out.gradFn = new Node(op, needing, rule);
        return out;
    }

    /**
     * The inputs a node must send gradients to (the others null), or null when grad mode is off or
     * no input requires grad: then nothing is recorded.
     */
    private static Tensor[] needingGrad(Tensor[] inputs) {
        if (!GradMode.isEnabled()) return null;
        boolean any = false;
        Tensor[] needing = new Tensor[inputs.length];
        for (int k = 0; k < inputs.length; k++) {
            if (inputs[k] != null && inputs[k].requiresGrad) {
                needing[k] = inputs[k];
                any = true;
            }
        }
        return any ? needing : null;
    }

    /**
     * {@link #record} for an op with several outputs: one node shared by {@code outs}, whose rule
     * gets one gradient per output (null for an output that no gradient reached) and returns one
     * per input.
     */
    static Tensor[] recordMulti(String op, Tensor[] outs, Node.MultiBackwardRule rule, Tensor... inputs) {
        Tensor[] needing = needingGrad(inputs);
        if (needing == null) return outs;
        Node node = new Node(op, needing, outs.length, rule);
        for (int k = 0; k < outs.length; k++) {
            outs[k].requiresGrad = true;
            outs[k].gradFn = node;
            outs[k].outputIndex = k;
        }
        return outs;
    }

    // ---- in-place updates (no graph) ------------------------------------------------------------------

    /**
     * Copies {@code src} (broadcast to this shape) into this tensor's elements. Allowed only
     * where no graph is recorded: under {@link GradMode#noGrad()}, or on tensors that do not require grad.
     */
    public Tensor copyFrom(Tensor src) {
        if (requiresGrad && GradMode.isEnabled()) {
            throw new IllegalStateException("copyFrom: in-place update of a tensor that requires grad; do it inside GradMode.noGrad()");
        }
        Shapes.checkDevice("copyFrom", this, src);
        Tensor b = src.expand(shape);
        backend().copyStrided(b.storage, b.offset, b.strides, storage, offset, strides, shape);
        return this;
    }

    /** Sets every element to {@code value} (no graph; see {@link #copyFrom}). */
    public Tensor fill(float value) {
        return copyFrom(full(value, device));
    }

    // ---- views ----------------------------------------------------------------------------------------

    /** A dense copy when this view is not already dense, else this tensor. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        Tensor out = copy();
        return record("contiguous", out, g -> new Tensor[] {g}, this);
    }

    private Tensor contiguousNoGrad() {
        return isContiguous() ? this : copyData();
    }

    /** A dense copy with its own storage (recorded for autograd). */
    public Tensor copy() {
        return record("copy", copyData(), g -> new Tensor[] {g}, this);
    }

    private Tensor copyData() {
        Tensor out = uninitialized(dtype(), device, shape);
        backend().copyStrided(storage, offset, strides, out.storage, 0, out.strides, shape);
        return out;
    }

    /** This tensor converted to another dtype (float to int truncates toward zero). */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) return this;
        Tensor out = uninitialized(dtype, device, shape);
        backend().copyStrided(storage, offset, strides, out.storage, 0, out.strides, shape);
        return out;
    }

    /**
     * The same values on another device (a copy; this tensor when already there). Recorded for
     * autograd: the gradient goes back to this tensor's device. Mixing devices in one op is an error.
     */
    public Tensor to(Device target) {
        if (target == device) return this;
        Tensor c = contiguousNoGrad();
        Backend from = backend(), into = target.backend();
        Storage s = MemoryScope.track(dtype() == DType.FLOAT32
                ? into.upload(from.downloadFloats(c.storage, c.offset, c.numel()))
                : into.upload(from.downloadInts(c.storage, c.offset, c.numel()), dtype()));
        Tensor out = new Tensor(s, 0, shape.clone(), Shapes.contiguousStrides(shape), target);
        Device source = device;
        return record("to", out, g -> new Tensor[] {g.to(source)}, this);
    }

    /**
     * The same elements with a new shape; one size may be -1 (inferred). A view when the
     * layout allows it, else a copy (like torch.reshape).
     */
    public Tensor reshape(int... newShape) {
        int[] target = inferShape("reshape", newShape);
        if (Arrays.equals(target, shape)) return this;
        Tensor src = isContiguous() ? this : contiguous();
        Tensor out = new Tensor(src.storage, src.offset, target, Shapes.contiguousStrides(target), device);
        int[] original = shape.clone();
        return record("reshape", out, g -> new Tensor[] {g.reshape(original)}, src);
    }

    /** Like {@link #reshape} but refuses to copy, as torch.view does. */
    public Tensor view(int... newShape) {
        if (!isContiguous()) {
            throw new IllegalStateException("view: tensor of shape " + Shapes.str(shape) + " with strides "
                    + Shapes.str(strides) + " is not contiguous; use reshape() or contiguous() first");
        }
        return reshape(newShape);
    }

    private int[] inferShape(String op, int[] newShape) {
        int[] target = newShape.clone();
        int infer = -1, known = 1;
        for (int d = 0; d < target.length; d++) {
            if (target[d] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one size may be -1, got " + Shapes.str(newShape));
                infer = d;
            } else if (target[d] < 0) {
                throw new IllegalArgumentException(op + ": sizes must be >= 0 or -1, got " + Shapes.str(newShape));
            } else {
                known *= target[d];
            }
        }
        int n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + Shapes.str(newShape) + " is invalid for " + n + " elements");
            }
            target[infer] = n / known;
        }
        if (Shapes.numel(target) != n) {
            throw new IllegalArgumentException(op + ": shape " + Shapes.str(newShape) + " is invalid for input of shape "
                    + Shapes.str(shape) + " (" + n + " elements)");
        }
        return target;
    }

    /** Merges dims {@code start..end} (inclusive) into one. */
    public Tensor flatten(int start, int end) {
        int s = Shapes.dim("flatten", start, dim()), e = Shapes.dim("flatten", end, dim());
        if (dim() == 0) return reshape(1);
        int[] target = new int[dim() - (e - s)];
        for (int d = 0, t = 0; d < dim(); d++) {
            if (d <= s || d > e) target[t++] = shape[d];
            else target[t - 1] *= shape[d];
        }
        return reshape(target);
    }

    /** Reorders the dims: output dim i is input dim {@code order[i]}. */
    public Tensor permute(int... order) {
        if (order.length != dim()) {
            throw new IllegalArgumentException("permute: order must list " + dim() + " dims, got " + Arrays.toString(order));
        }
        int[] newShape = new int[order.length], newStrides = new int[order.length], inverse = new int[order.length];
        boolean[] used = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int d = Shapes.dim("permute", order[i], dim());
            if (used[d]) throw new IllegalArgumentException("permute: dim " + d + " repeats in " + Arrays.toString(order));
            used[d] = true;
            newShape[i] = shape[d];
            newStrides[i] = strides[d];
            inverse[d] = i;
        }
        Tensor out = new Tensor(storage, offset, newShape, newStrides, device);
        return record("permute", out, g -> new Tensor[] {g.permute(inverse)}, this);
    }

    /** Swaps two dims. */
    public Tensor transpose(int d0, int d1) {
        int a = Shapes.dim("transpose", d0, dim()), b = Shapes.dim("transpose", d1, dim());
        int[] order = new int[dim()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** The matrix transpose of a 2-D tensor. */
    public Tensor t() {
        Shapes.checkRank("t", "input", this, 2);
        return transpose(0, 1);
    }

    /** Elements {@code start .. start+length-1} along {@code dim}, as a view. */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shapes.dim("narrow", dim, this.dim());
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IndexOutOfBoundsException("narrow: range [" + start + ", " + (start + length) + ") is outside dim "
                    + d + " of size " + shape[d]);
        }
        int[] newShape = shape.clone();
        newShape[d] = length;
        Tensor out = new Tensor(storage, offset + start * strides[d], newShape, strides, device);
        int[] full = shape.clone();
        return record("narrow", out, g -> new Tensor[] {Ops.padDim(g, d, start, full[d] - start - length)}, this);
    }

    /** Python-style slice {@code [start:end]} along {@code dim}; negative bounds count from the end. */
    public Tensor slice(int dim, int start, int end) {
        int d = Shapes.dim("slice", dim, this.dim());
        int n = shape[d];
        int s = Math.max(0, Math.min(n, start < 0 ? start + n : start));
        int e = Math.max(s, Math.min(n, end < 0 ? end + n : end));
        return narrow(d, s, e - s);
    }

    /** Index {@code index} of {@code dim}, removing that dim. */
    public Tensor select(int dim, int index) {
        int d = Shapes.dim("select", dim, this.dim());
        int i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d]) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dim " + d + " of size " + shape[d]);
        }
        return narrow(d, i, 1).squeeze(d);
    }

    /** Inserts a dim of size 1 at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        int d = Shapes.dim("unsqueeze", dim, this.dim() + 1);
        int[] newShape = new int[shape.length + 1], newStrides = new int[shape.length + 1];
        for (int i = 0, j = 0; i < newShape.length; i++) {
            if (i == d) {
                newShape[i] = 1;
                newStrides[i] = j < shape.length ? strides[j] * shape[j] : 1;
            } else {
                newShape[i] = shape[j];
                newStrides[i] = strides[j++];
            }
        }
        Tensor out = new Tensor(storage, offset, newShape, newStrides, device);
        return record("unsqueeze", out, g -> new Tensor[] {g.squeeze(d)}, this);
    }

    /** Removes dim {@code dim}, which must have size 1. */
    public Tensor squeeze(int dim) {
        int d = Shapes.dim("squeeze", dim, this.dim());
        if (shape[d] != 1) return this;
        int[] newShape = new int[shape.length - 1], newStrides = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i == d) continue;
            newShape[j] = shape[i];
            newStrides[j++] = strides[i];
        }
        Tensor out = new Tensor(storage, offset, newShape, newStrides, device);
        return record("squeeze", out, g -> new Tensor[] {g.unsqueeze(d)}, this);
    }

    /** Removes every dim of size 1. */
    public Tensor squeeze() {
        Tensor t = this;
        for (int d = dim() - 1; d >= 0; d--) if (shape[d] == 1) t = t.squeeze(d);
        return t;
    }

    /** A broadcast view to {@code target} (size-1 dims repeat with stride 0; -1 keeps a size). */
    public Tensor expand(int... target) {
        if (target.length < dim()) {
            throw new IllegalArgumentException("expand: target " + Shapes.str(target) + " has fewer dims than " + Shapes.str(shape));
        }
        int lead = target.length - dim();
        int[] newShape = new int[target.length], newStrides = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            int src = i - lead;
            int size = target[i] == -1 && src >= 0 ? shape[src] : target[i];
            if (src < 0) {
                newShape[i] = size;
                newStrides[i] = 0;
            } else if (shape[src] == size) {
                newShape[i] = size;
                newStrides[i] = strides[src];
            } else if (shape[src] == 1) {
                newShape[i] = size;
                newStrides[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: cannot expand shape " + Shapes.str(shape) + " to " + Shapes.str(target)
                        + " (dim " + i + ": " + shape[src] + " vs " + size + ")");
            }
        }
        if (Arrays.equals(newShape, shape)) return this;
        Tensor out = new Tensor(storage, offset, newShape, newStrides, device);
        int[] original = shape.clone();
        return record("expand", out, g -> new Tensor[] {Ops.sumToShape(g, original)}, this);
    }

    public Tensor expandAs(Tensor other) {
        return expand(other.shape);
    }

    /** Reverses the order of elements along the given dims (a copy, like torch.flip). */
    public Tensor flip(int... dims) {
        int off = offset;
        int[] newStrides = strides.clone();
        for (int dd : dims) {
            int d = Shapes.dim("flip", dd, dim());
            if (shape[d] > 0) off += (shape[d] - 1) * strides[d];
            newStrides[d] = -strides[d];
        }
        Tensor reversed = new Tensor(storage, off, shape, newStrides, device).copyData();
        int[] flipped = dims.clone();
        return record("flip", reversed, g -> new Tensor[] {g.flip(flipped)}, this);
    }

    /** Splits into pieces of {@code size} along {@code dim} (the last may be smaller); views. */
    public Tensor[] split(int size, int dim) {
        int d = Shapes.dim("split", dim, this.dim());
        if (size <= 0) throw new IllegalArgumentException("split: size must be positive, got " + size);
        int n = shape[d];
        int pieces = Math.max(1, (n + size - 1) / size);
        Tensor[] out = new Tensor[pieces];
        for (int p = 0; p < pieces; p++) out[p] = narrow(d, p * size, Math.min(size, n - p * size));
        return out;
    }

    /** Splits into {@code chunks} nearly equal pieces along {@code dim}, as torch.chunk. */
    public Tensor[] chunk(int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk: chunks must be positive, got " + chunks);
        int n = shape[Shapes.dim("chunk", dim, this.dim())];
        return split(Math.max(1, (n + chunks - 1) / chunks), dim);
    }

    /** Concatenates along {@code dim}; all other sizes must match. */
    public static Tensor cat(int dim, Tensor... parts) {
        return Ops.cat(parts, dim);
    }

    /** Stacks equal-shaped tensors along a new dim. */
    public static Tensor stack(int dim, Tensor... parts) {
        return Ops.stack(parts, dim);
    }

    /** Constant padding as torch.nn.functional.pad: (before, after) pairs from the last dim backwards. */
    public Tensor pad(int[] pads, float value) {
        return Ops.pad(this, pads, value);
    }

    /** Rows (slices along {@code dim}) picked by a 1-D int32 index, as torch.index_select. */
    public Tensor indexSelect(int dim, Tensor index) {
        return Ops.indexSelect(this, dim, index);
    }

    /** torch.gather: {@code out[..i..] = this[..index[..i..]..]} along {@code dim}. */
    public Tensor gather(int dim, Tensor index) {
        return Ops.gather(this, dim, index);
    }

    /** Out-of-place torch.scatter_add: this plus {@code src} added at {@code index} along {@code dim}. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return Ops.scatterAdd(this, dim, index, src);
    }

    // ---- elementwise (instance forms of Ops) ------------------------------------------------------------

    public Tensor add(Tensor o) { return Ops.binary(BinaryOp.ADD, this, o); }
    public Tensor sub(Tensor o) { return Ops.binary(BinaryOp.SUB, this, o); }
    public Tensor mul(Tensor o) { return Ops.binary(BinaryOp.MUL, this, o); }
    public Tensor div(Tensor o) { return Ops.binary(BinaryOp.DIV, this, o); }
    public Tensor pow(Tensor o) { return Ops.binary(BinaryOp.POW, this, o); }
    /** Elementwise maximum (torch.maximum). */
    public Tensor maximum(Tensor o) { return Ops.binary(BinaryOp.MAX, this, o); }
    /** Elementwise minimum (torch.minimum). */
    public Tensor minimum(Tensor o) { return Ops.binary(BinaryOp.MIN, this, o); }

    public Tensor add(float v) { return Ops.affine(this, 1f, v); }
    public Tensor sub(float v) { return Ops.affine(this, 1f, -v); }
    public Tensor mul(float v) { return Ops.affine(this, v, 0f); }
    public Tensor div(float v) { return Ops.affine(this, 1f / v, 0f); }
    public Tensor pow(float exponent) { return Ops.powScalar(this, exponent); }

    public Tensor neg() { return Ops.unary(UnaryOp.NEG, this); }
    public Tensor exp() { return Ops.unary(UnaryOp.EXP, this); }
    public Tensor log() { return Ops.unary(UnaryOp.LOG, this); }
    public Tensor sqrt() { return Ops.unary(UnaryOp.SQRT, this); }
    public Tensor rsqrt() { return Ops.unary(UnaryOp.RSQRT, this); }
    public Tensor abs() { return Ops.unary(UnaryOp.ABS, this); }
    public Tensor tanh() { return Ops.unary(UnaryOp.TANH, this); }
    public Tensor sigmoid() { return Ops.unary(UnaryOp.SIGMOID, this); }
    public Tensor relu() { return Ops.unary(UnaryOp.RELU, this); }
    public Tensor silu() { return Ops.unary(UnaryOp.SILU, this); }
    /** Exact (erf) GELU, torch's default. */
    public Tensor gelu() { return Ops.unary(UnaryOp.GELU, this); }
    public Tensor clamp(float min, float max) { return Ops.clamp(this, min, max); }

    public Tensor eq(Tensor o) { return Ops.compare(BinaryOp.EQ, this, o); }
    public Tensor ne(Tensor o) { return Ops.compare(BinaryOp.NE, this, o); }
    public Tensor lt(Tensor o) { return Ops.compare(BinaryOp.LT, this, o); }
    public Tensor le(Tensor o) { return Ops.compare(BinaryOp.LE, this, o); }
    public Tensor gt(Tensor o) { return Ops.compare(BinaryOp.GT, this, o); }
    public Tensor ge(Tensor o) { return Ops.compare(BinaryOp.GE, this, o); }
    public Tensor eq(float v) { return eq(full(v, device)); }
    public Tensor ne(float v) { return ne(full(v, device)); }
    public Tensor lt(float v) { return lt(full(v, device)); }
    public Tensor le(float v) { return le(full(v, device)); }
    public Tensor gt(float v) { return gt(full(v, device)); }
    public Tensor ge(float v) { return ge(full(v, device)); }

    /** {@code value} where {@code mask} (bool, broadcast) is true, else this tensor's element. */
    public Tensor maskedFill(Tensor mask, float value) {
        return Ops.where(mask, full(value, device), this);
    }

    /** {@code cond ? a : b} elementwise with broadcasting (torch.where). */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Ops.where(cond, a, b);
    }

    // ---- reductions ---------------------------------------------------------------------------------

    /** Sum of all elements (a scalar). */
    public Tensor sum() { return Ops.sumAll(this); }
    /** Sum along {@code dims}. */
    public Tensor sum(int dim, boolean keepDim) { return Ops.sum(this, new int[] {dim}, keepDim); }
    public Tensor sum(int[] dims, boolean keepDim) { return Ops.sum(this, dims, keepDim); }
    public Tensor mean() { return Ops.sumAll(this).div(Math.max(1, numel())); }
    public Tensor mean(int dim, boolean keepDim) { return Ops.mean(this, new int[] {dim}, keepDim); }
    public Tensor mean(int[] dims, boolean keepDim) { return Ops.mean(this, dims, keepDim); }
    /** Variance along dims with Bessel's correction when {@code unbiased} (torch's default is unbiased). */
    public Tensor var(int dim, boolean unbiased, boolean keepDim) { return Ops.var(this, new int[] {dim}, unbiased, keepDim); }
    public Tensor var(int[] dims, boolean unbiased, boolean keepDim) { return Ops.var(this, dims, unbiased, keepDim); }
    /** Largest value along {@code dim}; the gradient flows to the first maximal element. */
    public Tensor max(int dim, boolean keepDim) { return Ops.extreme(this, dim, keepDim, true); }
    public Tensor min(int dim, boolean keepDim) { return Ops.extreme(this, dim, keepDim, false); }
    public Tensor max() { return reshape(-1).max(0, false); }
    public Tensor min() { return reshape(-1).min(0, false); }
    /** Index (int32) of the first largest value along {@code dim}. */
    public Tensor argmax(int dim, boolean keepDim) { return Ops.argExtreme(this, dim, keepDim, true); }
    public Tensor argmin(int dim, boolean keepDim) { return Ops.argExtreme(this, dim, keepDim, false); }

    // ---- linear algebra -------------------------------------------------------------------------------

    /** torch.matmul: 1-D and 2-D operands, and batched operands whose leading dims broadcast. */
    public Tensor matmul(Tensor o) { return Ops.matmul(this, o); }

    // ---- printing -------------------------------------------------------------------------------------

    /** PyTorch-style: {@code tensor([[ 1.0000, -2.5000], ...], shape=[2, 2], dtype=float32, device=cpu)}. */
    @Override
    public String toString() {
        return TensorFormat.format(this);
    }
}
