package dev.attune.nn;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;

/**
 * The position-wise feed-forward block of WeNet/ESPnet Transformers and Conformers:
 * {@code y = w_2(dropout(act(w_1(x))))} with {@code w_1} Linear(D, hidden), {@code w_2} Linear(hidden, D) and
 * act Swish (SiLU) in the Conformer. x (..., D) to (..., D).
 */
public final class PositionwiseFeedForward extends Module {
    private final int dModel;
    private final Linear w1, w2;
    private final Activation activation;
    private final Dropout dropout;

    public PositionwiseFeedForward(int dModel, int hidden, float dropoutRate, Activation activation, Generator g) {
        this.dModel = dModel;
        this.w1 = child("w_1", new Linear(dModel, hidden, g));
        this.activation = child("activation", activation);
        this.dropout = child("dropout", new Dropout(dropoutRate, g));
        this.w2 = child("w_2", new Linear(hidden, dModel, g));
    }

    public Tensor forward(Tensor x) {
        if (x.dim() == 0 || x.size(-1) != dModel) {
            throw new IllegalArgumentException("PositionwiseFeedForward: input must be (..., " + dModel + "), got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        return traced(w2.forward(dropout.forward(w1.forward(x, activation))), x);
    }
}
