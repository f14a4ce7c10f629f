package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.Device;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * A multi-layer, optionally bidirectional LSTM, as torch.nn.LSTM. Input x is (T, N, input_size),
 * or (N, T, input_size) with {@code batchFirst}; the output is (T, N, dirs*H) (resp. (N, T, dirs*H)),
 * and the final state (h_n, c_n) is (layers*dirs, N, H) each, ordered layer 0 forward,
 * layer 0 reverse, layer 1 forward, ...
 *
 * <p>Each layer and direction runs the cell of {@link LSTMCell} over time, with gates i, f, g, o:
 * <pre>
 *   a_t = x_t W_ih^T + b_ih + b_hh + h_{t-1} W_hh^T      (4H pre-activations)
 *   c_t = sigmoid(a_f) * c_{t-1} + sigmoid(a_i) * tanh(a_g)
 *   h_t = sigmoid(a_o) * tanh(c_t)
 * </pre>
 * The input part {@code x W_ih^T + b} is one matmul over all steps; only {@code h W_hh^T} runs per step.
 * The reverse direction runs from the last step to the first; layer k > 0 reads the concatenated
 * outputs of both directions of layer k-1 (with dropout in between while training, if set).
 *
 * <p>With sequence lengths (as pack_padded_sequence gives), step t of sequence n runs only when
 * t &lt; length[n]: the state is carried unchanged past the end, the outputs there are 0, so h_n/c_n
 * are taken at each sequence's last valid step and the reverse direction starts at it.
 *
 * <p>Backward through time is autograd over this unrolled graph: the gradient reaching h_t is the
 * output's plus the one flowing back from step t+1 through {@code W_hh} and the gates, c_t gets
 * {@code dc_{t+1} f_{t+1}} plus the part through h_t, and the weight gradients are sums over steps
 * ({@code dW_hh = sum_t da_t^T h_{t-1}}, {@code dW_ih = sum_t da_t^T x_t}).
 *
 * <p>Parameters, per layer k and direction (suffix {@code _reverse}): {@code weight_ih_lk} (4H, in),
 * {@code weight_hh_lk} (4H, H), {@code bias_ih_lk} (4H), {@code bias_hh_lk} (4H), all U(-1/sqrt(H), 1/sqrt(H)).
 */
public final class LSTM extends Module {
    /** The output sequence and the final state (h_n, c_n). */
    public record Output(Tensor output, LSTMState state) {}

    private final int inputSize, hiddenSize, numLayers, dirs;
    private final boolean bias, batchFirst;
    private final float dropout;
    private final Generator generator;
    /** [layer * dirs + direction] -> {W_ih, W_hh, b_ih, b_hh} (biases null without bias). */
    private final Parameter[][] params;

    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, float dropout,
                boolean bidirectional, Generator g) {
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0) {
            throw new IllegalArgumentException("LSTM: sizes must be positive, got input_size=" + inputSize + ", hidden_size="
                    + hiddenSize + ", num_layers=" + numLayers);
        }
        if (!(dropout >= 0f && dropout <= 1f)) throw new IllegalArgumentException("LSTM: dropout must be in [0, 1], got " + dropout);
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.dirs = bidirectional ? 2 : 1;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.generator = g;
        this.params = new Parameter[numLayers * dirs][];
        float k = (float) (1.0 / Math.sqrt(hiddenSize));
        int gates = 4 * hiddenSize;
        for (int layer = 0; layer < numLayers; layer++) {
            int in = layer == 0 ? inputSize : hiddenSize * dirs;
            for (int d = 0; d < dirs; d++) {
                String suffix = "_l" + layer + (d == 1 ? "_reverse" : "");
                Parameter[] p = new Parameter[4];
                p[0] = parameter("weight_ih" + suffix, g.uniform(-k, k, gates, in));
                p[1] = parameter("weight_hh" + suffix, g.uniform(-k, k, gates, hiddenSize));
                if (bias) {
                    p[2] = parameter("bias_ih" + suffix, g.uniform(-k, k, gates));
                    p[3] = parameter("bias_hh" + suffix, g.uniform(-k, k, gates));
                }
                params[layer * dirs + d] = p;
            }
        }
    }

    /** A unidirectional, sequence-first LSTM with biases and no dropout. */
    public LSTM(int inputSize, int hiddenSize, int numLayers, Generator g) {
        this(inputSize, hiddenSize, numLayers, true, false, 0f, false, g);
    }

    public Output forward(Tensor x) {
        return forward(x, null, null);
    }

    public Output forward(Tensor x, LSTMState initial) {
        return forward(x, initial, null);
    }

    /**
     * Runs the whole sequence. {@code initial} (h0, c0) is (layers*dirs, N, H) each, null for zeros;
     * {@code lengths} (one per batch element, each in [1, T]) or null when every sequence has length T.
     */
    public Output forward(Tensor x, LSTMState initial, int[] lengths) {
        if (x.dim() != 3 || x.size(2) != inputSize) {
            throw new IllegalArgumentException("LSTM: expected input of shape " + (batchFirst ? "(N, T, " : "(T, N, ")
                    + "input_size=" + inputSize + "), got " + Arrays.toString(x.shape()));
        }
        Tensor seq = batchFirst ? x.transpose(0, 1) : x;
        int steps = seq.size(0), batch = seq.size(1);
        checkState(initial, batch);
        Tensor[] valid = lengths == null ? null : validMasks(lengths, steps, batch, x.device());
        Tensor[] hN = new Tensor[numLayers * dirs], cN = new Tensor[numLayers * dirs];
        for (int layer = 0; layer < numLayers; layer++) {
            Tensor[] outs = new Tensor[dirs];
            for (int d = 0; d < dirs; d++) {
                int idx = layer * dirs + d;
                LSTMState s0 = initial == null ? null : new LSTMState(initial.h().select(0, idx), initial.c().select(0, idx));
                LSTMState last = runDirection(seq, params[idx], s0, valid, d == 1, outs, d);
                hN[idx] = last.h();
                cN[idx] = last.c();
            }
            seq = dirs == 1 ? outs[0] : Tensor.cat(2, outs);
            if (layer < numLayers - 1 && dropout > 0f && isTraining()) seq = F.dropout(seq, dropout, true, generator);
        }
        Tensor out = batchFirst ? seq.transpose(0, 1) : seq;
        traced(out, x);
        return new Output(out, new LSTMState(Tensor.stack(0, hN), Tensor.stack(0, cN)));
    }

    /** One direction of one layer over seq (T, N, in); writes its output (T, N, H) to outs[slot], returns the final state. */
    private LSTMState runDirection(Tensor seq, Parameter[] p, LSTMState s0, Tensor[] valid, boolean reverse, Tensor[] outs, int slot) {
        int steps = seq.size(0), batch = seq.size(1), in = seq.size(2), h4 = 4 * hiddenSize;
        Tensor proj = seq.reshape(steps * batch, in).matmul(p[0].value().t());
        if (bias) proj = proj.add(p[2].value().add(p[3].value()));
        Tensor[] projSteps = unbind(proj.reshape(steps, batch, h4));
        Tensor whhT = p[1].value().t();
        // Null h/c stand for the zero state, which saves the first recurrent matmul.
        Tensor h = s0 == null ? null : s0.h(), c = s0 == null ? null : s0.c();
        Tensor[] out = new Tensor[steps];
        Tensor zero = Tensor.zeros(DType.FLOAT32, seq.device(), batch, hiddenSize);
        for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            Tensor a = h == null ? projSteps[t] : projSteps[t].add(h.matmul(whhT));
            LSTMState next = LSTMCell.update(a, c);
            if (valid == null || valid[t] == null) {
                h = next.h();
                c = next.c();
                out[t] = h;
            } else {
                h = Tensor.where(valid[t], next.h(), h == null ? zero : h);
                c = Tensor.where(valid[t], next.c(), c == null ? zero : c);
                out[t] = Tensor.where(valid[t], next.h(), zero);
            }
        }
        outs[slot] = Tensor.stack(0, out);
        return new LSTMState(h == null ? zero : h, c == null ? zero : c);
    }

    /**
     * One time step of a unidirectional LSTM, for decoders that feed each output back in:
     * x (N, input_size) and state (layers, N, H) each (null: zeros) to the top layer's h (N, H)
     * and the new state. Equal to {@link #forward} on a length-1 sequence.
     */
    public Output step(Tensor x, LSTMState state) {
        if (dirs != 1) throw new IllegalStateException("LSTM: step() needs a unidirectional LSTM");
        if (x.dim() != 2 || x.size(1) != inputSize) {
            throw new IllegalArgumentException("LSTM: step expected input of shape (N, input_size=" + inputSize + "), got "
                    + Arrays.toString(x.shape()));
        }
        int batch = x.size(0);
        checkState(state, batch);
        Tensor[] hN = new Tensor[numLayers], cN = new Tensor[numLayers];
        Tensor input = x;
        for (int layer = 0; layer < numLayers; layer++) {
            Parameter[] p = params[layer];
            Tensor a = input.matmul(p[0].value().t());
            if (bias) a = a.add(p[2].value().add(p[3].value()));
            Tensor c = null;
            if (state != null) {
                a = a.add(state.h().select(0, layer).matmul(p[1].value().t()));
                c = state.c().select(0, layer);
            }
            LSTMState next = LSTMCell.update(a, c);
            hN[layer] = next.h();
            cN[layer] = next.c();
            input = next.h();
            if (layer < numLayers - 1 && dropout > 0f && isTraining()) input = F.dropout(input, dropout, true, generator);
        }
        traced(input, x);
        return new Output(input, new LSTMState(Tensor.stack(0, hN), Tensor.stack(0, cN)));
    }

    private void checkState(LSTMState state, int batch) {
        if (state == null) return;
        int[] expected = {numLayers * dirs, batch, hiddenSize};
        if (!Arrays.equals(expected, state.h().shape()) || !Arrays.equals(expected, state.c().shape())) {
            throw new IllegalArgumentException("LSTM: expected h0 and c0 of shape (layers*dirs, N, H) = " + Arrays.toString(expected)
                    + ", got " + Arrays.toString(state.h().shape()) + " and " + Arrays.toString(state.c().shape()));
        }
    }

    /** Per step, a (N, 1) bool mask of the sequences still running, or null where all are. */
    private static Tensor[] validMasks(int[] lengths, int steps, int batch, Device device) {
        if (lengths.length != batch) {
            throw new IllegalArgumentException("LSTM: expected " + batch + " sequence lengths, got " + lengths.length);
        }
        for (int len : lengths) {
            if (len < 1 || len > steps) {
                throw new IllegalArgumentException("LSTM: sequence lengths must be in [1, T=" + steps + "], got " + Arrays.toString(lengths));
            }
        }
        Tensor[] masks = new Tensor[steps];
        for (int t = 0; t < steps; t++) {
            boolean[] m = new boolean[batch];
            boolean all = true;
            for (int n = 0; n < batch; n++) {
                m[n] = t < lengths[n];
                all &= m[n];
            }
            masks[t] = all ? null : Tensor.ofBools(m, batch, 1).to(device);
        }
        return masks;
    }

    /**
     * The T slices of x along dim 0, cut by halving recursively: a narrow's gradient is padded to
     * its parent's size, so a balanced tree costs O(T log T) in backward instead of O(T^2) for T
     * direct slices of the whole tensor.
     */
    static Tensor[] unbind(Tensor x) {
        Tensor[] out = new Tensor[x.size(0)];
        split(x, 0, out);
        return out;
    }

    private static void split(Tensor part, int start, Tensor[] out) {
        int len = part.size(0);
        if (len == 1) {
            out[start] = part.squeeze(0);
            return;
        }
        int half = len / 2;
        split(part.narrow(0, 0, half), start, out);
        split(part.narrow(0, half, len - half), start + half, out);
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int numLayers() {
        return numLayers;
    }

    public boolean bidirectional() {
        return dirs == 2;
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
        if (numLayers != 1) s.append(", num_layers=").append(numLayers);
        if (!bias) s.append(", bias=False");
        if (batchFirst) s.append(", batch_first=True");
        if (dropout != 0f) s.append(", dropout=").append(Repr.pyFloat(dropout));
        if (dirs == 2) s.append(", bidirectional=True");
        return s.toString();
    }
}
