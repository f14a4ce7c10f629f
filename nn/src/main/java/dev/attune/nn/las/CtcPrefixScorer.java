package dev.attune.nn.las;

import java.util.Arrays;

/**
 * CTC prefix scores of one utterance, for joint CTC/attention decoding (Watanabe et al. 2017,
 * "Hybrid CTC/attention architecture for end-to-end speech recognition", Algorithm 2).
 *
 * <p>Input: CTC log-probabilities x_t(k) over T frames (here: listener states) and V symbols, one
 * of them the blank. For a prefix g (a label sequence, without {@code <sos>}) the forward
 * variables are gamma_t^n(g) and gamma_t^b(g): the log-probability that frames 0..t spell exactly
 * g and frame t is a non-blank (the last label of g) or a blank. For the empty prefix
 * gamma_t^n = -inf and gamma_t^b = sum_{tau &lt;= t} x_tau(blank). Extending g by a label c
 * (not the blank) gives h = g + c with
 * <pre>
 *   Phi_t        = gamma_{t-1}^b(g)                          if c is the last label of g
 *                  logaddexp(gamma_{t-1}^b(g), gamma_{t-1}^n(g))   otherwise       (t &gt;= 1)
 *   Phi_0        = 0 when g is empty, else -inf
 *   gamma_0^n(h) = Phi_0 + x_0(c),   gamma_0^b(h) = -inf
 *   gamma_t^n(h) = logaddexp(gamma_{t-1}^n(h), Phi_t) + x_t(c)
 *   gamma_t^b(h) = logaddexp(gamma_{t-1}^b(h), gamma_{t-1}^n(h)) + x_t(blank)
 *   psi(h)       = logsumexp_t (Phi_t + x_t(c))
 * </pre>
 * psi(h) is the prefix probability: the log-probability, summed over every frame t where the
 * label c of h is first emitted, that the frame labels begin by spelling h (whatever follows).
 * It only falls as the prefix grows. When {@code <eos>} ends g, the score is instead the full
 * CTC probability of g, {@code log p_ctc(g) = logaddexp(gamma_{T-1}^n(g), gamma_{T-1}^b(g))},
 * which equals {@code -CtcLoss} of g. Extending by the blank gets -inf, and so does every
 * extension of that.
 *
 * <p>-inf is the large finite number {@link #NEG_INF} (as in {@link dev.attune.nn.CtcLoss}), so a
 * zero CTC weight times it is exactly 0. Arithmetic is in double.
 */
public final class CtcPrefixScorer {
    /** Stands for log 0. */
    public static final double NEG_INF = -1e30;

    private final double[] x;   // (T, V) row-major
    private final int frames, vocab, blank;

    /**
     * A prefix with its forward variables over all frames and its prefix score.
     *
     * @param length   labels in the prefix
     * @param last     its last label, -1 when empty
     * @param nonBlank gamma_t^n for t = 0..T-1
     * @param blank    gamma_t^b for t = 0..T-1
     * @param score    psi: its prefix log-probability (0 for the empty prefix)
     */
    public record Prefix(int length, int last, double[] nonBlank, double[] blank, double score) {}

    /**
     * @param logProbs CTC log-probabilities, (frames, vocab) flattened row by row (a log-softmax per frame)
     * @param frames   T, at least 1
     * @param vocab    V
     * @param blank    the blank's id, in [0, V)
     */
    public CtcPrefixScorer(float[] logProbs, int frames, int vocab, int blank) {
        if (frames < 1 || vocab < 2 || logProbs.length < (long) frames * vocab) {
            throw new IllegalArgumentException("CtcPrefixScorer: expected at least 1 frame, 2 symbols and frames * vocab log-probabilities, got "
                    + frames + " frames, " + vocab + " symbols, " + logProbs.length + " values");
        }
        if (blank < 0 || blank >= vocab) throw new IllegalArgumentException("CtcPrefixScorer: blank must be in [0, " + vocab + "), got " + blank);
        this.frames = frames;
        this.vocab = vocab;
        this.blank = blank;
        this.x = new double[frames * vocab];
        for (int i = 0; i < x.length; i++) x[i] = Math.max(NEG_INF, logProbs[i]);
    }

    public int frames() {
        return frames;
    }

    /** The empty prefix. */
    public Prefix initial() {
        double[] n = new double[frames], b = new double[frames];
        Arrays.fill(n, NEG_INF);
        double sum = 0;
        for (int t = 0; t < frames; t++) b[t] = sum += x[t * vocab + blank];
        return new Prefix(0, -1, n, b, 0);
    }

    /**
     * The score of every one-symbol extension of {@code g}, indexed by symbol: psi(g + c) for a
     * label c, {@link #full} of g for {@code end} (the {@code <eos>} id, or -1 for none), and
     * {@link #NEG_INF} for the blank. Costs O(T V).
     */
    public double[] extensionScores(Prefix g, int end) {
        double[] phiSame = new double[frames], phiOther = new double[frames];
        phiSame[0] = phiOther[0] = g.length() == 0 ? 0 : NEG_INF;
        for (int t = 1; t < frames; t++) {
            phiSame[t] = g.blank()[t - 1];
            phiOther[t] = logAddExp(g.blank()[t - 1], g.nonBlank()[t - 1]);
        }
        double[] out = new double[vocab];
        double[] terms = new double[frames];
        for (int c = 0; c < vocab; c++) {
            if (c == blank) out[c] = NEG_INF;
            else if (c == end) out[c] = full(g);
            else {
                double[] phi = c == g.last() ? phiSame : phiOther;
                for (int t = 0; t < frames; t++) terms[t] = phi[t] + x[t * vocab + c];
                out[c] = logSumExp(terms);
            }
        }
        return out;
    }

    /**
     * The prefix g + c with its forward variables and psi. The blank as a label is impossible: its
     * prefix has every forward variable and psi at {@link #NEG_INF} (a search that ignores CTC,
     * weight 0, may still keep it).
     */
    public Prefix extend(Prefix g, int c) {
        if (c < 0 || c >= vocab) throw new IllegalArgumentException("CtcPrefixScorer.extend: the label must be in [0, " + vocab + "), got " + c);
        double[] n = new double[frames], b = new double[frames], terms = new double[frames];
        if (c == blank) {
            Arrays.fill(n, NEG_INF);
            Arrays.fill(b, NEG_INF);
            return new Prefix(g.length() + 1, c, n, b, NEG_INF);
        }
        double phi0 = g.length() == 0 ? 0 : NEG_INF;
        n[0] = phi0 + x[c];
        b[0] = NEG_INF;
        terms[0] = n[0];
        for (int t = 1; t < frames; t++) {
            double phi = c == g.last() ? g.blank()[t - 1] : logAddExp(g.blank()[t - 1], g.nonBlank()[t - 1]);
            double xc = x[t * vocab + c];
            n[t] = logAddExp(n[t - 1], phi) + xc;
            b[t] = logAddExp(b[t - 1], n[t - 1]) + x[t * vocab + blank];
            terms[t] = phi + xc;
        }
        return new Prefix(g.length() + 1, c, n, b, logSumExp(terms));
    }

    /** log p_ctc(g): the probability that the whole utterance spells exactly g. */
    public double full(Prefix g) {
        return logAddExp(g.nonBlank()[frames - 1], g.blank()[frames - 1]);
    }

    /** log(exp a + exp b), never below {@link #NEG_INF}. */
    static double logAddExp(double a, double b) {
        double m = Math.max(a, b);
        if (m <= NEG_INF) return NEG_INF;
        return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    }

    private static double logSumExp(double[] a) {
        double m = NEG_INF;
        for (double v : a) m = Math.max(m, v);
        if (m <= NEG_INF) return NEG_INF;
        double s = 0;
        for (double v : a) s += Math.exp(v - m);
        return m + Math.log(s);
    }
}
