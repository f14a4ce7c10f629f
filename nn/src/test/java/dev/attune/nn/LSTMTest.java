package dev.attune.nn;

import static dev.attune.nn.RnnChecks.close;
import static dev.attune.nn.RnnChecks.get;
import static dev.attune.nn.RnnChecks.weightedSum;
import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.SafetensorsFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LSTM and LSTMCell against torch.nn.LSTM / LSTMCell (golden/lstm.py), central differences, and bad input. */
class LSTMTest {
    private static final double TOL = 1e-5;
    private static SafetensorsFile golden;

    @BeforeAll
    static void load() {
        golden = RnnChecks.golden("lstm.safetensors");
    }

    private static Tensor g(String name) {
        return get(golden, name);
    }

    private static Tensor leaf(String name) {
        return g(name).copy().requiresGrad(true);
    }

    private static void parameterGradsMatch(Module m, String goldenCase) {
        Map<String, Parameter> params = m.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            close(g(goldenCase + ".grad." + e.getKey()), e.getValue().grad(), TOL, "grad of " + e.getKey());
        }
    }

    @Test
    void bidirectionalBatchFirstWithLengthsMatchesPackedTorch() {
        LSTM lstm = new LSTM(5, 4, 2, true, true, 0f, true, new Generator(1));
        lstm.loadStateDict(RnnChecks.withPrefix(golden, "bi.w."), true);
        Tensor x = leaf("bi.x");
        LSTM.Output out = lstm.forward(x, null, g("bi.lengths").toIntArray());
        close(g("bi.y"), out.output(), TOL, "output");
        close(g("bi.hn"), out.state().h(), TOL, "h_n");
        close(g("bi.cn"), out.state().c(), TOL, "c_n");
        weightedSum(out.output(), g("bi.gy"), out.state().h(), g("bi.ghn"), out.state().c(), g("bi.gcn")).backward();
        close(g("bi.grad_x"), x.grad(), TOL, "grad of x");
        parameterGradsMatch(lstm, "bi");
        assertEquals("LSTM(5, 4, num_layers=2, batch_first=True, bidirectional=True)", lstm.toString());
    }

    @Test
    void unidirectionalWithInitialStateMatchesTorch() {
        LSTM lstm = new LSTM(4, 3, 2, new Generator(1));
        lstm.loadStateDict(RnnChecks.withPrefix(golden, "uni.w."), true);
        Tensor x = leaf("uni.x"), h0 = leaf("uni.h0"), c0 = leaf("uni.c0");
        LSTM.Output out = lstm.forward(x, new LSTMState(h0, c0));
        close(g("uni.y"), out.output(), TOL, "output");
        close(g("uni.hn"), out.state().h(), TOL, "h_n");
        close(g("uni.cn"), out.state().c(), TOL, "c_n");
        weightedSum(out.output(), g("uni.gy"), out.state().h(), g("uni.ghn"), out.state().c(), g("uni.gcn")).backward();
        close(g("uni.grad_x"), x.grad(), TOL, "grad of x");
        close(g("uni.grad_h0"), h0.grad(), TOL, "grad of h0");
        close(g("uni.grad_c0"), c0.grad(), TOL, "grad of c0");
        parameterGradsMatch(lstm, "uni");
    }

    @Test
    void cellMatchesTorch() {
        LSTMCell cell = new LSTMCell(4, 3, new Generator(1));
        cell.loadStateDict(RnnChecks.withPrefix(golden, "cell.w."), true);
        assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh"), List.copyOf(cell.stateDict().keySet()));
        Tensor x = leaf("cell.x"), h = leaf("cell.h"), c = leaf("cell.c");
        LSTMState next = cell.forward(x, new LSTMState(h, c));
        close(g("cell.h1"), next.h(), TOL, "h'");
        close(g("cell.c1"), next.c(), TOL, "c'");
        weightedSum(next.h(), g("cell.gh"), next.c(), g("cell.gc")).backward();
        close(g("cell.grad_x"), x.grad(), TOL, "grad of x");
        close(g("cell.grad_h"), h.grad(), TOL, "grad of h");
        close(g("cell.grad_c"), c.grad(), TOL, "grad of c");
        parameterGradsMatch(cell, "cell");
        assertEquals("LSTMCell(4, 3)", cell.toString());
    }

    @Test
    void cellFromZeroStateEqualsExplicitZeros() {
        LSTMCell cell = new LSTMCell(3, 2, new Generator(3));
        Tensor x = new Generator(4).randn(2, 3);
        LSTMState a = cell.forward(x), b = cell.forward(x, new LSTMState(Tensor.zeros(2, 2), Tensor.zeros(2, 2)));
        close(b.h(), a.h(), 1e-6, "h");
        close(b.c(), a.c(), 1e-6, "c");
    }

    @Test
    void gradientsMatchCentralDifferences() {
        LSTM lstm = new LSTM(2, 2, 2, true, true, 0f, true, new Generator(5));
        Generator g = new Generator(6);
        int[] lengths = {3, 2};
        RnnChecks.gradCheck(in -> {
            LSTM.Output o = lstm.forward(in[0], new LSTMState(in[1], in[2]), lengths);
            return Tensor.cat(0, o.output().reshape(-1), o.state().h().reshape(-1), o.state().c().reshape(-1));
        }, g.randn(2, 3, 2), g.randn(4, 2, 2), g.randn(4, 2, 2));
        LSTMCell cell = new LSTMCell(2, 3, new Generator(7));
        RnnChecks.gradCheck(in -> {
            LSTMState s = cell.forward(in[0], new LSTMState(in[1], in[2]));
            return Tensor.cat(1, s.h(), s.c());
        }, g.randn(2, 2), g.randn(2, 3), g.randn(2, 3));
    }

    @Test
    void lengthsEqualRunningEachSequenceAlone() {
        LSTM lstm = new LSTM(3, 2, 2, true, false, 0f, true, new Generator(8));
        Tensor x = new Generator(9).randn(5, 2, 3);
        LSTM.Output both = lstm.forward(x, null, new int[] {5, 3});
        LSTM.Output shortOne = lstm.forward(x.narrow(1, 1, 1).narrow(0, 0, 3));
        close(shortOne.output(), both.output().narrow(1, 1, 1).narrow(0, 0, 3), 1e-6, "output of the short sequence");
        close(Tensor.zeros(2, 1, 4), both.output().narrow(1, 1, 1).narrow(0, 3, 2), 0, "output past the end");
        close(shortOne.state().h(), both.state().h().narrow(1, 1, 1), 1e-6, "h_n of the short sequence");
        close(shortOne.state().c(), both.state().c().narrow(1, 1, 1), 1e-6, "c_n of the short sequence");
    }

    @Test
    void stepByStepEqualsWholeSequence() {
        LSTM lstm = new LSTM(3, 4, 2, new Generator(10));
        Tensor x = new Generator(11).randn(4, 2, 3);
        LSTM.Output whole = lstm.forward(x);
        LSTMState state = null;
        for (int t = 0; t < 4; t++) {
            LSTM.Output o = lstm.step(x.select(0, t), state);
            close(whole.output().select(0, t), o.output(), 1e-6, "step " + t);
            state = o.state();
        }
        close(whole.state().h(), state.h(), 1e-6, "h_n");
        close(whole.state().c(), state.c(), 1e-6, "c_n");
    }

    @Test
    void dropoutActsBetweenLayersOnlyInTraining() {
        LSTM lstm = new LSTM(3, 4, 2, true, false, 0.5f, false, new Generator(12));
        LSTM plain = new LSTM(3, 4, 2, new Generator(13));
        plain.loadStateDict(lstm.stateDict(), true);
        Tensor x = new Generator(14).randn(3, 2, 3);
        Tensor train = lstm.forward(x).output();
        lstm.eval();
        close(plain.forward(x).output(), lstm.forward(x).output(), 0, "eval output");
        float diff = train.sub(plain.forward(x).output()).abs().max().item();
        assertTrue(diff > 1e-3, "dropout changed nothing in training");
    }

    @Test
    void parameterNamesShapesAndCount() {
        LSTM lstm = new LSTM(40, 128, 1, true, true, 0f, true, new Generator(1));
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"),
                List.copyOf(lstm.stateDict().keySet()));
        assertArrayEquals(new int[] {512, 40}, lstm.stateDict().get("weight_ih_l0").shape());
        assertArrayEquals(new int[] {512, 128}, lstm.stateDict().get("weight_hh_l0_reverse").shape());
        // torch.nn.LSTM(40, 128, bidirectional=True): 2 * (4*128*(40+128) + 2*4*128)
        assertEquals(174_080, lstm.parameterCount());
        float bound = (float) (1 / Math.sqrt(128));
        for (Parameter p : lstm.parameters()) assertTrue(p.value().abs().max().item() <= bound);
        assertEquals(3 * 4 * (3 + 2) + 2 * 3 * 4, new LSTM(2, 3, 1, true, false, 0f, false, new Generator(1)).parameterCount());
    }

    @Test
    void badInputIsRejected() {
        LSTM lstm = new LSTM(5, 4, 2, true, true, 0f, true, new Generator(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(2, 3, 6)));
        assertTrue(e.getMessage().contains("LSTM") && e.getMessage().contains("input_size=5") && e.getMessage().contains("[2, 3, 6]"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(3, 5)));
        e = assertThrows(IllegalArgumentException.class,
                () -> lstm.forward(Tensor.zeros(2, 3, 5), new LSTMState(Tensor.zeros(2, 2, 4), Tensor.zeros(2, 2, 4))));
        assertTrue(e.getMessage().contains("[4, 2, 4]") && e.getMessage().contains("[2, 2, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(2, 3, 5), null, new int[] {3, 4}));
        assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(2, 3, 5), null, new int[] {3}));
        assertThrows(IllegalStateException.class, () -> lstm.step(Tensor.zeros(2, 5), null));
        LSTMCell cell = new LSTMCell(4, 3, new Generator(1));
        e = assertThrows(IllegalArgumentException.class, () -> cell.forward(Tensor.zeros(2, 5)));
        assertTrue(e.getMessage().contains("LSTMCell") && e.getMessage().contains("[2, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LSTM(0, 4, 1, new Generator(1)));
    }
}
