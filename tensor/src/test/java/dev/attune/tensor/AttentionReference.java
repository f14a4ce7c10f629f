package dev.attune.tensor;

import dev.attune.kernels.CounterRng;

/**
 * The fused-attention contract ({@code Backend.attention} / {@code attentionBackward}) written as
 * plain loops in double precision, the oracle of the CUDA kernels' tests. For head bh = b h + hh,
 * query row i and key j:
 * <pre>
 *   S_ij = scale (q_i . k_j + qPos_i . pos_j),  -inf where keyPadding[b, j]
 *   P_ij = exp(S_ij - lse_i),  lse_i = log sum_j exp(S_ij)   (-inf, P = 0 on a fully padded row)
 *   Z_ij = M_ij / (1 - p),  M_ij = [CounterRng.uniform(seed, counter + ((bh tq + i) tk + j)) < 1 - p]
 *   out_i = sum_j P_ij Z_ij v_j
 *   D_i = dO_i . out_i,  dS_ij = P_ij (Z_ij (dO_i . v_j) - D_i)
 *   gq_i = scale sum_j dS_ij k_j,  gqPos_i = scale sum_j dS_ij pos_j,  gv_j = sum_i P_ij Z_ij dO_i
 *   gk_j = scale sum_i dS_ij q_i,  gPos_j = scale sum_i dS_ij qPos_i  (summed over b when pBatch = 1)
 * </pre>
 * Operands are flat row-major arrays shaped as in the contract; keyPadding is (n, tk), 1 = padded.
 */
final class AttentionReference {
    private AttentionReference() {}

    /** The inputs of one attention call; qPos, pos and keyPadding may be null. */
    record Problem(int n, int h, int tq, int tk, int d, float[] q, float[] k, float[] v, float[] qPos, float[] pos, int pBatch,
                   int[] keyPadding, float scale, float dropoutP, long seed, long counter) {}

    record Forward(float[] out, float[] lse) {}

    /** Input gradients; gqPos and gPos are null without a position term. */
    record Grads(float[] gq, float[] gk, float[] gv, float[] gqPos, float[] gPos) {}

    /** Row i of head bh: P_ij in {@code p}, Z_ij in {@code z}; returns lse_i. */
    private static double row(Problem pr, int bh, int i, double[] p, double[] z) {
        int b = bh / pr.h, hh = bh % pr.h, d = pr.d, tk = pr.tk;
        int qRow = (bh * pr.tq + i) * d;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < tk; j++) {
            if (pr.keyPadding != null && pr.keyPadding[b * tk + j] != 0) {
                p[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            int kRow = (bh * tk + j) * d, pRow = (((pr.pBatch == 1 ? 0 : b) * pr.h + hh) * tk + j) * d;
            double dot = 0;
            for (int c = 0; c < d; c++) {
                dot += (double) pr.q[qRow + c] * pr.k[kRow + c];
                if (pr.pos != null) dot += (double) pr.qPos[qRow + c] * pr.pos[pRow + c];
            }
            p[j] = pr.scale * dot;
            max = Math.max(max, p[j]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(p, 0, tk, 0);
            java.util.Arrays.fill(z, 0, tk, 0);
            return Double.NEGATIVE_INFINITY;
        }
        double sum = 0;
        for (int j = 0; j < tk; j++) sum += Math.exp(p[j] - max);
        double lse = max + Math.log(sum);
        float keep = 1f - pr.dropoutP, inv = 1f / keep;  // rounded as the Java and CUDA callers round them
        for (int j = 0; j < tk; j++) {
            p[j] = Math.exp(p[j] - lse);
            long flat = ((long) bh * pr.tq + i) * tk + j;
            boolean kept = CounterRng.uniform(pr.seed, pr.counter + flat) < keep;
            z[j] = kept ? inv : 0;
        }
        return lse;
    }

    static Forward forward(Problem pr) {
        int heads = pr.n * pr.h, d = pr.d;
        float[] out = new float[heads * pr.tq * d], lse = new float[heads * pr.tq];
        double[] p = new double[pr.tk], z = new double[pr.tk];
        for (int bh = 0; bh < heads; bh++) {
            for (int i = 0; i < pr.tq; i++) {
                lse[bh * pr.tq + i] = (float) row(pr, bh, i, p, z);
                int qRow = (bh * pr.tq + i) * d;
                for (int c = 0; c < d; c++) {
                    double o = 0;
                    for (int j = 0; j < pr.tk; j++) o += p[j] * z[j] * pr.v[(bh * pr.tk + j) * d + c];
                    out[qRow + c] = (float) o;
                }
            }
        }
        return new Forward(out, lse);
    }

    static Grads backward(Problem pr, float[] gOut) {
        int heads = pr.n * pr.h, d = pr.d, tq = pr.tq, tk = pr.tk;
        double[] gq = new double[heads * tq * d], gk = new double[heads * tk * d], gv = new double[heads * tk * d];
        double[] gqPos = pr.pos == null ? null : new double[heads * tq * d];
        double[] gPos = pr.pos == null ? null : new double[pr.pBatch * pr.h * tk * d];
        double[] p = new double[tk], z = new double[tk];
        for (int bh = 0; bh < heads; bh++) {
            int b = bh / pr.h, hh = bh % pr.h;
            for (int i = 0; i < tq; i++) {
                row(pr, bh, i, p, z);
                int qRow = (bh * tq + i) * d;
                double dRow = 0;
                for (int c = 0; c < d; c++) {
                    double o = 0;
                    for (int j = 0; j < tk; j++) o += p[j] * z[j] * pr.v[(bh * tk + j) * d + c];
                    dRow += gOut[qRow + c] * o;
                }
                for (int j = 0; j < tk; j++) {
                    int kRow = (bh * tk + j) * d, pRow = (((pr.pBatch == 1 ? 0 : b) * pr.h + hh) * tk + j) * d;
                    double dov = 0;
                    for (int c = 0; c < d; c++) dov += gOut[qRow + c] * (double) pr.v[kRow + c];
                    double ds = p[j] * (z[j] * dov - dRow) * pr.scale;
                    for (int c = 0; c < d; c++) {
                        gq[qRow + c] += ds * pr.k[kRow + c];
                        gk[kRow + c] += ds * pr.q[qRow + c];
                        gv[kRow + c] += p[j] * z[j] * gOut[qRow + c];
                        if (gqPos != null) {
                            gqPos[qRow + c] += ds * pr.pos[pRow + c];
                            gPos[pRow + c] += ds * pr.qPos[qRow + c];
                        }
                    }
                }
            }
        }
        return new Grads(toFloat(gq), toFloat(gk), toFloat(gv), toFloat(gqPos), toFloat(gPos));
    }

    private static float[] toFloat(double[] a) {
        if (a == null) return null;
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
