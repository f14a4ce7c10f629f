package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.kernels.DType;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ElementwiseTest {
    private static final float[] XS = {-2.5f, -1f, -0.3f, 0.2f, 0.7f, 1.5f, 3f};

    private static void unaryMatches(UnaryOperator<Tensor> op, DoubleUnaryOperator reference, float[] xs) {
        float[] expected = new float[xs.length];
        for (int k = 0; k < xs.length; k++) expected[k] = (float) reference.applyAsDouble(xs[k]);
        Check.close(expected, op.apply(Tensor.of(xs)), 2e-6);
    }

    @Test
    void unaryForwardValues() {
        float[] pos = {0.1f, 0.5f, 1f, 2f, 7.5f};
        unaryMatches(Tensor::neg, x -> -x, XS);
        unaryMatches(Tensor::exp, Math::exp, XS);
        unaryMatches(Tensor::log, Math::log, pos);
        unaryMatches(Tensor::sqrt, Math::sqrt, pos);
        unaryMatches(Tensor::rsqrt, x -> 1 / Math.sqrt(x), pos);
        unaryMatches(Tensor::abs, Math::abs, XS);
        unaryMatches(Tensor::tanh, Math::tanh, XS);
        unaryMatches(Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), XS);
        unaryMatches(Tensor::relu, x -> Math.max(0, x), XS);
        unaryMatches(Tensor::silu, x -> x / (1 + Math.exp(-x)), XS);
        unaryMatches(t -> t.pow(3f), x -> x * x * x, XS);
        unaryMatches(t -> t.clamp(-1f, 1f), x -> Math.max(-1, Math.min(1, x)), XS);
        unaryMatches(t -> t.mul(2f).add(1f), x -> 2 * x + 1, XS);
        unaryMatches(t -> t.div(4f).sub(1f), x -> x / 4 - 1, XS);
    }

    @Test
    void geluMatchesKnownValues() {
        // torch.nn.functional.gelu (exact, erf form) at these points, printed by PyTorch 1.13.
        Check.close(new float[] {-0.01552418f, -0.1586553f, 0f, 0.3457312f, 1.9545f},
                Tensor.of(-2.5f, -1f, 0f, 0.5f, 2f).gelu(), 1e-6);
    }

    @Test
    void sigmoidIsStableForLargeInputs() {
        Check.close(new float[] {0f, 1f, 0.5f}, Tensor.of(-200f, 200f, 0f).sigmoid(), 0);
    }

    @Test
    void vectorAndScalarPathsAgreeOnLongInputs() {
        // 1000 elements cross the vector loop, the tail, and the parallel split.
        Tensor x = Check.randn(7, 1000);
        float[] v = x.toFloatArray();
        float[] relu = x.relu().toFloatArray(), aff = x.mul(1.5f).add(-0.25f).toFloatArray();
        for (int k = 0; k < v.length; k++) {
            assertEquals(Math.max(0, v[k]), relu[k], 0f);
            assertEquals(Math.fma(v[k], 1.5f, -0.25f), aff[k], 1e-6f);
        }
    }

    @Test
    void vectorisedTranscendentalsMatchTheScalarDefinitions() {
        // 1003 elements: vector lanes, the scalar tail, and the parallel split all take part.
        float[] v = Check.randn(9, 1003).mul(4f).toFloatArray();
        Tensor x = Tensor.of(v);
        float[] exp = x.exp().toFloatArray(), tanh = x.tanh().toFloatArray(), sig = x.sigmoid().toFloatArray(),
                silu = x.silu().toFloatArray(), log = x.abs().add(0.1f).log().toFloatArray();
        for (int k = 0; k < v.length; k++) {
            assertEquals(Math.exp(v[k]), exp[k], 2e-6 * Math.exp(v[k]));
            assertEquals(Math.tanh(v[k]), tanh[k], 2e-6);
            assertEquals(1 / (1 + Math.exp(-v[k])), sig[k], 2e-6);
            assertEquals(v[k] / (1 + Math.exp(-v[k])), silu[k], 2e-6 * (1 + Math.abs(v[k])));
            assertEquals(Math.log(Math.abs(v[k]) + 0.1f), log[k], 2e-6);
        }
    }

    @Test
    void unaryGradients() {
        Tensor x = Tensor.of(XS), pos = Tensor.of(0.3f, 0.9f, 1.7f, 4f);
        Check.grad(in -> in[0].neg(), x);
        Check.grad(in -> in[0].exp(), x);
        Check.grad(in -> in[0].log(), pos);
        Check.grad(in -> in[0].sqrt(), pos);
        Check.grad(in -> in[0].rsqrt(), pos);
        Check.grad(in -> in[0].abs(), x);
        Check.grad(in -> in[0].tanh(), x);
        Check.grad(in -> in[0].sigmoid(), x);
        Check.grad(in -> in[0].relu(), x);
        Check.grad(in -> in[0].silu(), x);
        Check.grad(in -> in[0].gelu(), x);
        Check.grad(in -> in[0].pow(3f), x);
        Check.grad(in -> in[0].pow(0.5f), pos);
        Check.grad(in -> in[0].clamp(-0.9f, 1.2f), x);   // bounds away from the samples: the kink has no central difference
        Check.grad(in -> in[0].mul(-3f).add(2f), x);
    }

    @Test
    void binaryOpsBroadcastLikePyTorch() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor row = Tensor.of(10f, 20f, 30f);
        Tensor col = Tensor.of(new float[] {100, 200}, 2, 1);
        Check.close(new float[] {11, 22, 33, 14, 25, 36}, a.add(row), 0);
        Check.close(new float[] {101, 102, 103, 204, 205, 206}, a.add(col), 0);
        Check.close(new float[] {-9, -18, -27, -6, -15, -24}, a.sub(row), 0);
        Check.close(new float[] {100, 200, 300, 800, 1000, 1200}, a.mul(col), 0);
        Check.close(new float[] {0.1f, 0.1f, 0.1f, 0.4f, 0.25f, 0.2f}, a.div(row), 1e-7);
        Check.close(new float[] {1, 4, 9, 16, 25, 36}, a.pow(Tensor.scalar(2f)), 1e-7);
        Check.close(new float[] {3, 3, 3, 4, 5, 6}, a.maximum(Tensor.scalar(3f)), 0);
        Check.close(new float[] {1, 2, 3, 3, 3, 3}, a.minimum(Tensor.scalar(3f)), 0);
        Tensor outer = col.add(row);                     // (2,1) + (3) -> (2,3)
        Check.shape(outer, 2, 3);
        Check.close(new float[] {110, 120, 130, 210, 220, 230}, outer, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.of(1f, 2f)));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2]"),
                e.getMessage());
    }

    @Test
    void binaryOpsOnNonContiguousViews() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t();   // (3,2) strided
        Tensor b = Tensor.of(new float[] {1, 1, 2, 2, 3, 3}, 3, 2);
        Check.close(new float[] {1, 4, 4, 10, 9, 18}, a.mul(b), 0);
    }

    @Test
    void binaryGradientsReduceOverBroadcastDims() {
        Tensor a = Check.randn(1, 2, 3), row = Check.randn(2, 3), col = Check.randn(3, 2, 1);
        Check.grad(in -> in[0].add(in[1]), a, row);
        Check.grad(in -> in[0].sub(in[1]), a, col);
        Check.grad(in -> in[0].mul(in[1]), a, row);
        Check.grad(in -> in[0].div(in[1].abs().add(0.5f)), a, col);
        Check.grad(in -> in[0].abs().add(0.5f).pow(in[1]), a, row);
        Check.grad(in -> in[0].maximum(in[1]), a, row);
        Check.grad(in -> in[0].minimum(in[1]), a, col);
    }

    @Test
    void comparisonsGiveBoolAndWhereSelects() {
        Tensor a = Tensor.of(1f, 2f, 3f), b = Tensor.of(3f, 2f, 1f);
        Tensor lt = a.lt(b);
        assertEquals(DType.BOOL, lt.dtype());
        assertArrayEquals(new int[] {1, 0, 0}, lt.toIntArray());
        assertArrayEquals(new int[] {0, 1, 0}, a.eq(b).toIntArray());
        assertArrayEquals(new int[] {1, 0, 1}, a.ne(b).toIntArray());
        assertArrayEquals(new int[] {1, 1, 0}, a.le(b).toIntArray());
        assertArrayEquals(new int[] {0, 0, 1}, a.gt(b).toIntArray());
        assertArrayEquals(new int[] {0, 1, 1}, a.ge(b).toIntArray());
        assertArrayEquals(new int[] {0, 0, 1}, a.gt(2f).toIntArray());
        Check.close(new float[] {1, 2, 1}, Tensor.where(lt, a, b), 0);
        Check.close(new float[] {-1, 2, 3}, a.maskedFill(Tensor.ofBools(new boolean[] {true, false, false}, 3), -1f), 0);
        assertThrows(IllegalArgumentException.class, () -> Tensor.where(a, a, b));
    }

    @Test
    void whereAndMaskedFillGradients() {
        Tensor mask = Tensor.ofBools(new boolean[] {true, false, true, false, false, true}, 2, 3);
        Tensor a = Check.randn(4, 2, 3), b = Check.randn(5, 3);
        Check.grad(in -> Tensor.where(mask, in[0], in[1]), a, b);
        Check.grad(in -> in[0].maskedFill(mask, 0f), a);
    }

    @Test
    void integerOperandsArePromotedToFloat() {
        Tensor i = Tensor.ofInts(new int[] {1, 2, 3}, 3);
        Tensor r = i.add(Tensor.of(0.5f, 0.5f, 0.5f));
        assertEquals(DType.FLOAT32, r.dtype());
        Check.close(new float[] {1.5f, 2.5f, 3.5f}, r, 0);
        assertArrayEquals(new int[] {1, -2, 3}, Tensor.of(1.9f, -2.7f, 3.2f).to(DType.INT32).toIntArray());
    }
}
