package dev.attune.nn.las;

import dev.attune.nn.LSTM;
import dev.attune.nn.Module;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * One pyramidal BLSTM layer of the LAS listener (Chan et al. 2016): adjacent frame pairs are
 * concatenated, {@code z_t = [x_{2t}; x_{2t+1}]}, turning (N, T, D) into (N, floor(T/2), 2D)
 * (an odd last frame is dropped), and a bidirectional LSTM runs over z, giving (N, floor(T/2), 2H).
 * Each sequence's length L becomes floor(L/2). The LSTM is the child {@code rnn}
 * (batch-first, bidirectional, input 2D, hidden H).
 */
public final class PyramidalBLSTM extends Module {
    private final int inputDim, hidden;
    private final LSTM rnn;

    public PyramidalBLSTM(int inputDim, int hidden, Generator g) {
        this.inputDim = inputDim;
        this.hidden = hidden;
        this.rnn = child("rnn", new LSTM(2 * inputDim, hidden, 1, true, true, 0f, true, g));
    }

    /** x (N, T, D) with lengths (null: all T) to (N, T/2, 2H) with halved lengths. */
    public Encoded forward(Tensor x, int[] lengths) {
        if (x.dim() != 3 || x.size(2) != inputDim || x.size(1) < 2) {
            throw new IllegalArgumentException("PyramidalBLSTM: expected input of shape (N, T >= 2, " + inputDim + "), got "
                    + Arrays.toString(x.shape()));
        }
        int[] halved = halve(lengths, x.size(0), x.size(1));
        Tensor out = rnn.forward(pairFrames(x), null, halved).output();
        traced(out, x);
        return new Encoded(out, halved);
    }

    /** (N, T, D) to (N, floor(T/2), 2D): row t holds frames 2t and 2t+1 side by side. */
    public static Tensor pairFrames(Tensor x) {
        int n = x.size(0), half = x.size(1) / 2, d = x.size(2);
        return x.narrow(1, 0, 2 * half).reshape(n, half, 2 * d);
    }

    private static int[] halved(int[] lengths) {
        int[] out = new int[lengths.length];
        for (int k = 0; k < lengths.length; k++) out[k] = lengths[k] / 2;
        return out;
    }

    private int[] halve(int[] lengths, int batch, int steps) {
        if (lengths == null) {
            int[] all = new int[batch];
            Arrays.fill(all, steps / 2);
            return all;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException("PyramidalBLSTM: expected " + batch + " lengths, got " + lengths.length);
        }
        for (int len : lengths) {
            if (len < 2 || len > steps) {
                throw new IllegalArgumentException("PyramidalBLSTM: lengths must be in [2, T=" + steps + "], got " + Arrays.toString(lengths));
            }
        }
        return halved(lengths);
    }

    @Override
    protected String extraRepr() {
        return "input_dim=" + inputDim + ", hidden=" + hidden;
    }
}
