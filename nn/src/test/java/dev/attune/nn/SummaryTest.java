package dev.attune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {
    @Test
    void rowsFollowTheCallTree() {
        TinyNet.Net net = new TinyNet.Net(1);
        Tensor x = new Generator(7).randn(2, 4);
        Summary s = Summary.of(net, () -> net.forward(x, null));
        List<String> rows = s.rows().stream()
                .map(r -> r.depth() + " " + r.name() + " " + r.type() + " " + Arrays.toString(r.outputShape()) + " " + r.parameters())
                .toList();
        assertEquals(List.of(
                "0  Net [2, 2] 39",
                "1 block Block [2, 2] 31",
                "2 block.proj Linear [2, 3] 15",
                "2 block.norm LayerNorm [2, 3] 6",
                "2 block.head Sequential [2, 2] 6",
                "3 block.head.0 Linear [2, 2] 6",
                "3 block.head.1 ReLU [2, 2] 0",
                "1 out Linear [2, 2] 6"), rows);
        assertEquals(39, s.totalParameters());
        assertEquals("""
                =================================================
                Layer (type)                 Output shape  Params
                =================================================
                Net                          [2, 2]            39
                  block (Block)              [2, 2]            31
                    block.proj (Linear)      [2, 3]            15
                    block.norm (LayerNorm)   [2, 3]             6
                    block.head (Sequential)  [2, 2]             6
                      block.head.0 (Linear)  [2, 2]             6
                      block.head.1 (ReLU)    [2, 2]             0
                  out (Linear)               [2, 2]             6
                =================================================
                Total params: 39
                =================================================""", s.toString());
        assertTrue(net.out.weight().value().grad() == null && net.isTraining(), "summary neither records gradients nor changes the mode");
    }

    @Test
    void hw4StyleStackAndRepeatedCalls() {
        Sequential seq = ModuleTest.hw4StyleSequential(new Generator(1));
        Summary s = Summary.of(seq, () -> seq.forward(Tensor.zeros(2, 5, 80)));
        assertEquals(List.of("", "0", "1", "2", "3"), s.rows().stream().map(Summary.Row::name).toList());
        assertArrayEquals(new int[] {2, 5, 256}, s.rows().get(1).outputShape());
        assertEquals(41_296, s.totalParameters());   // 80*256 + 256 + 256*80 + 80
        assertTrue(s.toString().contains("Total params: 41,296"), s.toString());

        // a forward that calls a child twice without going through the root: two outermost rows
        Linear first = (Linear) seq.get(0);
        Summary twice = Summary.of(seq, () -> first.forward(first.forward(Tensor.zeros(1, 80)).narrow(1, 0, 80)));
        assertEquals(List.of("0", "0"), twice.rows().stream().map(Summary.Row::name).toList());
        assertEquals(List.of(0, 0), twice.rows().stream().map(Summary.Row::depth).toList());
        assertEquals(41_296, twice.totalParameters());
    }
}
