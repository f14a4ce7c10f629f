package dev.attune.tensor;

import dev.attune.kernels.Storage;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Deterministic release of the storages a piece of work creates (DESIGN decision 8: device memory
 * is owned, not left to the garbage collector). While a scope is open on a thread, every storage
 * that a tensor operation on that thread allocates (a new tensor, an upload, a copy to another
 * device; not a view, which shares its storage) is recorded in it. {@link #close()} closes all of
 * them except those of the tensors passed to {@link #keep}: on CUDA their blocks go back to the
 * caching allocator at once, so a training loop that opens a scope per step holds the same device
 * memory at every step instead of whatever the collector has not yet found.
 *
 * <pre>{@code
 * try (MemoryScope step = MemoryScope.open()) {
 *     Tensor loss = model.loss(x, y);
 *     loss.backward();
 *     optimizer.step();
 *     lossValue = loss.item();
 *     optimizer.zeroGrad();                       // no parameter keeps a gradient of this step
 *     step.keep(optimizer.stateTensors());        // created by the first step, needed by the next
 * }
 * }</pre>
 *
 * <p>A closed storage cannot be used again, on any backend (the CPU frees nothing early, but marks
 * its storages closed too, so a tensor that escaped its scope fails the same way in CPU tests as on
 * a GPU): reading it throws IllegalStateException. Kept storages pass to the enclosing scope, if
 * any, and are released when that one closes unless it keeps them too. Scopes nest per thread and
 * must be closed innermost first (try-with-resources does that).
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();

    private final MemoryScope parent;
    private final Thread owner = Thread.currentThread();
    private final Set<Storage> created = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Storage> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;
    private int released;

    private MemoryScope(MemoryScope parent) {
        this.parent = parent;
    }

    /** Opens a scope on this thread, nested in the one already open (if any). */
    public static MemoryScope open() {
        MemoryScope s = new MemoryScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Records a storage that was just allocated, in this thread's innermost open scope; returns it. */
    static Storage track(Storage s) {
        MemoryScope scope = CURRENT.get();
        if (scope != null) scope.created.add(s);
        return s;
    }

    /** Keeps the storages of these tensors (null entries are skipped) past {@link #close()}. */
    public MemoryScope keep(Tensor... tensors) {
        for (Tensor t : tensors) keepOne(t);
        return this;
    }

    /** Keeps the storages of these tensors (null entries are skipped) past {@link #close()}. */
    public MemoryScope keep(Iterable<Tensor> tensors) {
        for (Tensor t : tensors) keepOne(t);
        return this;
    }

    private void keepOne(Tensor t) {
        if (closed) throw new IllegalStateException("MemoryScope.keep: the scope is already closed");
        if (t != null) kept.add(t.storage);
    }

    /** How many storages {@link #close()} released (0 while open). */
    public int released() {
        return released;
    }

    /**
     * Closes every storage created in this scope that was not kept, and hands the kept ones to the
     * enclosing scope. Idempotent.
     *
     * @throws IllegalStateException if called from another thread, or while a scope opened inside
     *         this one is still open
     */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("MemoryScope.close: the scope belongs to thread " + owner.getName() + ", not "
                    + Thread.currentThread().getName());
        }
        if (CURRENT.get() != this) throw new IllegalStateException("MemoryScope.close: an inner scope opened after this one is still open");
        closed = true;
        if (parent == null) CURRENT.remove();
        else CURRENT.set(parent);
        for (Storage s : created) {
            if (!kept.contains(s)) {
                s.close();
                released++;
            } else if (parent != null) {
                parent.created.add(s);
            }
        }
        created.clear();
        kept.clear();
    }
}
