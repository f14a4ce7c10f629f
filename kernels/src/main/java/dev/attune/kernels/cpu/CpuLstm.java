package dev.attune.kernels.cpu;

import static dev.attune.kernels.cpu.VectorRows.S;
import static dev.attune.kernels.cpu.VectorRows.VL;

import dev.attune.kernels.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * The LSTM cell's pointwise part, forward and backward (the math is in {@code Backend.lstmCell}
 * and {@code Backend.lstmCellBackward}): one pass over each row's four gate blocks, vectors along
 * the hidden units with {@link VectorMath}'s sigmoid and tanh, the scalar definitions of
 * {@link CpuBackend} on each row's tail. Rows are split over threads; every element has one owner.
 */
final class CpuLstm {
    private CpuLstm() {}

    /** Rows per task: enough elements (4h per row) that a split pays for itself. */
    private static int grain(int h) {
        return Math.max(1, CpuBackend.GRAIN / Math.max(1, 4 * h));
    }

    static void forward(float[] gates, float[] c, int n, int h, float[] hNext, float[] cNext, float[] acts, float[] tanhC) {
        Parallel.forRange(n, grain(h), (lo, hi) -> {
            for (int r = lo; r < hi; r++) forwardRow(gates, c, r * 4 * h, r * h, h, hNext, cNext, acts, tanhC);
        });
    }

    /** One row: gates and acts from {@code gb} (blocks i, f, g, o of h each), the states from {@code sb}. */
    private static void forwardRow(float[] gates, float[] c, int gb, int sb, int h, float[] hNext, float[] cNext, float[] acts,
                                   float[] tanhC) {
        int fo = gb + h, go = gb + 2 * h, oo = gb + 3 * h;
        int j = 0;
        for (int bound = S.loopBound(h); j < bound; j += VL) {
            FloatVector i = VectorMath.sigmoid(FloatVector.fromArray(S, gates, gb + j));
            FloatVector f = VectorMath.sigmoid(FloatVector.fromArray(S, gates, fo + j));
            FloatVector g = VectorMath.tanh(FloatVector.fromArray(S, gates, go + j));
            FloatVector o = VectorMath.sigmoid(FloatVector.fromArray(S, gates, oo + j));
            FloatVector cn = c == null ? i.mul(g) : f.mul(FloatVector.fromArray(S, c, sb + j)).add(i.mul(g));
            FloatVector tc = VectorMath.tanh(cn);
            i.intoArray(acts, gb + j);
            f.intoArray(acts, fo + j);
            g.intoArray(acts, go + j);
            o.intoArray(acts, oo + j);
            cn.intoArray(cNext, sb + j);
            tc.intoArray(tanhC, sb + j);
            o.mul(tc).intoArray(hNext, sb + j);
        }
        for (; j < h; j++) {
            float i = CpuBackend.sigmoid(gates[gb + j]), f = CpuBackend.sigmoid(gates[fo + j]);
            float g = (float) Math.tanh(gates[go + j]), o = CpuBackend.sigmoid(gates[oo + j]);
            float cn = c == null ? i * g : f * c[sb + j] + i * g;
            float tc = (float) Math.tanh(cn);
            acts[gb + j] = i;
            acts[fo + j] = f;
            acts[go + j] = g;
            acts[oo + j] = o;
            cNext[sb + j] = cn;
            tanhC[sb + j] = tc;
            hNext[sb + j] = o * tc;
        }
    }

    static void backward(float[] acts, float[] tanhC, float[] c, float[] gH, float[] gC, int n, int h, float[] gGates,
                         float[] gCPrev) {
        Parallel.forRange(n, grain(h), (lo, hi) -> {
            for (int r = lo; r < hi; r++) backwardRow(acts, tanhC, c, gH, gC, r * 4 * h, r * h, h, gGates, gCPrev);
        });
    }

    private static void backwardRow(float[] acts, float[] tanhC, float[] c, float[] gH, float[] gC, int gb, int sb, int h,
                                    float[] gGates, float[] gCPrev) {
        int fo = gb + h, go = gb + 2 * h, oo = gb + 3 * h;
        FloatVector zero = FloatVector.zero(S), one = FloatVector.broadcast(S, 1f);
        int j = 0;
        for (int bound = S.loopBound(h); j < bound; j += VL) {
            FloatVector i = FloatVector.fromArray(S, acts, gb + j), f = FloatVector.fromArray(S, acts, fo + j);
            FloatVector g = FloatVector.fromArray(S, acts, go + j), o = FloatVector.fromArray(S, acts, oo + j);
            FloatVector tc = FloatVector.fromArray(S, tanhC, sb + j);
            FloatVector dh = gH == null ? zero : FloatVector.fromArray(S, gH, sb + j);
            FloatVector dc = gC == null ? zero : FloatVector.fromArray(S, gC, sb + j);
            dc = dc.add(dh.mul(o).mul(one.sub(tc.mul(tc))));
            FloatVector cp = c == null ? zero : FloatVector.fromArray(S, c, sb + j);
            dc.mul(g).mul(i.mul(one.sub(i))).intoArray(gGates, gb + j);
            dc.mul(cp).mul(f.mul(one.sub(f))).intoArray(gGates, fo + j);
            dc.mul(i).mul(one.sub(g.mul(g))).intoArray(gGates, go + j);
            dh.mul(tc).mul(o.mul(one.sub(o))).intoArray(gGates, oo + j);
            if (gCPrev != null) dc.mul(f).intoArray(gCPrev, sb + j);
        }
        for (; j < h; j++) {
            float i = acts[gb + j], f = acts[fo + j], g = acts[go + j], o = acts[oo + j], tc = tanhC[sb + j];
            float dh = gH == null ? 0f : gH[sb + j];
            float dc = (gC == null ? 0f : gC[sb + j]) + dh * o * (1f - tc * tc);
            float cp = c == null ? 0f : c[sb + j];
            gGates[gb + j] = dc * g * (i * (1f - i));
            gGates[fo + j] = dc * cp * (f * (1f - f));
            gGates[go + j] = dc * i * (1f - g * g);
            gGates[oo + j] = dh * tc * (o * (1f - o));
            if (gCPrev != null) gCPrev[sb + j] = dc * f;
        }
    }
}
