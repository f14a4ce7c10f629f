package dev.attune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.las.CharVocab;
import dev.attune.nn.las.Encoded;
import dev.attune.nn.las.GuidedAttention;
import dev.attune.nn.las.Las;
import dev.attune.nn.optim.AdamW;
import dev.attune.tensor.Device;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Module#to} on every model family, checked where no GPU is, on two devices:
 * <ul>
 *   <li>a {@link Device#simulated} device computes with the CPU backend but is a different device, so
 *       a tensor that a layer builds on the CPU (a mask, a position table, a pooling weight) and mixes
 *       with the moved weights is an error here exactly as it would be on CUDA;
 *   <li>the {@link Device#cudaEmulator() CUDA emulator} runs the CUDA backend itself (its launches and
 *       kernels, on the CPU), so the models go through every CUDA kernel they use on a GPU.
 * </ul>
 * After the move, outputs and the gradients of every parameter equal the CPU ones (to float rounding
 * on the simulated device; within 1e-4 relative on the emulator, whose kernels sum in another order
 * and use the C library's expf), and one training step (forward, backward, AdamW) runs and keeps
 * everything on the device.
 */
class ModuleToDeviceTest {
    private static final Device SIM = Device.simulated("sim");

    static Stream<Device> devices() {
        List<Device> devices = new ArrayList<>(List.of(SIM));
        if (Device.cudaEmulatorUnavailableReason() == null) {
            devices.add(Device.cudaEmulator());
        } else {
            System.out.println("[cuda] ModuleToDeviceTest without the CUDA emulator: " + Device.cudaEmulatorUnavailableReason());
        }
        return devices.stream();
    }

    /** Relative tolerance of outputs and gradients on {@code d} against the CPU. */
    private static float tolerance(Device d) {
        return d == SIM ? 1e-6f : 1e-4f;
    }

    @ParameterizedTest
    @MethodSource("devices")
    void hw4ClassifiersMoveAndTrain(Device dev) {
        for (Hw4Config preset : Hw4Config.presets()) {
            Hw4Config c = new Hw4Config(preset.name(), 8, 2, 16, 2, 5, 3, 0.1f, preset.pooling(), preset.head(), preset.encoder(), 3,
                    preset.amScale(), preset.amMargin());
            Hw4Classifier m = new Hw4Classifier(c, new Generator(1));
            Tensor x = new Generator(2).randn(2, 9, 5);
            int[] lengths = {9, 6};
            Tensor labels = Tensor.ofInts(new int[] {0, 2}, 2);
            checkMoveAndTrain(dev, preset.name(), m, d -> m.logits(x.to(d), lengths), d -> m.loss(x.to(d), lengths, labels.to(d)));
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void wenetConformerEncoderMovesAndTrains(Device dev) {
        var c = new ConformerEncoder.Config(9, 8, 2, 16, 2, 3, 0.1f, 0.1f, 0.1f, RelPositionalEncoding.Variant.WENET, 1e-5f);
        ConformerEncoder m = new ConformerEncoder(c, new Generator(3));
        Tensor x = new Generator(4).randn(2, 19, 9);
        Tensor lengths = Tensor.ofInts(new int[] {19, 13}, 2);
        checkMoveAndTrain(dev, "ConformerEncoder", m, d -> m.forward(x.to(d), lengths.to(d)).output(),
                d -> m.forward(x.to(d), lengths.to(d)).output().pow(2f).mean());
    }

    @ParameterizedTest
    @MethodSource("devices")
    void lasMovesAndTrains(Device dev) {
        Las m = new Las(Las.Config.tiny(CharVocab.size()).withInputDim(5), new Generator(5));
        Tensor x = new Generator(6).randn(2, 16, 5);
        int[] lengths = {16, 11};
        Tensor targets = CharVocab.targets(List.of("yes", "no"));
        checkMoveAndTrain(dev, "LAS", m, d -> m.forward(x.to(d), lengths, targets.to(d), 1f, new Generator(7)).logits(),
                d -> m.forward(x.to(d), lengths, targets.to(d), 1f, new Generator(7)).logits().pow(2f).mean());
    }

    /**
     * The LAS training aids on the device: CTC on a head over the listener states (lengths that
     * pad part of the batch, one target too long for its frames) and the guided attention loss of
     * the speller's weights. Both losses equal the CPU ones, and their gradients reach every
     * parameter on the device.
     */
    @ParameterizedTest
    @MethodSource("devices")
    void ctcAndGuidedAttentionLossesRunOnTheDevice(Device dev) {
        Las las = new Las(Las.Config.tiny(CharVocab.size()).withInputDim(5), new Generator(8));
        Linear ctcHead = new Linear(las.listener().outputDim(), CharVocab.size(), new Generator(9));
        Tensor x = new Generator(10).randn(3, 24, 5);
        int[] lengths = {24, 16, 9};
        List<String> texts = List.of("yes", "no", "yesyes");
        Tensor targets = CharVocab.targets(texts);
        int[][] chars = texts.stream().map(CharVocab::encode).toArray(int[][]::new);
        int[] outLengths = texts.stream().mapToInt(t -> t.length() + 1).toArray();
        Function<Device, Tensor[]> losses = d -> {
            Encoded h = las.listen(x.to(d), lengths);
            Tensor ctc = CtcLoss.forward(F.logSoftmax(ctcHead.forward(h.values()), 2), h.lengths(), chars, CharVocab.PAD);
            Tensor weights = las.speller().forward(h.values(), h.lengths(), targets.to(d), 1f, null).weights();
            return new Tensor[] {ctc, GuidedAttention.loss(weights, outLengths, h.lengths(), 0.3f)};
        };
        las.eval();
        ctcHead.eval();
        Tensor[] onCpu = losses.apply(Device.CPU);
        assertFalse(CtcLoss.feasible(las.listen(x, lengths).lengths()[2], chars[2]), "the third target does not fit its listener states");
        las.to(dev);
        ctcHead.to(dev);
        Tensor[] moved = losses.apply(dev);
        for (int k = 0; k < 2; k++) {
            assertSame(dev, moved[k].device(), "loss " + k);
            float[] a = onCpu[k].toFloatArray(), b = moved[k].toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], Math.max(1e-5f, tolerance(dev)) * (1 + Math.abs(a[i])), "loss " + k + " [" + i + "]");
        }
        assertEquals(0f, moved[0].toFloatArray()[2], "an infeasible target costs nothing on the device too");
        Tensor total = moved[0].sum().add(moved[1]);
        total.backward();
        for (Parameter p : ctcHead.parameters()) assertSame(dev, p.value().grad().device(), "CTC head gradient");
        for (Map.Entry<String, Parameter> e : las.namedParameters().entrySet()) {
            if (e.getKey().startsWith("listener.") || e.getKey().startsWith("speller.attention.")) {
                assertNotNull(e.getValue().value().grad(), e.getKey() + " gets a gradient from the two losses");
                assertSame(dev, e.getValue().value().grad().device(), e.getKey());
            }
        }
        las.to(Device.CPU);
    }

    private static void checkMoveAndTrain(Device dev, String what, Module m, Function<Device, Tensor> evalOutput,
                                          Function<Device, Tensor> trainLoss) {
        what = what + " on " + dev;
        float tol = tolerance(dev);
        m.eval();
        float[] onCpu = evalOutput.apply(Device.CPU).toFloatArray();
        Map<String, float[]> cpuGrads = evalGradients(m, trainLoss, Device.CPU);
        assertSame(m, m.to(dev));
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) assertSame(dev, e.getValue().device(), what + ": " + e.getKey());
        Tensor out = evalOutput.apply(dev);
        assertSame(dev, out.device(), what);
        // On the simulated device the same backend computes both, but the JDK's vector EXP/TANH may differ
        // from their scalar fallback by an ulp while the JIT warms up: equal to float rounding, not bit for bit.
        float[] moved = out.toFloatArray();
        for (int i = 0; i < onCpu.length; i++) assertEquals(onCpu[i], moved[i], tol * (1 + Math.abs(onCpu[i])), what + " [" + i + "]");
        // Gradients in eval mode (no dropout draws), each parameter's against its largest CPU gradient, or
        // 1 % of the model's largest where a parameter's gradient is rounding noise around 0 (the pooling
        // bias, which softmax over time cancels).
        Map<String, float[]> devGrads = evalGradients(m, trainLoss, dev);
        float modelScale = 0;
        for (float[] g : cpuGrads.values()) modelScale = Math.max(modelScale, maxAbs(g));
        for (Map.Entry<String, float[]> e : cpuGrads.entrySet()) {
            float[] want = e.getValue(), got = devGrads.get(e.getKey());
            float scale = Math.max(maxAbs(want), 0.01f * modelScale);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], tol * scale, what + ": gradient of " + e.getKey() + " [" + i + "]");
            }
        }

        m.train();
        AdamW opt = new AdamW(m.parameters(), 1e-3);
        Tensor loss = trainLoss.apply(dev);
        assertSame(dev, loss.device(), what);
        loss.backward();
        opt.step();
        assertTrue(Float.isFinite(loss.item()), what);
        for (Parameter p : m.parameters()) {
            assertSame(dev, p.value().device(), what);
            assertNotNull(p.value().grad(), what + ": every parameter gets a gradient");
            assertSame(dev, p.value().grad().device(), what);
        }
        m.to(Device.CPU);
        for (Tensor t : m.stateDict().values()) assertSame(Device.CPU, t.device(), what);
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    /** The gradient of every parameter of the eval-mode loss on {@code d} (zeroed after), by name. */
    private static Map<String, float[]> evalGradients(Module m, Function<Device, Tensor> loss, Device d) {
        loss.apply(d).backward();
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            Tensor g = e.getValue().value().grad();
            if (g != null) grads.put(e.getKey(), g.toFloatArray());
        }
        m.zeroGrad();
        return grads;
    }
}
