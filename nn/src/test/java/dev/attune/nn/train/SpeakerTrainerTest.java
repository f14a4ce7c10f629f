package dev.attune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.Hw4Config;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.data.FeatureExtractor;
import dev.attune.nn.data.FsddCorpus;
import dev.attune.nn.data.SharedData;
import dev.attune.nn.data.Utterance;
import dev.attune.tensor.Device;
import dev.attune.tensor.Generator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpeakerTrainerTest {
    @TempDir
    Path dir;

    private static final SpeakerCheckpoint.Features FEATURES = SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS);

    /** A small Transformer of the HW4 family (d_model 16), fast enough for tests. */
    private static Hw4Config tiny() {
        return new Hw4Config("hw4-tiny", 16, 2, 32, 1, 40, 600, 0.0f, Hw4Config.Pooling.MEAN, Hw4Config.Head.LINEAR,
                Hw4Config.Encoder.TRANSFORMER, 31, 30f, 0.4f);
    }

    /** Three synthetic speakers: frames around a speaker-specific mean vector, 20-40 frames each. */
    private static SpeakerTrainer.Data synthetic(int perSpeaker, long seed) {
        Generator g = new Generator(seed);
        List<float[][]> feats = new ArrayList<>();
        int[] labels = new int[3 * perSpeaker];
        for (int k = 0; k < labels.length; k++) {
            int spk = k % 3;
            int frames = 20 + g.nextInt(21);
            float[] noise = g.randn(frames * 8).toFloatArray();
            float[][] f = new float[frames][8];
            for (int t = 0; t < frames; t++) for (int d = 0; d < 8; d++) f[t][d] = noise[t * 8 + d] + (d % 3 == spk ? 1.5f : 0f);
            feats.add(f);
            labels[k] = spk;
        }
        return new SpeakerTrainer.Data(feats, labels);
    }

    @Test
    void aFewStepsLowerTheLossAndWriteCheckpointsAndCurves() throws IOException {
        SpeakerTrainer.Data train = synthetic(8, 1), valid = synthetic(4, 2);
        var opts = new SpeakerTrainer.Options(12, 8, 128, 3e-3, 0, 1.0, 6, 7, dir, null, null);
        StringWriter progress = new StringWriter();
        var r = new SpeakerTrainer(tiny(), List.of("a", "b", "c"), FEATURES, opts, new PrintWriter(progress)).train(train, valid);
        assertEquals(2, r.curve().size());
        assertTrue(r.curve().get(1).trainLoss() < r.curve().get(0).trainLoss(), r.curve().toString());
        assertEquals(12, r.stepsRun());
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000);
        assertTrue(progress.toString().contains("step 12/12"), progress.toString());
        assertTrue(progress.toString().contains("steps/s") && progress.toString().contains("ETA"), progress.toString());
        SpeakerCheckpoint last = SpeakerCheckpoint.load(dir.resolve("last.safetensors"));
        assertEquals(12, last.step());
        assertEquals(8, last.model().config().nMels());
        assertEquals(3, last.model().config().nSpeakers());
        assertEquals(r.last().value(), last.validationAccuracy());
        assertEquals(r.last().value(), SpeakerTrainer.evaluate(last.model(), valid, 5).value());
        SpeakerCheckpoint best = SpeakerCheckpoint.load(dir.resolve("best.safetensors"));
        assertEquals(r.bestStep(), best.step());
        assertEquals(r.best().value(), best.validationAccuracy());

        // resume to 18 steps: continues from step 12
        var resumed = new SpeakerTrainer(tiny(), List.of("a", "b", "c"), FEATURES,
                new SpeakerTrainer.Options(18, 8, 128, 3e-3, 0, 1.0, 6, 7, dir, dir.resolve("last.safetensors"), null), null).train(train, valid);
        assertEquals(6, resumed.stepsRun());
        assertEquals(18, SpeakerCheckpoint.load(dir.resolve("last.safetensors")).step());
        var wrong = new SpeakerTrainer(tiny(), List.of("a", "b", "x"), FEATURES,
                new SpeakerTrainer.Options(20, 8, 128, 3e-3, 0, 1.0, 6, 7, null, dir.resolve("last.safetensors"), null), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrong.train(train, valid));
        assertTrue(e.getMessage().contains("trained on speakers [a, b, c]"), e.getMessage());
    }

    @Test
    void trainsOnAnotherDeviceAndResumesThere() throws IOException {
        // A simulated device stands in for a GPU: any tensor left on the CPU would fail the run.
        Device sim = Device.simulated("speaker-trainer");
        SpeakerTrainer.Data train = synthetic(8, 1), valid = synthetic(4, 2);
        var opts = new SpeakerTrainer.Options(6, 8, 128, 3e-3, 0, 1.0, 3, 7, dir, null, null).withDevice(sim);
        var r = new SpeakerTrainer(tiny(), List.of("a", "b", "c"), FEATURES, opts, null).train(train, valid);
        assertSame(sim, r.model().device());
        SpeakerCheckpoint last = SpeakerCheckpoint.load(dir.resolve("last.safetensors"));
        assertSame(Device.CPU, last.model().device(), "checkpoints load on the CPU");
        assertEquals(r.last().value(), SpeakerTrainer.evaluate(last.model(), valid, 5).value());

        // resuming restores the optimizer state onto the device of the parameters
        var more = new SpeakerTrainer.Options(9, 8, 128, 3e-3, 0, 1.0, 3, 7, dir, dir.resolve("last.safetensors"), null).withDevice(sim);
        assertEquals(3, new SpeakerTrainer(tiny(), List.of("a", "b", "c"), FEATURES, more, null).train(train, valid).stepsRun());
        assertEquals(9, SpeakerCheckpoint.load(dir.resolve("last.safetensors")).step());
    }

    @Test
    void predictionsDoNotDependOnBatching() {
        SpeakerTrainer.Data data = synthetic(5, 3);
        var model = new dev.attune.nn.Hw4Classifier(SpeakerCheckpoint.configFor(tiny(), 8, 3), new Generator(4));
        int[] one = SpeakerTrainer.predict(model, data.features(), 1);
        assertArrayEquals(one, SpeakerTrainer.predict(model, data.features(), 4));
        assertArrayEquals(one, SpeakerTrainer.predict(model, data.features(), 100));
    }

    @Test
    void tinyModelOverfitsOneRealUtterancePerSpeaker() throws IOException {
        Path fsdd = SharedData.require("fsdd");
        FsddCorpus corpus = FsddCorpus.load(fsdd);
        List<String> speakers = corpus.speakers();
        List<Utterance> picked = new ArrayList<>();
        for (String s : speakers) {
            picked.add(corpus.recordings().stream().filter(r -> r.speaker().equals(s) && r.digit() == 3 && r.repetition() == 5)
                    .findFirst().orElseThrow().utterance());
        }
        List<float[][]> feats = new ArrayList<>();
        for (float[][] raw : new FeatureExtractor(FbankOptions.DEFAULTS, false).extractAll(picked, 2)) feats.add(FEATURES.normalise(raw));
        int[] labels = picked.stream().mapToInt(u -> speakers.indexOf(u.speaker())).toArray();
        SpeakerTrainer.Data data = new SpeakerTrainer.Data(feats, labels);
        var opts = new SpeakerTrainer.Options(150, 6, 128, 3e-3, 10, 1.0, 25, 11, null, null, null);
        var r = new SpeakerTrainer(tiny(), speakers, FEATURES, opts, null).train(data, data);
        assertEquals(6, speakers.size());
        assertEquals(1.0, r.best().value(), "curve " + r.curve());
        assertEquals(6, r.best().total());
    }
}
