package dev.attune.nn.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.Parameter;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import dev.attune.tensor.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Optimizers, gradient clipping and schedules against torch.optim (golden/optim.py): parameter
 * trajectories over five steps with a changing learning rate and a parameter that sometimes
 * has no gradient, the final optimizer state, and resuming from a saved state.
 */
class OptimTest {
    private static final int STEPS = 5, PARAMS = 3;
    private static SafetensorsFile golden;

    @BeforeAll
    static void load() throws Exception {
        golden = Safetensors.read(Path.of(OptimTest.class.getResource("/golden/optim.safetensors").toURI()));
    }

    private static Tensor g(String name) {
        Tensor t = golden.tensor(name);
        assertNotNull(t, "golden tensor " + name);
        return t;
    }

    /** The configurations of optim.py: name to (parameters, base lr) -> optimizer. */
    private static final Map<String, Double> BASE_LR = Map.of("sgd", 0.1, "sgd_momentum", 0.1, "sgd_nesterov", 0.1,
            "adam", 0.01, "adam_amsgrad", 0.01, "adamw", 0.01, "adamw_amsgrad", 0.01);

    private static Optimizer make(String config, List<Parameter> ps) {
        double lr = BASE_LR.get(config);
        BiFunction<List<Parameter>, Double, Optimizer> f = switch (config) {
            case "sgd" -> SGD::new;
            case "sgd_momentum" -> (p, r) -> new SGD(p, r, 0.9, 0.2, 0.01, false);
            case "sgd_nesterov" -> (p, r) -> new SGD(p, r, 0.9, 0, 0.01, true);
            case "adam" -> (p, r) -> new Adam(p, r, 0.9, 0.999, 1e-8, 0.1, false);
            case "adam_amsgrad" -> (p, r) -> new Adam(p, r, 0.8, 0.99, 1e-6, 0, true);
            case "adamw" -> AdamW::new;
            case "adamw_amsgrad" -> (p, r) -> new AdamW(p, r, 0.9, 0.999, 1e-8, 0.1, true);
            default -> throw new IllegalArgumentException(config);
        };
        return f.apply(ps, lr);
    }

    private static List<Parameter> params(String prefix) {
        List<Parameter> ps = new ArrayList<>();
        for (int i = 0; i < PARAMS; i++) ps.add(new Parameter(g(prefix + ".p" + i)));
        return ps;
    }

    /** Sets step t's gradients and learning rate, as optim.py does, then steps. */
    private static void step(Optimizer opt, String config, int t) {
        for (int i = 0; i < PARAMS; i++) {
            Tensor grad = golden.tensors().get("grad.s" + t + ".p" + i);
            opt.parameters().get(i).value().setGrad(grad == null ? null : grad.copy());
        }
        opt.setLr(BASE_LR.get(config) * g("lr_factor").get(t));
        opt.step();
    }

    /**
     * Closeness relative to the tensor's scale: |e - a| <= tol * max|e| for every element. An
     * element near zero is the difference of terms of that scale (p - lr d), so its own
     * magnitude would ask for more than float32 rounding of those terms can give.
     */
    private static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double scale = 0;
        for (float v : e) scale = Math.max(scale, Math.abs(v));
        for (int k = 0; k < e.length; k++) {
            if (!(Math.abs(e[k] - a[k]) <= tol * scale)) {
                fail(what + " element " + k + ": expected " + e[k] + ", got " + a[k] + " (tol " + tol + " of max " + scale + ")");
            }
        }
    }

    private static void checkParams(Optimizer opt, String config, int t) {
        for (int i = 0; i < PARAMS; i++) {
            close(g(config + ".s" + t + ".p" + i), opt.parameters().get(i).value(), 1e-6, config + " step " + t + " p" + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_amsgrad", "adamw", "adamw_amsgrad"})
    void trajectoryAndStateMatchTorch(String config) {
        Optimizer opt = make(config, params("init"));
        for (int t = 0; t < STEPS; t++) {
            step(opt, config, t);
            checkParams(opt, config, t);
        }
        // the state carries PyTorch's state_dict names and values
        Map<String, Tensor> state = opt.state();
        assertEquals(STEPS, (int) state.get("step").item());
        TreeSet<String> expectedKeys = new TreeSet<>();
        for (String k : golden.tensors().keySet()) if (k.startsWith(config + ".state.")) expectedKeys.add(k.substring(config.length() + 1));
        TreeSet<String> keys = new TreeSet<>(state.keySet());
        keys.remove("step");
        assertEquals(expectedKeys, keys);
        for (String k : expectedKeys) close(g(config + "." + k), state.get(k).to(dev.attune.kernels.DType.FLOAT32), 1e-6, config + " " + k);
    }

    @Test
    void adamCountsStepsPerParameterAndSkipsParametersWithoutGradient() {
        Optimizer opt = make("adam", params("init"));
        step(opt, "adam", 0);   // p2 has no gradient at step 0
        assertArrayEquals(g("init.p2").toFloatArray(), opt.parameters().get(2).value().toFloatArray());
        assertFalse(opt.state().containsKey("state.2.step"));
        step(opt, "adam", 1);
        assertEquals(2, (int) opt.state().get("state.0.step").item());
        assertEquals(1, (int) opt.state().get("state.2.step").item());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd_nesterov", "adam", "adamw_amsgrad"})
    void resumesFromSavedStateOnTheSameTrajectory(String config, @TempDir Path dir) throws Exception {
        Optimizer first = make(config, params("init"));
        for (int t = 0; t < 3; t++) step(first, config, t);
        Path file = dir.resolve("optim.safetensors");
        Safetensors.write(file, first.state(), Map.of("config", config));

        // a fresh run: parameters from the model checkpoint (here the golden values after step 2), optimizer state from the file
        Optimizer resumed = make(config, params(config + ".s2"));
        resumed.loadState(Safetensors.read(file).tensors());
        assertEquals(3, resumed.steps());
        for (int t = 3; t < STEPS; t++) {
            step(resumed, config, t);
            checkParams(resumed, config, t);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adam", "adamw_amsgrad"})
    void stateIsASnapshotThatLaterInPlaceStepsLeaveAlone(String config) {
        Optimizer opt = make(config, params("init"));
        step(opt, config, 0);
        Map<String, Tensor> saved = opt.state();
        Map<String, float[]> values = new LinkedHashMap<>();
        saved.forEach((k, v) -> values.put(k, v.toFloatArray()));
        step(opt, config, 1);
        for (String k : values.keySet()) assertArrayEquals(values.get(k), saved.get(k).toFloatArray(), k);
        assertFalse(Arrays.equals(values.get("state.0.exp_avg"), opt.state().get("state.0.exp_avg").toFloatArray()),
                "the optimizer's own buffers moved on");
    }

    @Test
    void loadStateNamesEveryProblemAndChangesNothing() {
        Optimizer opt = make("adam", params("init"));
        step(opt, "adam", 0);
        Map<String, Tensor> before = opt.state();
        Map<String, Tensor> bad = new LinkedHashMap<>(before);
        bad.put("step", Tensor.ofInts(new int[] {7}));
        bad.remove("state.0.exp_avg_sq");                           // incomplete entry
        bad.put("state.1.exp_avg", Tensor.zeros(3));                // wrong shape
        bad.put("state.1.momentum_buffer", Tensor.zeros(2));        // not an Adam buffer
        bad.put("state.9.step", Tensor.ofInts(new int[] {1}));      // no parameter 9
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadState(bad));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("Adam.loadState"), msg);
        for (String s : List.of("missing 'state.0.exp_avg_sq'", "'state.1.exp_avg': expected shape [2], got [3]",
                "unexpected 'state.1.momentum_buffer'", "unexpected 'state.9.step'")) {
            assertTrue(msg.contains(s), "message lacks \"" + s + "\": " + msg);
        }
        assertEquals(1, opt.steps());
        assertEquals(before.keySet(), opt.state().keySet());
        for (Map.Entry<String, Tensor> x : opt.state().entrySet()) {
            assertArrayEquals(before.get(x.getKey()).toFloatArray(), x.getValue().toFloatArray(), x.getKey());
        }

        IllegalArgumentException noStep = assertThrows(IllegalArgumentException.class, () -> opt.loadState(Map.of()));
        assertTrue(noStep.getMessage().contains("missing 'step'"), noStep.getMessage());
        // an empty state (only the count) is valid: every parameter starts fresh
        opt.loadState(Map.of("step", Tensor.ofInts(new int[] {0})));
        assertEquals(Map.of(), withoutStep(opt.state()));
    }

    private static Map<String, Tensor> withoutStep(Map<String, Tensor> m) {
        Map<String, Tensor> out = new LinkedHashMap<>(m);
        out.remove("step");
        return out;
    }

    @Test
    void zeroGradAndLearningRate() {
        Optimizer opt = new SGD(params("init"), 0.5);
        step(opt, "sgd", 0);
        assertEquals(0.1, opt.lr(), 0);   // step() used lr 0.1 * factor 1
        opt.zeroGrad();
        for (Parameter p : opt.parameters()) assertNull(p.grad());
        float[] before = opt.parameters().get(0).value().toFloatArray();
        opt.step();                        // nothing has a gradient: nothing moves
        assertArrayEquals(before, opt.parameters().get(0).value().toFloatArray());
        assertEquals(2, opt.steps());
        opt.setLr(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.setLr(-1e-3));
        assertTrue(e.getMessage().contains("SGD") && e.getMessage().contains("-0.001"), e.getMessage());
    }

    @Test
    void rejectsBadHyperparameters() {
        List<Parameter> ps = params("init");
        assertMessage(() -> new SGD(ps, 0.1, -0.5, 0, 0, false), "SGD: momentum must be >= 0, got -0.5");
        assertMessage(() -> new SGD(ps, 0.1, 0.9, 0.1, 0, true), "SGD: Nesterov momentum requires momentum > 0 and dampening 0");
        assertMessage(() -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0, false), "Adam: betas must be in [0, 1), got (1.0, 0.999)");
        assertMessage(() -> new AdamW(ps, 0.1, 0.9, 0.999, -1, 0, false), "AdamW: eps must be >= 0, got -1.0");
        assertMessage(() -> new AdamW(ps, Double.NaN), "AdamW: learning rate must be finite and >= 0, got NaN");
        assertMessage(() -> new Adam(List.of(ps.get(0), ps.get(0)), 0.1), "Adam: parameter 1 appears more than once");
        assertMessage(() -> new Adam(List.of(), 0.1), "Adam: the parameter list is empty");
        assertEquals("AdamW(lr=0.001, betas=(0.9, 0.999), eps=1.0E-8, weight_decay=0.01, amsgrad=false)", new AdamW(ps, 1e-3).toString());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable f, String expectedStart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, f);
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }

    // ---- clip_grad_norm_ ------------------------------------------------------------------------------

    @Test
    void clipGradNormMatchesTorch() {
        for (String tag : List.of("clipped", "unclipped")) {
            List<Parameter> ps = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Tensor grad = g("clip.g" + i);
                Parameter p = new Parameter(Tensor.zerosLike(grad));
                p.value().setGrad(grad.copy());
                ps.add(p);
            }
            ps.add(new Parameter(Tensor.zeros(2)));   // no gradient: ignored
            double total = ClipGrad.clipGradNorm(ps, tag.equals("clipped") ? 1.0 : 100.0);
            assertEquals(g("clip." + tag + ".total").item(), total, 1e-6 * total, tag);
            for (int i = 0; i < 3; i++) close(g("clip." + tag + ".g" + i), ps.get(i).grad(), 1e-6, tag + " g" + i);
            assertNull(ps.get(3).grad());
        }
        assertEquals(0.0, ClipGrad.clipGradNorm(List.of(new Parameter(Tensor.zeros(2))), 1.0));
        assertThrows(IllegalArgumentException.class, () -> ClipGrad.clipGradNorm(List.of(), -1));
    }

    @Test
    void clipGradNormScalesToMaxNorm() {
        Parameter p = new Parameter(Tensor.zeros(2));
        p.value().setGrad(Tensor.of(3f, 4f));
        assertEquals(5.0, ClipGrad.clipGradNorm(List.of(p), 1.0), 1e-6);
        // clip_coef = 1 / (5 + 1e-6)
        assertArrayEquals(new float[] {(float) (3 / (5 + 1e-6)), (float) (4 / (5 + 1e-6))}, p.grad().toFloatArray(), 1e-7f);
    }

    // ---- schedules ------------------------------------------------------------------------------------

    @Test
    void hw4CosineScheduleClosedForm() {
        LrSchedule s = LrSchedule.cosineWithWarmup(1000, 70000);
        assertEquals(0.0, s.factor(0), 0);
        assertEquals(0.5, s.factor(500), 1e-15);
        assertEquals(1.0, s.factor(1000), 1e-15);
        assertEquals(0.5, s.factor(35500), 1e-12);     // half way through the decay: cos(π/2) = 0
        assertEquals(0.0, s.factor(70000), 1e-15);
        // past the end the cosine rises again, as in the HF original (train loops stop at total)
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 79000 / 69000)), s.factor(80000), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> s.factor(-1));
    }

    @Test
    void cosineScheduleMatchesTorchLambdaLR() {
        LrSchedule s = LrSchedule.cosineWithWarmup(1000, 70000);
        int[] steps = g("cosine.steps").toIntArray();
        float[] lrs = g("cosine.lr").toFloatArray();
        for (int k = 0; k < steps.length; k++) assertEquals(lrs[k], s.factor(steps[k]), 1e-7, "step " + steps[k]);
        Optimizer opt = new AdamW(params("init"), 1e-3);
        s.apply(opt, 1e-3, 35500);
        assertEquals(0.5e-3, opt.lr(), 1e-15);
    }

    @Test
    void linearWarmupAndNoam() {
        LrSchedule w = LrSchedule.linearWarmup(4);
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1, 1, 1}, new double[] {w.factor(0), w.factor(1), w.factor(2), w.factor(3),
                w.factor(4), w.factor(5), w.factor(1000)}, 0);
        assertEquals(1.0, LrSchedule.linearWarmup(0).factor(0), 0);
        assertEquals(1.0, LrSchedule.constant().factor(123), 0);

        LrSchedule noam = LrSchedule.noam(512, 4000);
        double peak = 1 / Math.sqrt(512) / Math.sqrt(4000);
        assertEquals(peak, noam.factor(4000), 1e-15);
        assertEquals(peak / 4000 * 2000, noam.factor(2000), 1e-15);                 // linear rise
        assertEquals(1 / Math.sqrt(512) / Math.sqrt(16000), noam.factor(16000), 1e-15);  // 1/sqrt(step) decay
        assertEquals(noam.factor(1), noam.factor(0), 0);                              // step 0 counts as 1
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.noam(0, 10));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosineWithWarmup(10, 5));
    }
}
