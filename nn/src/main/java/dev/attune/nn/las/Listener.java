package dev.attune.nn.las;

import dev.attune.nn.Dropout;
import dev.attune.nn.LSTM;
import dev.attune.nn.Module;
import dev.attune.nn.Sequential;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * The LAS listener (encoder): a BLSTM over the input frames (child {@code rnn}), then
 * {@code pyramidLayers} {@link PyramidalBLSTM}s (children {@code pyramid.0, pyramid.1, ...}),
 * each halving time. Input (N, T, inputDim) with lengths; output h = (N, T / 2^k, 2H) with
 * lengths L / 2^k (floored at each layer). Three pyramid layers give the paper's 8x reduction.
 * Every utterance needs at least 2^k frames. With a dropout probability p &gt; 0, each layer's output
 * (the last one included) goes through inverted dropout in training (child {@code dropout}, no parameters).
 */
public final class Listener extends Module {
    private final int inputDim, hidden, pyramidLayers;
    private final LSTM rnn;
    private final Sequential pyramid;
    private final Dropout dropout;

    /** @param dropout drop probability after each layer in training, in [0, 1); {@code g} also draws its masks */
    public Listener(int inputDim, int hidden, int pyramidLayers, float dropout, Generator g) {
        if (inputDim <= 0 || hidden <= 0 || pyramidLayers < 0 || !(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("Listener: need positive sizes, pyramidLayers >= 0 and dropout in [0, 1), got inputDim=" + inputDim
                    + ", hidden=" + hidden + ", pyramidLayers=" + pyramidLayers + ", dropout=" + dropout);
        }
        this.inputDim = inputDim;
        this.hidden = hidden;
        this.pyramidLayers = pyramidLayers;
        this.rnn = child("rnn", new LSTM(inputDim, hidden, 1, true, true, 0f, true, g));
        this.pyramid = child("pyramid", new Sequential());
        for (int k = 0; k < pyramidLayers; k++) pyramid.add(new PyramidalBLSTM(2 * hidden, hidden, g));
        this.dropout = child("dropout", new Dropout(dropout, g));
    }

    /** x (N, T, inputDim) and lengths (null: all T) to listener states (N, T / 2^k, 2H) with their lengths. */
    public Encoded forward(Tensor x, int[] lengths) {
        int factor = reduction();
        if (x.dim() != 3 || x.size(2) != inputDim || x.size(1) < factor) {
            throw new IllegalArgumentException("Listener: expected input of shape (N, T >= " + factor + ", " + inputDim + "), got "
                    + Arrays.toString(x.shape()));
        }
        int[] lens = lengths;
        if (lens == null) {
            lens = new int[x.size(0)];
            Arrays.fill(lens, x.size(1));
        } else {
            if (lengths.length != x.size(0)) {
                throw new IllegalArgumentException("Listener: expected " + x.size(0) + " lengths, got " + lengths.length);
            }
            for (int len : lengths) {
                if (len < factor || len > x.size(1)) {
                    throw new IllegalArgumentException("Listener: lengths must be in [" + factor + ", T=" + x.size(1) + "] for a "
                            + factor + "x time reduction, got " + Arrays.toString(lengths));
                }
            }
        }
        Encoded h = new Encoded(dropout.forward(rnn.forward(x, null, lens).output()), lens);
        for (int k = 0; k < pyramidLayers; k++) {
            Encoded next = ((PyramidalBLSTM) pyramid.get(k)).forward(h.values(), h.lengths());
            h = new Encoded(dropout.forward(next.values()), next.lengths());
        }
        traced(h.values(), x);
        return h;
    }

    /** How many input frames make one output state: 2^pyramidLayers. */
    public int reduction() {
        return 1 << pyramidLayers;
    }

    /** Width of the listener states: 2H. */
    public int outputDim() {
        return 2 * hidden;
    }
}
