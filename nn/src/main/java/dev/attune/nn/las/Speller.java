package dev.attune.nn.las;

import dev.attune.kernels.DType;
import dev.attune.nn.Activation;
import dev.attune.nn.Dropout;
import dev.attune.nn.Embedding;
import dev.attune.nn.LSTM;
import dev.attune.nn.LSTMState;
import dev.attune.nn.Linear;
import dev.attune.nn.Module;
import dev.attune.nn.Sequential;
import dev.attune.tensor.Device;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * The LAS speller (attention decoder). At output step i, from the previous character y_{i-1}
 * and the previous context c_{i-1}:
 * <pre>
 *   s_i = LSTM([E y_{i-1}; c_{i-1}], s_{i-1})        multi-layer; s_i is the top layer's h (N, S)
 *   c_i, alpha_i = Attention(s_i, h)                  over the listener states h (N, U, D)
 *   logits_i = MLP(dropout([s_i; c_i]))               Linear(S+D, S), ReLU, Linear(S, vocab)
 * </pre>
 * Children: {@code embedding} (vocab, E), {@code rnn} (an {@link LSTM} of input E+D, hidden S,
 * stepped one character at a time), {@code attention}, {@code character_distribution} (the MLP),
 * {@code dropout} (inverted dropout in training with the probability given, none in evaluation).
 * Before the first step the state and context are zeros, the previous character is {@code <sos>}
 * and the previous attention weights are uniform over each utterance.
 *
 * <p>{@link #forward} decodes a whole target sequence (teacher forcing); {@link #initialState}
 * and {@link #step} are the one-character API for greedy and beam-search decoding.
 */
public final class Speller extends Module {
    /** The decoder state between steps: LSTM (h, c) (layers, N, S), last context (N, D), last weights (N, U), and the listener memory. */
    public record State(LSTMState rnn, Tensor context, Tensor weights, Attention.Memory memory) {
        /** The batch rows {@code rows} (in that order), e.g. to follow beam-search hypotheses. */
        public State select(int[] rows) {
            Tensor idx = Tensor.ofInts(rows, rows.length).to(context.device());
            return new State(new LSTMState(rnn.h().indexSelect(1, idx), rnn.c().indexSelect(1, idx)),
                    context.indexSelect(0, idx), weights.indexSelect(0, idx), memory.select(rows));
        }
    }

    /** One step's character logits (N, vocab), attention weights (N, U), and the state after it. */
    public record Step(Tensor logits, Tensor weights, State state) {}

    /** Logits (N, L, vocab) and attention weights (N, L, U) of a decoded sequence. */
    public record Output(Tensor logits, Tensor weights) {}

    private final int vocabSize, embeddingDim, hidden, layers, contextDim;
    private final int sosId, eosId, padId;
    private final Embedding embedding;
    private final LSTM rnn;
    private final Attention attention;
    private final Sequential characterDistribution;
    private final Dropout dropout;

    /**
     * @param contextDim width D of the listener states
     * @param attention  attention with query width {@code hidden} and value width {@code contextDim}
     * @param dropout    drop probability of the MLP input in training, in [0, 1); {@code g} also draws its masks
     */
    public Speller(int vocabSize, int embeddingDim, int hidden, int layers, int contextDim, Attention attention,
                   int sosId, int eosId, int padId, float dropout, Generator g) {
        if (vocabSize <= 0 || embeddingDim <= 0 || hidden <= 0 || layers <= 0 || contextDim <= 0 || !(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("Speller: sizes must be positive and dropout in [0, 1), got vocab=" + vocabSize + ", embedding=" + embeddingDim
                    + ", hidden=" + hidden + ", layers=" + layers + ", context=" + contextDim + ", dropout=" + dropout);
        }
        for (int id : new int[] {sosId, eosId, padId}) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("Speller: <sos>/<eos>/<pad> ids must be in [0, " + vocabSize + "), got "
                        + sosId + "/" + eosId + "/" + padId);
            }
        }
        if (attention.queryDim() != hidden || attention.valueDim() != contextDim) {
            throw new IllegalArgumentException("Speller: attention must map queries of " + hidden + " and values of " + contextDim
                    + ", got " + attention.queryDim() + " and " + attention.valueDim());
        }
        this.vocabSize = vocabSize;
        this.embeddingDim = embeddingDim;
        this.hidden = hidden;
        this.layers = layers;
        this.contextDim = contextDim;
        this.sosId = sosId;
        this.eosId = eosId;
        this.padId = padId;
        this.embedding = child("embedding", new Embedding(vocabSize, embeddingDim, g));
        this.rnn = child("rnn", new LSTM(embeddingDim + contextDim, hidden, layers, g));
        this.attention = child("attention", attention);
        this.characterDistribution = child("character_distribution", new Sequential());
        Linear first = new Linear(hidden + contextDim, hidden, g);
        Activation relu = Activation.relu();
        Linear last = new Linear(hidden, vocabSize, g);
        characterDistribution.add(first, first::forward);
        characterDistribution.add(relu, relu::forward);
        characterDistribution.add(last, last::forward);
        this.dropout = child("dropout", new Dropout(dropout, g));
    }

    /** The state before the first character, for listener states (N, U, D) with their lengths. */
    public State initialState(Tensor listenerStates, int[] lengths) {
        Attention.Memory memory = attention.prepare(listenerStates, lengths);
        int n = memory.batch();
        Device d = listenerStates.device();
        return new State(new LSTMState(Tensor.zeros(DType.FLOAT32, d, layers, n, hidden), Tensor.zeros(DType.FLOAT32, d, layers, n, hidden)),
                Tensor.zeros(DType.FLOAT32, d, n, contextDim), Attention.initialWeights(memory), memory);
    }

    /** One character: previous tokens (N) int32 (ids in [0, vocab)) and the state to logits, weights and the next state. */
    public Step step(State state, Tensor prevToken) {
        int n = state.memory().batch();
        if (prevToken.dim() != 1 || prevToken.size(0) != n) {
            throw new IllegalArgumentException("Speller: expected previous tokens of shape [" + n + "], got "
                    + Arrays.toString(prevToken.shape()));
        }
        Tensor input = Tensor.cat(1, embedding.forward(prevToken), state.context());
        LSTM.Output o = rnn.step(input, state.rnn());
        Attention.Result att = attention.forward(o.output(), state.memory(), state.weights());
        Tensor logits = characterDistribution.forward(dropout.forward(Tensor.cat(1, o.output(), att.context())));
        traced(logits, prevToken);
        return new Step(logits, att.weights(), new State(o.state(), att.context(), att.weights(), state.memory()));
    }

    /**
     * Decodes the targets (N, L) int32: the characters to predict, ending with {@code <eos>} and
     * padded with {@code <pad>}. Step i is fed {@code <sos>} at i = 0 and then, with probability
     * {@code teacherForcingRatio} (one draw per step from {@code g}, for the whole batch), the true
     * character targets[:, i-1], else the model's own best guess argmax(logits_{i-1}) (no gradient
     * flows through that choice). {@code g} may be null when the ratio is 0 or 1.
     */
    public Output forward(Tensor listenerStates, int[] lengths, Tensor targets, float teacherForcingRatio, Generator g) {
        if (targets.dim() != 2 || targets.size(0) != listenerStates.size(0) || targets.size(1) < 1) {
            throw new IllegalArgumentException("Speller: expected targets of shape (N=" + listenerStates.size(0) + ", L >= 1), got "
                    + Arrays.toString(targets.shape()));
        }
        if (!(teacherForcingRatio >= 0f && teacherForcingRatio <= 1f)) {
            throw new IllegalArgumentException("Speller: teacher forcing ratio must be in [0, 1], got " + teacherForcingRatio);
        }
        int n = targets.size(0), len = targets.size(1);
        int[] tokens = targets.toIntArray();
        for (int t : tokens) {
            if (t < 0 || t >= vocabSize) throw new IllegalArgumentException("Speller: target id " + t + " is outside [0, " + vocabSize + ")");
        }
        State state = initialState(listenerStates, lengths);
        int[] start = new int[n];
        Arrays.fill(start, sosId);
        Tensor prev = Tensor.ofInts(start, n).to(listenerStates.device());
        Tensor[] logits = new Tensor[len], weights = new Tensor[len];
        for (int i = 0; i < len; i++) {
            Step s = step(state, prev);
            logits[i] = s.logits();
            weights[i] = s.weights();
            state = s.state();
            if (i + 1 < len) {
                boolean teacher = teacherForcingRatio >= 1f || (teacherForcingRatio > 0f && g.rand(1).item() < teacherForcingRatio);
                prev = teacher ? column(tokens, n, len, i).to(listenerStates.device()) : s.logits().detach().argmax(1, false);
            }
        }
        Tensor outLogits = Tensor.stack(1, logits);
        traced(outLogits, listenerStates);
        return new Output(outLogits, Tensor.stack(1, weights));
    }

    private static Tensor column(int[] tokens, int n, int len, int i) {
        int[] col = new int[n];
        for (int b = 0; b < n; b++) col[b] = tokens[b * len + i];
        return Tensor.ofInts(col, n);
    }

    public Attention attention() {
        return attention;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int sosId() {
        return sosId;
    }

    public int eosId() {
        return eosId;
    }

    public int padId() {
        return padId;
    }

    @Override
    protected String extraRepr() {
        return "vocab=" + vocabSize + ", embedding=" + embeddingDim + ", hidden=" + hidden + ", layers=" + layers
                + ", context=" + contextDim + ", sos=" + sosId + ", eos=" + eosId + ", pad=" + padId;
    }
}
