package dev.attune.nn.las;

import dev.attune.nn.Module;
import dev.attune.tensor.F;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * Attention of the LAS speller over the listener states h (N, U, D): from a decoder state s
 * (N, S) it computes energies e_u, the weights {@code alpha = softmax_u(e)} over each utterance's
 * valid states (u &lt; length; the rest get weight 0) and the context {@code c = sum_u alpha_u h_u} (N, D).
 * The parts that depend only on h are computed once per utterance by {@link #prepare}.
 * Implementations: {@link DotAttention} (LAS / las-pytorch) and {@link LocationAwareAttention} (Chorowski et al. 2015).
 */
public abstract class Attention extends Module {
    /** What attention keeps per utterance batch: the values h, their projection (keys), lengths and the padding mask. */
    public record Memory(Tensor values, Tensor keys, int[] lengths, Tensor padMask) {
        /** The batch rows {@code rows} (in that order), e.g. to follow beam-search hypotheses. */
        public Memory select(int[] rows) {
            Tensor idx = Tensor.ofInts(rows, rows.length).to(values.device());
            int[] lens = new int[rows.length];
            for (int k = 0; k < rows.length; k++) lens[k] = lengths[rows[k]];
            return new Memory(values.indexSelect(0, idx), keys.indexSelect(0, idx), lens,
                    padMask == null ? null : padMask.indexSelect(0, idx));
        }

        public int batch() {
            return values.size(0);
        }

        public int steps() {
            return values.size(1);
        }
    }

    /** The context (N, D) and the attention weights (N, U). */
    public record Result(Tensor context, Tensor weights) {}

    protected final int queryDim, valueDim;

    protected Attention(int queryDim, int valueDim) {
        if (queryDim <= 0 || valueDim <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": sizes must be positive, got queryDim=" + queryDim
                    + ", valueDim=" + valueDim);
        }
        this.queryDim = queryDim;
        this.valueDim = valueDim;
    }

    /** Checks the listener states (N, U, D) and lengths, and precomputes the keys. */
    public final Memory prepare(Tensor values, int[] lengths) {
        String name = getClass().getSimpleName();
        if (values.dim() != 3 || values.size(2) != valueDim) {
            throw new IllegalArgumentException(name + ": expected listener states of shape (N, U, " + valueDim + "), got "
                    + Arrays.toString(values.shape()));
        }
        int n = values.size(0), u = values.size(1);
        if (lengths == null || lengths.length != n) {
            throw new IllegalArgumentException(name + ": expected " + n + " lengths, got "
                    + (lengths == null ? "none" : Integer.toString(lengths.length)));
        }
        boolean[] pad = new boolean[n * u];
        boolean any = false;
        for (int b = 0; b < n; b++) {
            if (lengths[b] < 1 || lengths[b] > u) {
                throw new IllegalArgumentException(name + ": lengths must be in [1, U=" + u + "], got " + Arrays.toString(lengths));
            }
            for (int t = lengths[b]; t < u; t++) pad[b * u + t] = any = true;
        }
        return new Memory(values, keys(values), lengths.clone(), any ? Tensor.ofBools(pad, n, u).to(values.device()) : null);
    }

    /** The per-utterance projection of the values used for the energies. */
    protected abstract Tensor keys(Tensor values);

    /** Energies (N, U) for query s (N, S), given the previous weights (N, U). */
    protected abstract Tensor energies(Tensor query, Memory memory, Tensor previousWeights);

    /**
     * Attends: query s (N, queryDim) and the previous step's weights (N, U) (used by location-aware
     * attention; see {@link #initialWeights}) to the context and the new weights.
     */
    public final Result forward(Tensor query, Memory memory, Tensor previousWeights) {
        String name = getClass().getSimpleName();
        int n = memory.batch(), u = memory.steps();
        if (query.dim() != 2 || query.size(0) != n || query.size(1) != queryDim) {
            throw new IllegalArgumentException(name + ": expected query of shape [" + n + ", " + queryDim + "], got "
                    + Arrays.toString(query.shape()));
        }
        if (previousWeights == null || previousWeights.dim() != 2 || previousWeights.size(0) != n || previousWeights.size(1) != u) {
            throw new IllegalArgumentException(name + ": expected previous weights of shape [" + n + ", " + u + "], got "
                    + (previousWeights == null ? "null" : Arrays.toString(previousWeights.shape())));
        }
        Tensor e = energies(query, memory, previousWeights);
        // A large finite fill keeps masked weights exactly 0 without inf arithmetic in backward.
        if (memory.padMask() != null) e = e.maskedFill(memory.padMask(), -1e30f);
        Tensor alpha = F.softmax(e, 1);
        Tensor context = alpha.unsqueeze(1).matmul(memory.values()).squeeze(1);
        traced(context, query);
        return new Result(context, alpha);
    }

    /** Uniform weights over each utterance's valid states (the previous alignment before the first step). */
    public static Tensor initialWeights(Memory memory) {
        int n = memory.batch(), u = memory.steps();
        float[] w = new float[n * u];
        for (int b = 0; b < n; b++) {
            for (int t = 0; t < memory.lengths()[b]; t++) w[b * u + t] = 1f / memory.lengths()[b];
        }
        return Tensor.of(w, n, u).to(memory.values().device());
    }

    public int queryDim() {
        return queryDim;
    }

    public int valueDim() {
        return valueDim;
    }
}
