package dev.attune.nn;

import dev.attune.tensor.Device;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * Connectionist temporal classification loss (Graves et al. 2006), as torch.nn.CTCLoss with
 * {@code reduction='none', zero_infinity=True}: the negative log-probability of a target
 * sequence summed over all its frame alignments.
 *
 * <p>Input: log-probabilities lp (N, T, V) (a log-softmax over V), each utterance's valid frames
 * T_n, and targets y_n = (y_1 .. y_L) (ids in [0, V), none equal to {@code blank}). With the
 * extended label z = (blank, y_1, blank, y_2, ..., y_L, blank) of S = 2L + 1 symbols:
 * <pre>
 *   alpha_0(0) = lp_0(blank),  alpha_0(1) = lp_0(y_1),  alpha_0(s) = -inf for s &gt;= 2
 *   alpha_t(s) = lp_t(z_s) + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2))
 *                (the s-2 term only where z_s != blank and z_s != z_{s-2})
 *   loss_n     = -logsumexp(alpha_{T_n-1}(S-1), alpha_{T_n-1}(S-2))
 * </pre>
 * The recursion runs on tensors (N, S_max) for the whole batch, so autograd gives the gradient
 * (the backward of logsumexp is the softmax of its arguments, which makes it the classic
 * alpha-beta posterior {@code d loss / d lp_t(k) = -sum_{s: z_s = k} alpha_t(s) beta_t(s) / p}).
 * -inf is a large finite negative number, so unreachable states carry exact zeros in backward.
 * An utterance that no alignment fits (T_n &lt; L + the number of repeated neighbours in y) gets
 * loss 0 and no gradient, as with torch's {@code zero_infinity}; {@link #feasible} tells which.
 * The result lives on the device of {@code logProbs}.
 */
public final class CtcLoss {
    private static final float NEG = -1e30f;

    private CtcLoss() {}

    /**
     * Per-utterance losses (N) of log-probabilities {@code logProbs} (N, T, V) with valid lengths
     * {@code inputLengths} (each in [1, T]) against {@code targets} (one id array per utterance).
     */
    public static Tensor forward(Tensor logProbs, int[] inputLengths, int[][] targets, int blank) {
        if (logProbs.dim() != 3) {
            throw new IllegalArgumentException("CtcLoss: expected log-probabilities of shape (N, T, V), got " + Arrays.toString(logProbs.shape()));
        }
        int n = logProbs.size(0), t = logProbs.size(1), v = logProbs.size(2);
        if (inputLengths.length != n || targets.length != n) {
            throw new IllegalArgumentException("CtcLoss: expected " + n + " input lengths and targets, got " + inputLengths.length + " and "
                    + targets.length);
        }
        if (blank < 0 || blank >= v) throw new IllegalArgumentException("CtcLoss: blank must be in [0, " + v + "), got " + blank);
        int s = 1;
        for (int b = 0; b < n; b++) {
            if (inputLengths[b] < 1 || inputLengths[b] > t) {
                throw new IllegalArgumentException("CtcLoss: input lengths must be in [1, T=" + t + "], got " + Arrays.toString(inputLengths));
            }
            for (int id : targets[b]) {
                if (id < 0 || id >= v || id == blank) {
                    throw new IllegalArgumentException("CtcLoss: target ids must be in [0, " + v + ") and not the blank " + blank + ", got " + id);
                }
            }
            s = Math.max(s, 2 * targets[b].length + 1);
        }
        // extended labels, padded with blanks; skip transitions s-2 -> s that are not allowed; read-out positions
        int[] z = new int[n * t * s];
        boolean[] noSkip = new boolean[n * s];
        int[] last = new int[n], beforeLast = new int[n];
        boolean[] single = new boolean[n], ok = new boolean[n];
        for (int b = 0; b < n; b++) {
            int[] ext = new int[s];
            Arrays.fill(ext, blank);
            for (int k = 0; k < targets[b].length; k++) ext[2 * k + 1] = targets[b][k];
            for (int u = 0; u < t; u++) System.arraycopy(ext, 0, z, (b * t + u) * s, s);
            for (int k = 0; k < s; k++) noSkip[b * s + k] = k < 2 || ext[k] == blank || ext[k] == ext[k - 2];
            int sb = 2 * targets[b].length + 1;
            last[b] = sb - 1;
            beforeLast[b] = Math.max(0, sb - 2);
            single[b] = sb == 1;
            ok[b] = feasible(inputLengths[b], targets[b]);
        }
        // index and mask tensors are built on the CPU and moved to where the log-probabilities live
        Device dev = logProbs.device();
        Tensor emissions = logProbs.gather(2, Tensor.ofInts(z, n, t, s).to(dev));   // (N, T, S): lp_t(z_s)
        Tensor[] e = LSTM.unbind(emissions.transpose(0, 1));
        Tensor skipMask = Tensor.ofBools(noSkip, n, s).to(dev);
        boolean[] start = new boolean[n * s];
        for (int b = 0; b < n; b++) {
            start[b * s] = true;
            if (s > 1) start[b * s + 1] = true;
        }
        Tensor alpha = e[0].maskedFill(Tensor.ofBools(not(start), n, s).to(dev), NEG);
        for (int u = 1; u < t; u++) {
            Tensor stay = alpha;
            Tensor next = alpha.pad(new int[] {1, 0}, NEG).narrow(1, 0, s);
            Tensor skip = alpha.pad(new int[] {2, 0}, NEG).narrow(1, 0, s).maskedFill(skipMask, NEG);
            Tensor updated = logSumExp(stay, next, skip).add(e[u]);
            boolean[] running = new boolean[n];
            boolean all = true;
            for (int b = 0; b < n; b++) all &= running[b] = u < inputLengths[b];
            alpha = all ? updated : Tensor.where(Tensor.ofBools(running, n, 1).to(dev), updated, alpha);
        }
        Tensor end = alpha.gather(1, Tensor.ofInts(last, n, 1).to(dev));
        Tensor endBlank = alpha.gather(1, Tensor.ofInts(beforeLast, n, 1).to(dev)).maskedFill(Tensor.ofBools(single, n, 1).to(dev), NEG);
        Tensor logLikelihood = logSumExp(end, endBlank, Tensor.full(NEG, n, 1).to(dev)).reshape(n);
        return Tensor.where(Tensor.ofBools(ok, n).to(dev), logLikelihood.neg(), Tensor.zeros(n).to(dev));
    }

    /** Whether some alignment of {@code frames} frames spells {@code target}: frames &gt;= L + repeated neighbours. */
    public static boolean feasible(int frames, int[] target) {
        int need = target.length;
        for (int k = 1; k < target.length; k++) if (target[k] == target[k - 1]) need++;
        return frames >= need;
    }

    /** Elementwise log(exp a + exp b + exp c), shifted by the (constant) maximum so nothing overflows. */
    private static Tensor logSumExp(Tensor a, Tensor b, Tensor c) {
        Tensor m = a.maximum(b).maximum(c).detach();
        return a.sub(m).exp().add(b.sub(m).exp()).add(c.sub(m).exp()).log().add(m);
    }

    private static boolean[] not(boolean[] x) {
        boolean[] out = new boolean[x.length];
        for (int k = 0; k < x.length; k++) out[k] = !x[k];
        return out;
    }
}
