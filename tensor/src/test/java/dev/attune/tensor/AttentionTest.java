package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link F#attention}: values against a scalar loop of the stated math, gradients, and argument checks. */
class AttentionTest {

    /** The math of F.attention written as plain loops (no dropout). */
    static float[] reference(float[] q, float[] k, float[] v, float[] qp, float[] p, int pBatch, boolean[] pad,
                             int n, int h, int tq, int tk, int d, float scale) {
        float[] out = new float[n * h * tq * d];
        for (int b = 0; b < n; b++) for (int hh = 0; hh < h; hh++) for (int i = 0; i < tq; i++) {
            int qRow = ((b * h + hh) * tq + i) * d;
            double[] s = new double[tk];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < tk; j++) {
                if (pad != null && pad[b * tk + j]) { s[j] = Double.NEGATIVE_INFINITY; continue; }
                int kRow = ((b * h + hh) * tk + j) * d;
                int pRow = (((pBatch == 1 ? 0 : b) * h + hh) * tk + j) * d;
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    dot += q[qRow + c] * k[kRow + c];
                    if (qp != null) dot += qp[qRow + c] * p[pRow + c];
                }
                s[j] = scale * dot;
                max = Math.max(max, s[j]);
            }
            if (max == Double.NEGATIVE_INFINITY) continue;  // every key padded: zero output
            double sum = 0;
            for (int j = 0; j < tk; j++) sum += s[j] = Math.exp(s[j] - max);
            for (int j = 0; j < tk; j++) {
                int kRow = ((b * h + hh) * tk + j) * d;
                for (int c = 0; c < d; c++) out[qRow + c] += (float) (s[j] / sum * v[kRow + c]);
            }
        }
        return out;
    }

    @Test
    void matchesTheLoopWithPositionTermAndPadding() {
        int n = 2, h = 3, tq = 5, tk = 7, d = 4;
        Tensor q = Check.randn(1, n, h, tq, d), k = Check.randn(2, n, h, tk, d), v = Check.randn(3, n, h, tk, d);
        Tensor qp = Check.randn(4, n, h, tq, d), p = Check.randn(5, 1, h, tk, d);
        boolean[] pad = new boolean[n * tk];
        pad[tk - 1] = pad[tk - 2] = true;                  // utterance 0 is two keys shorter
        for (int j = 0; j < tk; j++) pad[tk + j] = true;   // utterance 1 has no keys at all
        Tensor padding = Tensor.ofBools(pad, n, tk);
        float scale = 0.5f;
        Tensor out = F.attention(q, k, v, qp, p, padding, scale, 0f, null);
        Check.close(reference(q.toFloatArray(), k.toFloatArray(), v.toFloatArray(), qp.toFloatArray(), p.toFloatArray(), 1, pad,
                n, h, tq, tk, d, scale), out, 1e-5);
        Tensor plain = F.attention(q, k, v, null, null, null, scale, 0f, null);
        Check.close(reference(q.toFloatArray(), k.toFloatArray(), v.toFloatArray(), null, null, 1, null, n, h, tq, tk, d, scale),
                plain, 1e-5);
    }

    @Test
    void gradientsOfEveryInput() {
        int n = 2, h = 2, tq = 3, tk = 4, d = 3;
        Tensor padding = Tensor.ofBools(new boolean[] {false, false, false, true, false, false, false, false}, n, tk);
        Check.grad(in -> F.attention(in[0], in[1], in[2], in[3], in[4], padding, 0.7f, 0f, null),
                Check.randn(11, n, h, tq, d), Check.randn(12, n, h, tk, d), Check.randn(13, n, h, tk, d),
                Check.randn(14, n, h, tq, d), Check.randn(15, n, h, tk, d));
    }

    @Test
    void dropoutOneZeroesTheOutputAndZeroKeepsIt() {
        Tensor q = Check.randn(1, 1, 1, 2, 2), k = Check.randn(2, 1, 1, 3, 2), v = Check.randn(3, 1, 1, 3, 2);
        Check.close(new float[4], F.attention(q, k, v, null, null, null, 1f, 1f, new Generator(7)), 0);
        Check.close(F.attention(q, k, v, null, null, null, 1f, 0f, null).toFloatArray(),
                F.attention(q, k, v, null, null, null, 1f, 0f, new Generator(7)), 0);
    }

    @Test
    void badShapesNameTheOpAndTheShapes() {
        Tensor q = Check.randn(1, 1, 2, 3, 4), k = Check.randn(2, 1, 2, 5, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> F.attention(q, k, Check.randn(3, 1, 2, 5, 3), null, null, null, 1f, 0f, null));
        assertTrue(e.getMessage().startsWith("attention:") && e.getMessage().contains("[1, 2, 5, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> F.attention(q, k, k, q, null, null, 1f, 0f, null));
        assertTrue(e.getMessage().contains("qPos and pos come together"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> F.attention(q, k, k, null, null, Tensor.ofBools(new boolean[4], 1, 4), 1f, 0f, null));
        assertTrue(e.getMessage().contains("keyPadding must be bool (1, 5)"), e.getMessage());
    }
}
