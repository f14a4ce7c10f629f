package dev.attune.nn;

import dev.attune.tensor.Tensor;

/**
 * The hidden and cell state of an LSTM: (N, H) each for {@link LSTMCell}, and
 * (layers * directions, N, H) each for {@link LSTM} (the {@code (h, c)} tuple of PyTorch).
 */
public record LSTMState(Tensor h, Tensor c) {
    public LSTMState {
        if (h == null || c == null) throw new IllegalArgumentException("LSTMState: h and c must both be given");
    }
}
