package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class FormatTest {

    @Test
    void matrixLikePyTorch() {
        assertEquals("tensor([[ 0.1000, -2.0000],\n        [ 3.2500,  4.0000]], shape=[2, 2], dtype=float32, device=cpu)",
                Tensor.of(new float[] {0.1f, -2f, 3.25f, 4f}, 2, 2).toString());
    }

    @Test
    void integralFloatsIntsBoolsAndScalars() {
        assertEquals("tensor([1., 2., 3.], shape=[3], dtype=float32, device=cpu)", Tensor.of(1f, 2f, 3f).toString());
        assertEquals("tensor([ 1, -2], shape=[2], dtype=int32, device=cpu)", Tensor.ofInts(new int[] {1, -2}, 2).toString());
        assertEquals("tensor([ True, False], shape=[2], dtype=bool, device=cpu)",
                Tensor.ofBools(new boolean[] {true, false}, 2).toString());
        assertEquals("tensor(1.5000, shape=[], dtype=float32, device=cpu)", Tensor.scalar(1.5f).toString());
    }

    @Test
    void scientificWhenMagnitudesSpreadAndGradInfo() {
        String s = Tensor.of(1e-5f, 1f).requiresGrad(true).toString();
        assertEquals("tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=float32, device=cpu, requires_grad=true)", s);
        Tensor y = Tensor.of(1f).requiresGrad(true).mul(2f);
        assertTrue(y.toString().endsWith("grad_fn=<affine>)"), y.toString());
    }

    @Test
    void largeTensorsAreSummarised() {
        String s = Tensor.zeros(100, 100).toString();
        assertTrue(s.startsWith("tensor([[0., 0., 0., ..., 0., 0., 0.],\n        [0., 0., 0., ..., 0., 0., 0.],"), s);
        assertTrue(s.contains("...,\n"), s);
        assertTrue(s.length() < 600, "summary stays short: " + s.length());
        assertTrue(s.endsWith("shape=[100, 100], dtype=float32, device=cpu)"));
    }
}
