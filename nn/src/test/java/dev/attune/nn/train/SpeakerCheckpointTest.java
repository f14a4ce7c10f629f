package dev.attune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.optim.AdamW;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpeakerCheckpointTest {
    @TempDir
    Path dir;

    private static final List<String> LABELS = List.of("george", "jackson", "lucas");

    private static Hw4Classifier tinyModel(int seed) {
        Hw4Config c = new Hw4Config("hw4-simple", 8, 2, 16, 1, 5, 3, 0.1f, Hw4Config.Pooling.MEAN, Hw4Config.Head.LINEAR,
                Hw4Config.Encoder.TRANSFORMER, 31, 30f, 0.4f);
        return new Hw4Classifier(c, new Generator(seed));
    }

    /** Two AdamW steps so the optimizer has moment buffers. */
    private static AdamW trainTwoSteps(Hw4Classifier m, Tensor x, Tensor y) {
        AdamW opt = new AdamW(m.parameters(), 1e-2);
        for (int i = 0; i < 2; i++) {
            opt.zeroGrad();
            m.loss(x, new int[] {6, 4}, y).backward();
            opt.step();
        }
        return opt;
    }

    @Test
    void roundTripGivesTheSameLogitsAndMetadata() throws IOException {
        Hw4Classifier m = tinyModel(1);
        Tensor x = new Generator(2).randn(2, 6, 5);
        Tensor y = Tensor.ofInts(new int[] {0, 2}, 2);
        AdamW opt = trainTwoSteps(m, x, y);
        var features = SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS.withDither(0.5, 7));
        Path file = dir.resolve("ck.safetensors");
        SpeakerCheckpoint.save(file, m, opt, LABELS, features, 2, 0.75);

        SpeakerCheckpoint ck = SpeakerCheckpoint.load(file);
        m.eval();
        assertArrayEquals(m.logits(x, new int[] {6, 4}).toFloatArray(), ck.model().logits(x, new int[] {6, 4}).toFloatArray());
        assertEquals(m.config(), ck.model().config());
        assertEquals(LABELS, ck.labels());
        assertEquals(features, ck.features());
        assertEquals(2, ck.step());
        assertEquals(0.75, ck.validationAccuracy());
        assertFalse(ck.model().isTraining());
        Map<String, String> meta = Safetensors.readMetadata(file);
        assertEquals("[\"george\",\"jackson\",\"lucas\"]", meta.get("labels"));
        assertTrue(meta.get("features").contains("\"normalisation\":\"utterance-cmvn\""), meta.get("features"));
        assertTrue(meta.get("model_config").contains("\"nSpeakers\":3"), meta.get("model_config"));
    }

    @Test
    void optimizerStateResumesExactly() throws IOException {
        Tensor x = new Generator(2).randn(2, 6, 5);
        Tensor y = Tensor.ofInts(new int[] {1, 2}, 2);
        Hw4Classifier m = tinyModel(3);
        AdamW opt = trainTwoSteps(m, x, y);
        Path file = dir.resolve("resume.safetensors");
        SpeakerCheckpoint.save(file, m, opt, LABELS, SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS), 2, Double.NaN);

        SpeakerCheckpoint ck = SpeakerCheckpoint.load(file);
        Hw4Classifier resumed = ck.model();
        AdamW opt2 = new AdamW(resumed.parameters(), 1e-2);
        opt2.loadState(ck.optimizerState());
        assertEquals(2, opt2.steps());
        assertTrue(Double.isNaN(ck.validationAccuracy()));
        // one more step on both (dropout off so the two runs see the same function)
        m.eval();
        resumed.eval();
        for (var pair : List.of(new Object[] {m, opt}, new Object[] {resumed, opt2})) {
            Hw4Classifier mm = (Hw4Classifier) pair[0];
            AdamW o = (AdamW) pair[1];
            o.zeroGrad();
            mm.loss(x, null, y).backward();
            o.step();
        }
        Map<String, Tensor> a = m.stateDict(), b = resumed.stateDict();
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }

    @Test
    void weightsOnlyCheckpointHasNoOptimizerState() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SpeakerCheckpoint.save(file, tinyModel(4), null, LABELS, new SpeakerCheckpoint.Features("precomputed", null, "none"), 0, 0.5);
        SpeakerCheckpoint ck = SpeakerCheckpoint.load(file);
        assertTrue(ck.optimizerState().isEmpty());
        assertEquals("precomputed", ck.features().source());
    }

    @Test
    void filesThatAreNotSpeakerCheckpointsAreClearErrors() throws IOException {
        Path plain = dir.resolve("plain.safetensors");
        tinyModel(5).save(plain, Map.of());
        IOException e = assertThrows(IOException.class, () -> SpeakerCheckpoint.load(plain));
        assertTrue(e.getMessage().contains("not an Attune speaker checkpoint") && e.getMessage().contains("missing"), e.getMessage());

        Path text = dir.resolve("text.safetensors");
        Files.writeString(text, "hello, this is not safetensors");
        assertThrows(IOException.class, () -> SpeakerCheckpoint.load(text));

        Path damaged = dir.resolve("damaged.safetensors");
        Hw4Classifier m = tinyModel(6);
        Safetensors.write(damaged, m.stateDict(), Map.of("format", SpeakerCheckpoint.FORMAT, "format_version", "1",
                "model_config", "{\"name\": 3", "labels", "[]", "features", "{}", "step", "0", "validation_accuracy", "0"));
        e = assertThrows(IOException.class, () -> SpeakerCheckpoint.load(damaged));
        assertTrue(e.getMessage().contains("metadata 'model_config' cannot be read"), e.getMessage());

        assertThrows(IllegalArgumentException.class,
                () -> SpeakerCheckpoint.save(dir.resolve("x.safetensors"), m, null, List.of("a"), SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS), 0, 0));
    }

    @Test
    void configForResizesInputsAndClasses() {
        Hw4Config c = SpeakerCheckpoint.configFor(Hw4Config.simple(), 13, 74);
        assertEquals(13, c.nMels());
        assertEquals(74, c.nSpeakers());
        assertEquals(Hw4Config.simple().dModel(), c.dModel());
    }
}
