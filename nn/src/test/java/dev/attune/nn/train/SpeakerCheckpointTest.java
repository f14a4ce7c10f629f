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
    void globalCmvnIsFittedOnTheGivenFramesAndTravelsInTheCheckpoint() throws IOException {
        // Two utterances, 2 bins: bin 0 takes 1, 3 | 5 (mean 3, variance 8/3), bin 1 is constant 2.
        List<float[][]> raw = List.of(new float[][] {{1, 2}, {3, 2}}, new float[][] {{5, 2}});
        var unfitted = SpeakerCheckpoint.Features.fbankGlobalCmvn(FbankOptions.DEFAULTS);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> unfitted.normalise(raw.get(0)));
        assertTrue(e.getMessage().contains("fittedTo"), e.getMessage());

        var fitted = unfitted.fittedTo(raw);
        assertArrayEquals(new float[] {3f, 2f}, fitted.cmvnMean());
        assertEquals(1 / Math.sqrt(8 / 3.0), fitted.cmvnScale()[0], 1e-6);
        float[][] y = fitted.normalise(new float[][] {{5, 2}});
        assertEquals(2 / Math.sqrt(8 / 3.0), y[0][0], 1e-6);
        assertEquals(0f, y[0][1]); // a constant bin maps to 0, not NaN
        // Unlike per-utterance CMVN, the utterance's offset from the corpus mean survives.
        assertEquals(0f, SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS).normalise(new float[][] {{5, 2}})[0][0]);

        Path file = dir.resolve("global.safetensors");
        SpeakerCheckpoint.save(file, tinyModel(4), null, LABELS, fitted, 0, 0.5);
        assertEquals(fitted, SpeakerCheckpoint.load(file).features());
        assertArrayEquals(y[0], SpeakerCheckpoint.load(file).features().normalise(new float[][] {{5, 2}})[0]);
    }

    @Test
    void deltasAreAppendedBeforeNormalisingAndTravelInTheCheckpoint() throws IOException {
        // one bin, a ramp 0, 2, 4, 6, 8: deltas 1 1.6 2 1.6 1 (edges repeated), then per-utterance CMVN over both columns
        float[][] raw = {{0}, {2}, {4}, {6}, {8}};
        var features = new SpeakerCheckpoint.Features("sphinx-mfc", null, "utterance-cmvn").withDeltas(1);
        float[][] y = features.normalise(raw);
        assertEquals(2, y[0].length);
        double mean = (1 + 1.6 + 2 + 1.6 + 1) / 5, var = (1 + 1.6 * 1.6 * 2 + 4 + 1) / 5 - mean * mean;
        assertEquals((2 - mean) / Math.sqrt(var), y[2][1], 1e-5);
        assertEquals(0, y[2][0], 1e-6);
        assertEquals(3, features.withDeltas(2).normalise(raw)[0].length);
        // global CMVN is fitted on the frames with their deltas
        var global = new SpeakerCheckpoint.Features("sphinx-mfc", null, "global-cmvn").withDeltas(2).fittedTo(List.<float[][]>of(raw));
        assertEquals(3, global.cmvnMean().length);
        assertEquals(4f, global.cmvnMean()[0], 1e-6);
        assertEquals((float) mean, global.cmvnMean()[1], 1e-6);
        assertEquals(2, global.deltas());

        Path file = dir.resolve("deltas.safetensors");
        SpeakerCheckpoint.save(file, tinyModel(4), null, LABELS, global, 0, 0.5);
        assertEquals(global, SpeakerCheckpoint.load(file).features());
        assertNotEquals(global, global.withDeltas(1).fittedTo(List.<float[][]>of(raw)));
        // settings written before the field existed read as no deltas
        var old = CheckpointFiles.parse(file, Map.of("features", "{\"source\":\"sphinx-mfc\",\"fbank\":null,\"normalisation\":\"utterance-cmvn\","
                + "\"cmvnMean\":null,\"cmvnScale\":null}"), "features", new com.fasterxml.jackson.core.type.TypeReference<SpeakerCheckpoint.Features>() {}, "x");
        assertEquals(0, old.deltas());
        assertArrayEquals(new float[] {0}, old.normalise(new float[][] {{3}, {3}})[0]);
        var e = assertThrows(IllegalArgumentException.class, () -> features.withDeltas(3));
        assertEquals("SpeakerCheckpoint.Features: deltas must be 0, 1 or 2, got 3", e.getMessage());
    }

    @Test
    void cmvnStatisticsOnlyBelongToGlobalCmvn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SpeakerCheckpoint.Features("sphinx-mfc", null, "utterance-cmvn", new float[] {0}, new float[] {1}, 0));
        assertTrue(e.getMessage().contains("only for global-cmvn"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SpeakerCheckpoint.Features("sphinx-mfc", null, "global-cmvn", new float[] {0, 1}, new float[] {1}, 0));
        assertTrue(e.getMessage().contains("same non-zero length"), e.getMessage());
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
