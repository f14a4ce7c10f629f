package dev.attune.bench;

import dev.attune.nn.ConformerLayer;
import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.Models;
import dev.attune.nn.optim.AdamW;
import dev.attune.tensor.Generator;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One full training step (zero grads, forward, loss, backward, AdamW update) on a batch of
 * 32 utterances of 128 frames, reported as utterances per second:
 * {@code hw4-simple} (the course sample, 40 log-mel bins in, cross entropy over 600 speakers), and one
 * {@link ConformerLayer} with the sizes of {@link Hw4Config#strong()} (d 160, 4 heads, ffn 640 = 4 d,
 * kernel 31, dropout 0.1) and loss {@code mean(out^2)}. No baseline in this suite.
 */
public class TrainStepBench {
    static final int BATCH = 32, FRAMES = 128;

    @State(Scope.Benchmark)
    public static class Hw4Simple {
        Hw4Classifier model;
        AdamW opt;
        Tensor mels, labels;

        @Setup
        public void setup() {
            Generator g = new Generator(0);
            model = (Hw4Classifier) Models.build("hw4-simple", g);
            model.train();
            opt = new AdamW(model.parameters(), 1e-3);
            mels = g.randn(BATCH, FRAMES, model.config().nMels());
            int[] y = new int[BATCH];
            for (int i = 0; i < BATCH; i++) y[i] = g.nextInt(model.config().nSpeakers());
            labels = Tensor.ofInts(y, BATCH);
        }
    }

    @State(Scope.Benchmark)
    public static class ConformerBlock {
        ConformerLayer layer;
        AdamW opt;
        Tensor x;

        @Setup
        public void setup() {
            Hw4Config c = Hw4Config.strong();
            Generator g = new Generator(0);
            layer = new ConformerLayer(c.dModel(), c.ffnDim(), c.nHeads(), c.convKernel(), c.dropout(), g);
            layer.train();
            opt = new AdamW(layer.parameters(), 1e-3);
            x = g.randn(FRAMES, BATCH, c.dModel());     // (T, B, D), torchaudio's layout
        }
    }

    /** One step as {@code train speaker} runs it: in a MemoryScope that releases the step's tensors at its end. */
    @Benchmark
    public float hw4Simple(Hw4Simple s) {
        try (MemoryScope scope = MemoryScope.open()) {
            s.opt.zeroGrad();
            Tensor loss = s.model.loss(s.mels, null, s.labels);
            loss.backward();
            s.opt.step();
            s.opt.zeroGrad();
            scope.keep(s.opt.stateTensors());
            return loss.item();
        }
    }

    @Benchmark
    public float conformerLayer(ConformerBlock s) {
        try (MemoryScope scope = MemoryScope.open()) {
            s.opt.zeroGrad();
            Tensor out = s.layer.forward(s.x, null);
            Tensor loss = out.mul(out).mean();
            loss.backward();
            s.opt.step();
            s.opt.zeroGrad();
            scope.keep(s.opt.stateTensors());
            return loss.item();
        }
    }

    public static Work work(String method, Map<String, String> p) {
        String row = switch (method) {
            case "hw4Simple" -> "train step hw4-simple";
            case "conformerLayer" -> "train step ConformerLayer d160 h4 ffn640 k31";
            default -> throw new IllegalArgumentException("TrainStepBench: no work declared for method " + method);
        };
        return new Work(row, "32 x 128 frames", Work.ATTUNE, Work.Unit.ITEM, BATCH);
    }
}
