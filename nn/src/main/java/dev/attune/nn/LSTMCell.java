package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * One LSTM step, as torch.nn.LSTMCell: x (N, input_size) and state (h, c), each (N, H), to the
 * next (h', c'). With the gates in PyTorch's order i, f, g, o (rows of the (4H, ...) weights):
 * <pre>
 *   [a_i, a_f, a_g, a_o] = x W_ih^T + b_ih + h W_hh^T + b_hh
 *   i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
 *   c' = f * c + i * g
 *   h' = o * tanh(c')
 * </pre>
 * Backward (from dh', dc'): {@code dc = dc' + dh' o (1 - tanh^2 c')}, then
 * {@code da_o = dh' tanh(c') o (1-o)}, {@code da_i = dc g i (1-i)}, {@code da_f = dc c f (1-f)},
 * {@code da_g = dc i (1 - g^2)}, {@code dc_prev = dc f}; the affine part gives
 * {@code dx = da W_ih}, {@code dh_prev = da W_hh}, {@code dW_ih = da^T x}, {@code dW_hh = da^T h}.
 * All weights and biases are initialised U(-1/sqrt(H), 1/sqrt(H)) as in torch.
 */
public final class LSTMCell extends Module {
    private final int inputSize, hiddenSize;
    private final Parameter weightIh, weightHh, biasIh, biasHh;

    public LSTMCell(int inputSize, int hiddenSize, boolean bias, Generator g) {
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException("LSTMCell: sizes must be positive, got input_size=" + inputSize + ", hidden_size=" + hiddenSize);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        float k = (float) (1.0 / Math.sqrt(hiddenSize));
        this.weightIh = parameter("weight_ih", g.uniform(-k, k, 4 * hiddenSize, inputSize));
        this.weightHh = parameter("weight_hh", g.uniform(-k, k, 4 * hiddenSize, hiddenSize));
        this.biasIh = bias ? parameter("bias_ih", g.uniform(-k, k, 4 * hiddenSize)) : null;
        this.biasHh = bias ? parameter("bias_hh", g.uniform(-k, k, 4 * hiddenSize)) : null;
    }

    public LSTMCell(int inputSize, int hiddenSize, Generator g) {
        this(inputSize, hiddenSize, true, g);
    }

    /** One step from the zero state. */
    public LSTMState forward(Tensor x) {
        return forward(x, null);
    }

    /** One step from {@code state} (null: zeros). */
    public LSTMState forward(Tensor x, LSTMState state) {
        if (x.dim() != 2 || x.size(1) != inputSize) {
            throw new IllegalArgumentException("LSTMCell: expected input of shape (N, input_size=" + inputSize + "), got "
                    + Arrays.toString(x.shape()));
        }
        int[] expected = {x.size(0), hiddenSize};
        if (state != null && (!Arrays.equals(expected, state.h().shape()) || !Arrays.equals(expected, state.c().shape()))) {
            throw new IllegalArgumentException("LSTMCell: expected h and c of shape " + Arrays.toString(expected) + ", got "
                    + Arrays.toString(state.h().shape()) + " and " + Arrays.toString(state.c().shape()));
        }
        Tensor gates = x.matmul(weightIh.value().t());
        if (state != null) gates = gates.add(state.h().matmul(weightHh.value().t()));
        if (biasIh != null) gates = gates.add(biasIh.value().add(biasHh.value()));
        LSTMState next = update(gates, state == null ? null : state.c());
        traced(next.h(), x);
        return next;
    }

    /**
     * The gate nonlinearities and the state update, from pre-activations (N, 4H) and c (N, H) or null
     * for zeros: one fused op ({@link F#lstmCell}) with one autograd node per step.
     */
    static LSTMState update(Tensor gates, Tensor c) {
        F.LstmState next = F.lstmCell(gates, c);
        return new LSTMState(next.h(), next.c());
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    @Override
    protected String extraRepr() {
        return inputSize + ", " + hiddenSize + (biasIh == null ? ", bias=False" : "");
    }
}
