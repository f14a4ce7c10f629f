package dev.attune.nn;

/**
 * The hidden and cell state of an LSTM: (N, H) each for {@link LSTMCell}, and
 * (layers * directions, N, H) each for {@link LSTM} (the {@code (h, c)} tuple of PyTorch).
 */
public record LSTMState(dev.attune.tensor.Tensor h, dev.attune.tensor.Tensor c) {
    public LSTMState {
        if (h == null || c == null) throw new IllegalArgumentException("LSTMState: h and c must both be given");
    }
}
