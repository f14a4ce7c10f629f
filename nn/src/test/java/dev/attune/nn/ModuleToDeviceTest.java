package dev.attune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.las.CharVocab;
import dev.attune.nn.las.Las;
import dev.attune.nn.optim.AdamW;
import dev.attune.tensor.Device;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link Module#to} on every model family, checked where no GPU is: a {@link Device#simulated}
 * device computes with the CPU backend but is a different device, so a tensor that a layer builds
 * on the CPU (a mask, a position table, a pooling weight) and mixes with the moved weights is an
 * error here exactly as it would be on CUDA. After the move, outputs equal the CPU ones to float
 * rounding, and one training step (forward, backward, AdamW) runs and keeps everything on the device.
 */
class ModuleToDeviceTest {
    private static final Device SIM = Device.simulated("sim");

    @Test
    void hw4ClassifiersMoveAndTrain() {
        for (Hw4Config preset : Hw4Config.presets()) {
            Hw4Config c = new Hw4Config(preset.name(), 8, 2, 16, 2, 5, 3, 0.1f, preset.pooling(), preset.head(), preset.encoder(), 3,
                    preset.amScale(), preset.amMargin());
            Hw4Classifier m = new Hw4Classifier(c, new Generator(1));
            Tensor x = new Generator(2).randn(2, 9, 5);
            int[] lengths = {9, 6};
            Tensor labels = Tensor.ofInts(new int[] {0, 2}, 2);
            checkMoveAndTrain(preset.name(), m, d -> m.logits(x.to(d), lengths), d -> m.loss(x.to(d), lengths, labels.to(d)));
        }
    }

    @Test
    void wenetConformerEncoderMovesAndTrains() {
        var c = new ConformerEncoder.Config(9, 8, 2, 16, 2, 3, 0.1f, 0.1f, 0.1f, RelPositionalEncoding.Variant.WENET, 1e-5f);
        ConformerEncoder m = new ConformerEncoder(c, new Generator(3));
        Tensor x = new Generator(4).randn(2, 19, 9);
        Tensor lengths = Tensor.ofInts(new int[] {19, 13}, 2);
        checkMoveAndTrain("ConformerEncoder", m, d -> m.forward(x.to(d), lengths.to(d)).output(),
                d -> m.forward(x.to(d), lengths.to(d)).output().pow(2f).mean());
    }

    @Test
    void lasMovesAndTrains() {
        Las m = new Las(Las.Config.tiny(CharVocab.size()).withInputDim(5), new Generator(5));
        Tensor x = new Generator(6).randn(2, 16, 5);
        int[] lengths = {16, 11};
        Tensor targets = CharVocab.targets(List.of("yes", "no"));
        checkMoveAndTrain("LAS", m, d -> m.forward(x.to(d), lengths, targets.to(d), 1f, new Generator(7)).logits(),
                d -> m.forward(x.to(d), lengths, targets.to(d), 1f, new Generator(7)).logits().pow(2f).mean());
    }

    private static void checkMoveAndTrain(String what, Module m, Function<Device, Tensor> evalOutput, Function<Device, Tensor> trainLoss) {
        m.eval();
        float[] onCpu = evalOutput.apply(Device.CPU).toFloatArray();
        assertSame(m, m.to(SIM));
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) assertSame(SIM, e.getValue().device(), what + ": " + e.getKey());
        Tensor out = evalOutput.apply(SIM);
        assertSame(SIM, out.device(), what);
        // The same backend computes both, but the JDK's vector EXP/TANH may differ from their scalar
        // fallback by an ulp while the JIT warms up: equal to float rounding, not bit for bit.
        float[] moved = out.toFloatArray();
        for (int i = 0; i < onCpu.length; i++) assertEquals(onCpu[i], moved[i], 1e-6f * (1 + Math.abs(onCpu[i])), what + " [" + i + "]");

        m.train();
        AdamW opt = new AdamW(m.parameters(), 1e-3);
        Tensor loss = trainLoss.apply(SIM);
        assertSame(SIM, loss.device(), what);
        loss.backward();
        opt.step();
        assertTrue(Float.isFinite(loss.item()), what);
        for (Parameter p : m.parameters()) {
            assertSame(SIM, p.value().device(), what);
            assertNotNull(p.value().grad(), what + ": every parameter gets a gradient");
            assertSame(SIM, p.value().grad().device(), what);
        }
        m.to(Device.CPU);
        for (Tensor t : m.stateDict().values()) assertSame(Device.CPU, t.device(), what);
    }
}
