package dev.attune.nn.las;

import dev.attune.nn.Linear;
import dev.attune.tensor.F;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Decoding a trained {@link Las} without targets, one character at a time with {@link Speller#step},
 * in evaluation mode and without gradients. The log-probability of a hypothesis y_1..y_L
 * (ending with {@code <eos>} unless cut by the length limit) is
 * {@code log p(y|x) = sum_i log softmax(logits_i)[y_i]}.
 * <ul>
 *   <li>{@link #greedy}: each utterance of a batch takes the most probable character at every
 *       step, until {@code <eos>} or {@code maxLength} characters.</li>
 *   <li>{@link #beamSearch}: keeps the {@code beamWidth} most probable prefixes of one utterance
 *       (all hypotheses run as one batch, following their parents with {@link Speller.State#select}).
 *       At each step every live prefix is extended by every character; the best {@code beamWidth}
 *       extensions are kept, those ending in {@code <eos>} leave the beam as ended hypotheses.
 *       Search stops when nothing is live, after {@code maxLength} characters, or when no live
 *       prefix can beat the best ended hypothesis any more (see {@link #search}). The result is the
 *       ended hypothesis of highest {@link Hypothesis#score}: log p divided by {@code length^alpha}
 *       (length normalisation; alpha 0 ranks by log p alone, which favours short outputs); only
 *       when none ended, the best prefix cut at the limit. With width 1 the kept extension is
 *       always the argmax, so it equals greedy.</li>
 *   <li>Joint CTC/attention beam search ({@link #beamSearch(Las, Linear, double, Tensor, int, int, double)},
 *       Watanabe et al. 2017): a CTC head (a linear layer from listener states to the vocabulary,
 *       trained jointly, {@code <pad>} the blank) gives CTC log-probabilities over the listener
 *       states, and every prefix h is ranked by
 *       {@code (1 - lambda) log p_att(h) + lambda log p_ctc(h...)}, where p_ctc(h...) is its CTC
 *       prefix probability ({@link CtcPrefixScorer}), computed incrementally per hypothesis; when
 *       {@code <eos>} ends h, the full CTC probability log p_ctc(h) takes its place. CTC must
 *       account for every listener state, so it penalises a hypothesis that drops or repeats
 *       words, which attention alone may prefer; but a transcript with more letters than CTC fits
 *       into the states (one per letter, two for a doubled one) gets probability 0 and is cut
 *       short. The same search, with the same stop rule (both terms only fall as a prefix grows)
 *       and length normalisation of the joint score; lambda 0 is attention alone, lambda 1 CTC alone.</li>
 * </ul>
 */
public final class Decoder {
    /** The length-normalisation exponent of {@code eval las} and {@code decode las} unless told otherwise (see the nn README for the measurement). */
    public static final double DEFAULT_ALPHA = 1.0;

    private Decoder() {}

    /**
     * A decoded character sequence.
     *
     * @param tokens    the character ids, without {@code <eos>}
     * @param logProb   log p of the tokens and, when {@code ended}, of the final {@code <eos>};
     *                  with joint CTC/attention decoding the joint score of the same
     * @param ended     whether the hypothesis emitted {@code <eos>} (false: cut at the length limit)
     * @param alignment attention weights, one row per emitted symbol ({@code <eos>} included) over
     *                  the utterance's valid listener states
     */
    public record Hypothesis(int[] tokens, double logProb, boolean ended, float[][] alignment) {
        /** The emitted symbols, {@code <eos>} included: the length used by length normalisation. */
        public int length() {
            return tokens.length + (ended ? 1 : 0);
        }

        /** {@code logProb / length^alpha}. */
        public double score(double alpha) {
            return alpha == 0 ? logProb : logProb / Math.pow(Math.max(1, length()), alpha);
        }

        /** The text of {@link CharVocab} ids. */
        public String text() {
            return CharVocab.decode(tokens);
        }
    }

    /** Greedy decoding of a batch: frames (N, T, inputDim) with lengths (null: all T), at most {@code maxLength} symbols each. */
    public static List<Hypothesis> greedy(Las las, Tensor x, int[] lengths, int maxLength) {
        checkMaxLength("greedy", maxLength);
        Speller speller = las.speller();
        boolean wasTraining = las.isTraining();
        las.eval();
        try (GradMode _ = GradMode.noGrad()) {
            Encoded h = las.listen(x, lengths);
            int n = h.values().size(0), u = h.values().size(1);
            Speller.State state = speller.initialState(h.values(), h.lengths());
            int[] prev = new int[n];
            Arrays.fill(prev, speller.sosId());
            List<List<Integer>> tokens = new ArrayList<>();
            List<List<float[]>> rows = new ArrayList<>();
            for (int b = 0; b < n; b++) {
                tokens.add(new ArrayList<>());
                rows.add(new ArrayList<>());
            }
            double[] logp = new double[n];
            boolean[] ended = new boolean[n];
            int live = n;
            for (int i = 0; i < maxLength && live > 0; i++) {
                Speller.Step s = speller.step(state, Tensor.ofInts(prev, n).to(h.values().device()));
                float[] lp = F.logSoftmax(s.logits(), 1).toFloatArray();
                float[] w = s.weights().toFloatArray();
                int vocab = speller.vocabSize();
                for (int b = 0; b < n; b++) {
                    if (ended[b]) continue;
                    int best = argmax(lp, b * vocab, vocab);
                    logp[b] += lp[b * vocab + best];
                    rows.get(b).add(Arrays.copyOfRange(w, b * u, b * u + h.lengths()[b]));
                    if (best == speller.eosId()) {
                        ended[b] = true;
                        live--;
                    } else {
                        tokens.get(b).add(best);
                    }
                    prev[b] = best;
                }
                state = s.state();
            }
            List<Hypothesis> out = new ArrayList<>(n);
            for (int b = 0; b < n; b++) {
                out.add(new Hypothesis(tokens.get(b).stream().mapToInt(Integer::intValue).toArray(), logp[b], ended[b],
                        rows.get(b).toArray(new float[0][])));
            }
            return out;
        } finally {
            if (wasTraining) las.train();
        }
    }

    /**
     * What beam search needs from a model, one step at a time, so that the search itself can be
     * read (and tested) apart from {@link Speller}. The live hypotheses are the rows of a batch.
     */
    interface Stepper {
        /**
         * Feeds each live hypothesis its previous symbol ({@code <sos>} at the first step) and
         * returns the log-probabilities of its next symbol, (rows, vocab) flattened.
         */
        float[] step(int[] previous);

        /** The attention weights of the last step of row {@code row} (empty when the model has none). */
        float[] weights(int row);

        /** Keeps the rows {@code rows} of the last step, in that order, as the next live hypotheses. */
        void select(int[] rows);
    }

    /**
     * Beam search over one utterance: frames (1, T, inputDim), width {@code beamWidth},
     * at most {@code maxLength} symbols, length-normalisation exponent {@code alpha} (see the class doc).
     */
    public static Hypothesis beamSearch(Las las, Tensor x, int beamWidth, int maxLength, double alpha) {
        return beamSearch(las, null, 0, x, beamWidth, maxLength, alpha);
    }

    /**
     * Joint CTC/attention beam search over one utterance (see the class doc): prefixes ranked by
     * {@code (1 - ctcWeight) log p_att + ctcWeight log p_ctc}, CTC log-probabilities from
     * {@code ctcHead} over the listener states ({@code <pad>} the blank). {@code ctcHead} may be
     * null only when {@code ctcWeight} is 0, which is {@link #beamSearch(Las, Tensor, int, int, double)}.
     */
    public static Hypothesis beamSearch(Las las, Linear ctcHead, double ctcWeight, Tensor x, int beamWidth, int maxLength, double alpha) {
        checkMaxLength("beamSearch", maxLength);
        if (!(ctcWeight >= 0 && ctcWeight <= 1)) {
            throw new IllegalArgumentException("Decoder.beamSearch: the CTC weight must be in [0, 1], got " + ctcWeight);
        }
        if (ctcHead == null && ctcWeight > 0) {
            throw new IllegalArgumentException("Decoder.beamSearch: a CTC weight of " + ctcWeight + " needs a CTC head, got none");
        }
        if (beamWidth < 1) throw new IllegalArgumentException("Decoder.beamSearch: beam width must be >= 1, got " + beamWidth);
        if (!(alpha >= 0)) throw new IllegalArgumentException("Decoder.beamSearch: length-normalisation exponent must be >= 0, got " + alpha);
        if (x.dim() != 3 || x.size(0) != 1) {
            throw new IllegalArgumentException("Decoder.beamSearch: expected one utterance of shape (1, T, D), got " + Arrays.toString(x.shape()));
        }
        Speller speller = las.speller();
        boolean wasTraining = las.isTraining();
        las.eval();
        try (GradMode _ = GradMode.noGrad()) {
            Encoded h = las.listen(x, null);
            int u = h.lengths()[0];
            CtcPrefixScorer ctc = null;
            if (ctcHead != null) {
                int d = h.values().size(2), in = ctcHead.weight().value().size(1), out = ctcHead.weight().value().size(0);
                if (in != d || out != speller.vocabSize()) {
                    throw new IllegalArgumentException("Decoder.beamSearch: the CTC head maps " + in + " to " + out + " features, expected listener width "
                            + d + " to the vocabulary's " + speller.vocabSize());
                }
                ctc = new CtcPrefixScorer(F.logSoftmax(ctcHead.forward(h.values()), 2).toFloatArray(), u, out, las.config().padId());
            }
            Speller.State[] state = {speller.initialState(h.values(), h.lengths()), null};   // current, after the last step
            float[][] weights = new float[1][];
            Stepper stepper = new Stepper() {
                @Override
                public float[] step(int[] previous) {
                    Speller.Step s = speller.step(state[0], Tensor.ofInts(previous, previous.length).to(h.values().device()));
                    state[1] = s.state();
                    weights[0] = s.weights().toFloatArray();
                    return F.logSoftmax(s.logits(), 1).toFloatArray();
                }

                @Override
                public float[] weights(int row) {
                    return Arrays.copyOfRange(weights[0], row * u, (row + 1) * u);
                }

                @Override
                public void select(int[] rows) {
                    state[0] = state[1].select(rows);
                }
            };
            return search(stepper, ctc, ctcWeight, speller.vocabSize(), speller.sosId(), speller.eosId(), beamWidth, maxLength, alpha);
        } finally {
            if (wasTraining) las.train();
        }
    }

    /** A live prefix: attention log p, its CTC prefix (null without CTC), the score that ranks it, attention rows. */
    private record Beam(int[] tokens, double attention, CtcPrefixScorer.Prefix ctc, double logProb, List<float[]> rows) {}

    private record Candidate(int parent, int token, double attention, double logProb) {}

    /** {@link #search(Stepper, CtcPrefixScorer, double, int, int, int, int, int, double)} by attention alone. */
    static Hypothesis search(Stepper stepper, int vocab, int sos, int eos, int beamWidth, int maxLength, double alpha) {
        return search(stepper, null, 0, vocab, sos, eos, beamWidth, maxLength, alpha);
    }

    /**
     * The search of {@link #beamSearch} over any {@link Stepper} (arguments already checked):
     * <ol>
     *   <li>every live prefix is extended by every symbol; of all extensions the best
     *       {@code beamWidth} by log p are kept; those ending in {@code <eos>} leave the beam as
     *       ended hypotheses, the others stay live (so the beam narrows as hypotheses end);</li>
     *   <li>the search stops when nothing is live, after {@code maxLength} symbols, or when no
     *       live prefix can still beat the best ended hypothesis: log p only falls as a prefix
     *       grows, so a prefix of log p {@code lp} ends with a score of at most
     *       {@code lp / maxLength^alpha}. It does not stop merely because {@code beamWidth}
     *       hypotheses have ended: short, improbable ones end early, and stopping there threw
     *       away the live, far more probable ones (beam 4 decoded FSDD worse than greedy);</li>
     *   <li>the result is the ended hypothesis of highest {@link Hypothesis#score}; prefixes cut
     *       at the length limit are candidates only when none ended (they lack the {@code <eos>}
     *       term, and a loop cut at the limit is no transcript).</li>
     * </ol>
     * With {@code ctc} (not null), "log p" above is the joint score
     * {@code (1 - ctcWeight) log p_att + ctcWeight psi} of {@link CtcPrefixScorer} (its full CTC
     * probability for an ended hypothesis) with {@code ctcWeight} in [0, 1]; it too only falls
     * as a prefix grows.
     */
    static Hypothesis search(Stepper stepper, CtcPrefixScorer ctc, double ctcWeight, int vocab, int sos, int eos, int beamWidth, int maxLength,
                             double alpha) {
        List<Beam> beams = List.of(new Beam(new int[0], 0.0, ctc == null ? null : ctc.initial(), 0.0, List.of()));
        int[] prev = {sos};
        Hypothesis best = null;
        double bound = Math.pow(maxLength, alpha);
        for (int i = 0; i < maxLength && !beams.isEmpty(); i++) {
            float[] lp = stepper.step(prev);
            List<Candidate> cands = new ArrayList<>(beams.size() * vocab);
            for (int b = 0; b < beams.size(); b++) {
                Beam bm = beams.get(b);
                double[] psi = ctc == null ? null : ctc.extensionScores(bm.ctc(), eos);
                for (int v = 0; v < vocab; v++) {
                    double att = bm.attention() + lp[b * vocab + v];
                    cands.add(new Candidate(b, v, att, psi == null ? att : (1 - ctcWeight) * att + ctcWeight * psi[v]));
                }
            }
            // best first; ties go to the earlier beam, then the lower id, so results are deterministic
            cands.sort(Comparator.comparingDouble(Candidate::logProb).reversed());
            List<Beam> next = new ArrayList<>();
            List<Integer> parents = new ArrayList<>();
            for (Candidate c : cands.subList(0, Math.min(beamWidth, cands.size()))) {
                Beam parent = beams.get(c.parent());
                List<float[]> rows = new ArrayList<>(parent.rows());
                rows.add(stepper.weights(c.parent()));
                if (c.token() == eos) {
                    Hypothesis h = new Hypothesis(parent.tokens(), c.logProb(), true, rows.toArray(new float[0][]));
                    if (best == null || h.score(alpha) > best.score(alpha)) best = h;
                } else {
                    int[] t = Arrays.copyOf(parent.tokens(), parent.tokens().length + 1);
                    t[t.length - 1] = c.token();
                    next.add(new Beam(t, c.attention(), ctc == null ? null : ctc.extend(parent.ctc(), c.token()), c.logProb(), rows));
                    parents.add(c.parent());
                }
            }
            // drop the prefixes that can no longer beat the best ended hypothesis
            List<Beam> live = new ArrayList<>();
            List<Integer> liveParents = new ArrayList<>();
            for (int j = 0; j < next.size(); j++) {
                if (best == null || next.get(j).logProb() / bound > best.score(alpha)) {
                    live.add(next.get(j));
                    liveParents.add(parents.get(j));
                }
            }
            beams = live;
            if (!live.isEmpty()) {
                stepper.select(liveParents.stream().mapToInt(Integer::intValue).toArray());
                prev = live.stream().mapToInt(bm -> bm.tokens()[bm.tokens().length - 1]).toArray();
            }
        }
        if (best == null) {
            for (Beam bm : beams) {
                Hypothesis h = new Hypothesis(bm.tokens(), bm.logProb(), false, bm.rows().toArray(new float[0][]));
                if (best == null || h.score(alpha) > best.score(alpha)) best = h;
            }
        }
        return best;
    }

    private static void checkMaxLength(String op, int maxLength) {
        if (maxLength < 1) throw new IllegalArgumentException("Decoder." + op + ": maxLength must be >= 1, got " + maxLength);
    }

    private static int argmax(float[] a, int from, int len) {
        int best = 0;
        for (int k = 1; k < len; k++) if (a[from + k] > a[from + best]) best = k;
        return best;
    }
}
