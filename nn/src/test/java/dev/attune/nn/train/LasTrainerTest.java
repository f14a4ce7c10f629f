package dev.attune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.CtcLoss;
import dev.attune.nn.Linear;
import dev.attune.nn.Parameter;
import dev.attune.nn.audio.SpecAugment;
import dev.attune.nn.las.CharVocab;
import dev.attune.nn.las.Decoder;
import dev.attune.nn.las.Encoded;
import dev.attune.nn.las.GuidedAttention;
import dev.attune.nn.las.Las;
import dev.attune.nn.metrics.ErrorRates;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LAS training: a tiny model overfits 4 utterances until greedy decoding spells them exactly; checkpoints, batching, pictures. */
class LasTrainerTest {
    @TempDir
    Path tmp;

    private static final Las.Config TINY = new Las.Config(12, 32, 1, 64, 1, 16, 32, CharVocab.size(), Las.AttentionKind.DOT, 2, 1,
            CharVocab.SOS, CharVocab.EOS, CharVocab.PAD, 0f);

    /** Four utterances of random frames (different lengths) with short transcripts. */
    private static LasTrainer.Data four() {
        Generator g = new Generator(5);
        List<float[][]> feats = new ArrayList<>();
        int[] lengths = {20, 26, 31, 23};
        for (int len : lengths) {
            float[] v = g.randn(len, 12).toFloatArray();
            float[][] f = new float[len][12];
            for (int t = 0; t < len; t++) System.arraycopy(v, t * 12, f[t], 0, 12);
            feats.add(f);
        }
        return new LasTrainer.Data(feats, List.of("yes no", "seven", "it's up", "go"));
    }

    @Test
    void tinyModelOverfitsFourUtterances() throws IOException {
        LasTrainer.Data data = four();
        // The validation transcripts are wrong on purpose: the best checkpoint must be chosen on the
        // training utterances, never on the validation set (for yes/no that is the test set).
        List<String> shifted = List.of(data.transcripts().get(1), data.transcripts().get(2), data.transcripts().get(3), data.transcripts().get(0));
        LasTrainer.Data validation = new LasTrainer.Data(data.features(), shifted);
        var options = new LasTrainer.Options(200, 0, 4, 3e-3, 10, 1.0, 50, 1f, 1f, 0f, 0f, 0f, 0.3f, 0, null, 0f, 7, tmp);
        var features = SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS);
        LasTrainer.Result r = new LasTrainer(TINY, "tiny", features, options, null).train(data, validation);
        List<Decoder.Hypothesis> hyps = LasTrainer.decode(r.model(), data.features(), 4, LasTrainer.maxLengthFor(data), 1, 0);
        for (int i = 0; i < 4; i++) {
            assertEquals(data.transcripts().get(i), hyps.get(i).text(), "utterance " + i);
            assertTrue(hyps.get(i).ended());
        }
        assertTrue(r.last().cer() > 0.5, r.last().toString());
        assertEquals(0.0, r.bestTrainCer());
        assertEquals(4, r.curve().size());
        assertEquals(0.0, r.curve().get(3).trainCer());
        assertEquals(200, r.bestStep(), "on a tie the later checkpoint is kept");
        assertTrue(r.curve().get(3).trainLoss() < r.curve().get(0).trainLoss() / 5, r.curve().toString());
        // beam search finds the same transcripts
        for (int i = 0; i < 4; i++) {
            Tensor x = LasTrainer.pad(data.features(), new int[] {i}).frames();
            assertEquals(data.transcripts().get(i), Decoder.beamSearch(r.model(), x, 3, 30, 1.0).text());
        }

        // the best checkpoint decodes the same; it carries the configuration, vocabulary and features
        LasCheckpoint ck = LasCheckpoint.load(tmp.resolve("best.safetensors"));
        assertEquals(TINY, ck.model().config());
        assertEquals("tiny", ck.name());
        assertEquals(features, ck.features());
        assertEquals(LasTrainer.maxLengthFor(data), ck.maxLength());
        assertEquals(200, ck.step());
        assertEquals(r.last().cer(), ck.validationCer(), 1e-12);
        assertFalse(ck.optimizerState().isEmpty());
        assertNull(ck.ctcHead(), "trained without CTC, so no CTC head");
        ErrorRates again = LasTrainer.score(data.transcripts(), LasTrainer.decode(ck.model(), data.features(), 2, ck.maxLength(), 1, 0));
        assertEquals("CER: 0.00% WER: 0.00% (4 utterances)", again.toString());
        assertTrue(ImageIO.read(tmp.resolve("alignment.png").toFile()).getWidth() > 0);
        assertTrue(ImageIO.read(tmp.resolve("curves.png").toFile()).getWidth() > 0);
        assertEquals(LasCheckpoint.FORMAT, Safetensors.readMetadata(tmp.resolve("last.safetensors")).get("format"));
    }

    @Test
    void sameSeedSameRun() throws IOException {
        LasTrainer.Data data = four();
        var options = new LasTrainer.Options(6, 0, 2, 1e-3, 2, 1.0, 3, 0.9f, 0.5f, 0.1f, 0f, 0f, 0.3f, 0, null, 0f, 3, null);
        var features = SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS);
        LasTrainer.Result a = new LasTrainer(TINY, "tiny", features, options, null).train(data, data);
        LasTrainer.Result b = new LasTrainer(TINY, "tiny", features, options, null).train(data, data);
        assertEquals(a.curve(), b.curve());
        assertArrayEquals(a.model().stateDict().get("speller.rnn.weight_hh_l0").toFloatArray(),
                b.model().stateDict().get("speller.rnn.weight_hh_l0").toFloatArray());
    }

    @Test
    void ctcWeightMixesTheCtcLossPerCharacterIntoTheLoss() {
        LasTrainer.Data data = four();
        Las model = new Las(TINY, new Generator(8));
        Linear head = new Linear(model.listener().outputDim(), TINY.vocabSize(), new Generator(9));
        int[] members = {0, 2, 3};
        double ce = LasTrainer.loss(model, null, options(0f, 0f), data, members, 1f, 0f, null).item();
        LasTrainer.Padded x = LasTrainer.pad(data.features(), members);
        Encoded h = model.listen(x.frames(), x.lengths());
        int[][] chars = {CharVocab.encode("yes no"), CharVocab.encode("it's up"), CharVocab.encode("go")};
        double ctc = CtcLoss.forward(F.logSoftmax(head.forward(h.values()), 2), h.lengths(), chars, CharVocab.PAD).sum().item() / (6 + 7 + 2);
        assertEquals(0.7 * ce + 0.3 * ctc, LasTrainer.loss(model, head, options(0.3f, 0f), data, members, 1f, 0f, null).item(), 1e-5);
        var e = assertThrows(IllegalArgumentException.class, () -> options(1f, 0f));
        assertEquals("LasTrainer.Options: the CTC weight must be in [0, 1), got 1.0", e.getMessage());
    }

    @Test
    void guidedAttentionWeightAddsTheDiagonalPenalty() {
        LasTrainer.Data data = four();
        Las model = new Las(TINY, new Generator(8));
        int[] members = {1, 3};
        double ce = LasTrainer.loss(model, null, options(0f, 0f), data, members, 1f, 0f, null).item();
        LasTrainer.Padded x = LasTrainer.pad(data.features(), members);
        var h = model.listen(x.frames(), x.lengths());
        var out = model.speller().forward(h.values(), h.lengths(), CharVocab.targets(List.of("seven", "go")), 1f, null);
        double ga = GuidedAttention.loss(out.weights(), new int[] {6, 3}, h.lengths(), 0.3f).item();
        assertTrue(ga > 0.1, "uniform weights are far from the diagonal: " + ga);
        assertEquals(ce + 2 * ga, LasTrainer.loss(model, null, options(0f, 2f), data, members, 1f, 2f, null).item(), 1e-5);
    }

    @Test
    void specAugmentMasksTheDrawnUtterancesNotTheData() {
        LasTrainer.Data data = four();
        float[][] copy = new float[data.features().get(1).length][];
        for (int t = 0; t < copy.length; t++) copy[t] = data.features().get(1)[t].clone();
        Las model = new Las(TINY, new Generator(8));
        int[] members = {1, 2};
        SpecAugment augment = new SpecAugment(2, 6, 2, 8, 0f);
        var options = new LasTrainer.Options(5, 0, 2, 1e-3, 1, 1.0, 5, 1f, 1f, 0.1f, 0f, 0f, 0.3f, 0, augment, 0f, 0, null);
        double loss = LasTrainer.loss(model, null, options, data, members, 1f, 0f, new Generator(4)).item();
        // the same as the plain loss on the utterances masked with seeds drawn from the generator, member by member
        Generator g = new Generator(4);
        List<float[][]> masked = new ArrayList<>(data.features());
        for (int m : members) masked.set(m, augment.apply(data.features().get(m), g.nextInt(Integer.MAX_VALUE)));
        double expected = LasTrainer.loss(model, null, options(0f, 0f), new LasTrainer.Data(masked, data.transcripts()), members, 1f, 0f, null).item();
        assertEquals(expected, loss, 1e-6);
        assertNotEquals(LasTrainer.loss(model, null, options(0f, 0f), data, members, 1f, 0f, null).item(), loss, 1e-4);
        for (int t = 0; t < copy.length; t++) assertArrayEquals(copy[t], data.features().get(1)[t], "the data is not modified");
    }

    @Test
    void guidedAttentionWeightFallsLinearlyOverItsDecaySteps() {
        var decaying = new LasTrainer.Options(5, 0, 2, 1e-3, 1, 1.0, 5, 1f, 1f, 0.1f, 0f, 2f, 0.3f, 100, null, 0f, 0, null);
        assertEquals(2f, decaying.guidedWeightAt(0));
        assertEquals(1.5f, decaying.guidedWeightAt(25), 1e-6f);
        assertEquals(1f, decaying.guidedWeightAt(50), 1e-6f);
        assertEquals(0f, decaying.guidedWeightAt(100));
        assertEquals(0f, decaying.guidedWeightAt(150));
        assertEquals(2f, options(0f, 2f).guidedWeightAt(10_000), "no decay: constant");
        var e = assertThrows(IllegalArgumentException.class,
                () -> new LasTrainer.Options(5, 0, 2, 1e-3, 1, 1.0, 5, 1f, 1f, 0.1f, 0f, 2f, 0.3f, -1, null, 0f, 0, null));
        assertEquals("LasTrainer.Options: the guided attention decay must be >= 0 steps, got -1", e.getMessage());
    }

    @Test
    void emaAveragesTheWeightsAndSwapsThemIn() {
        Parameter p = new Parameter(Tensor.of(new float[] {1f, 2f}, 2));
        LasTrainer.EmaWeights ema = new LasTrainer.EmaWeights(List.of(p), 0.5f);
        try (GradMode _ = GradMode.noGrad()) {
            p.value().copyFrom(Tensor.of(new float[] {3f, 6f}, 2));
            ema.update(0);   // d = min(0.5, 1/10) = 0.1: a = 0.1 (1, 2) + 0.9 (3, 6)
            assertArrayEquals(new float[] {2.8f, 5.6f}, ema.averages().get(0).toFloatArray(), 1e-6f);
            p.value().copyFrom(Tensor.of(new float[] {0f, 0f}, 2));
            ema.update(100);   // d = min(0.5, 101/110) = 0.5
            assertArrayEquals(new float[] {1.4f, 2.8f}, ema.averages().get(0).toFloatArray(), 1e-6f);
        }
        ema.swap();
        assertArrayEquals(new float[] {1.4f, 2.8f}, p.value().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0f, 0f}, ema.averages().get(0).toFloatArray());
        ema.swap();
        assertArrayEquals(new float[] {0f, 0f}, p.value().toFloatArray());
        var e = assertThrows(IllegalArgumentException.class,
                () -> new LasTrainer.Options(5, 0, 2, 1e-3, 1, 1.0, 5, 1f, 1f, 0.1f, 0f, 0f, 0.3f, 0, null, 1f, 0, null));
        assertEquals("LasTrainer.Options: the EMA decay must be in [0, 1), got 1.0", e.getMessage());
    }

    /** With EMA the run's model and its checkpoints hold the averaged weights, not the last trained ones. */
    @Test
    void trainingWithEmaSavesTheAverage() throws IOException {
        LasTrainer.Data data = four();
        var features = SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS);
        var plain = new LasTrainer.Options(6, 0, 2, 1e-3, 2, 1.0, 3, 1f, 1f, 0.1f, 0f, 0f, 0.3f, 0, null, 0f, 3, null);
        var averaged = new LasTrainer.Options(6, 0, 2, 1e-3, 2, 1.0, 3, 1f, 1f, 0.1f, 0f, 0f, 0.3f, 0, null, 0.9f, 3, tmp);
        Las trained = new LasTrainer(TINY, "tiny", features, plain, null).train(data, data).model();
        Las initial = new Las(TINY, new Generator(3));
        Las ema = new LasTrainer(TINY, "tiny", features, averaged, null).train(data, data).model();
        String name = "speller.rnn.weight_hh_l0";
        float[] w = trained.stateDict().get(name).toFloatArray(), w0 = initial.stateDict().get(name).toFloatArray();
        float[] a = ema.stateDict().get(name).toFloatArray();
        // a convex combination of the points of the trajectory: nearer the start than its end, and not its end
        double trainedMoved = 0, averageMoved = 0;
        int differ = 0;
        for (int i = 0; i < w.length; i++) {
            trainedMoved += Math.abs(w[i] - w0[i]);
            averageMoved += Math.abs(a[i] - w0[i]);
            if (a[i] != w[i]) differ++;
        }
        assertTrue(averageMoved < 0.99 * trainedMoved, averageMoved + " vs " + trainedMoved);
        assertTrue(averageMoved > 0.5 * trainedMoved, averageMoved + " vs " + trainedMoved);
        assertTrue(differ > w.length * 9 / 10, differ + " of " + w.length);
        assertArrayEquals(a, LasCheckpoint.load(tmp.resolve("last.safetensors")).model().stateDict().get(name).toFloatArray());
    }

    @Test
    void trainingWithCtcSavesTheTrainedHead() throws IOException {
        LasTrainer.Data data = four();
        var features = SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS);
        var options = new LasTrainer.Options(6, 0, 2, 1e-3, 2, 1.0, 3, 1f, 1f, 0.1f, 0.5f, 0f, 0.3f, 0, null, 0.9f, 3, tmp);
        new LasTrainer(TINY, "tiny", features, options, null).train(data, data);
        Linear head = LasCheckpoint.load(tmp.resolve("last.safetensors")).ctcHead();
        assertNotNull(head);
        assertArrayEquals(new int[] {TINY.vocabSize(), 2 * TINY.listenerHidden()}, head.weight().value().shape());
        float[] initial = LasCheckpoint.ctcHead(TINY, new Generator(3 * 31 + 2)).weight().value().toFloatArray();
        float[] saved = head.weight().value().toFloatArray();
        int moved = 0;
        for (int i = 0; i < saved.length; i++) if (saved[i] != initial[i]) moved++;
        assertTrue(moved > saved.length / 2, "the saved head is the trained (averaged) one: " + moved + " of " + saved.length + " moved");
    }

    @Test
    void decodingReleasesItsStoragesPerBatchAndDecodesAsWithoutScopes() {
        LasTrainer.Data data = four();
        Las model = new Las(TINY, new Generator(8));
        Linear head = LasCheckpoint.ctcHead(TINY, new Generator(9));
        int maxLength = 12;
        List<Decoder.Hypothesis> greedy, beam, joint;
        try (MemoryScope outer = MemoryScope.open()) {
            greedy = LasTrainer.decode(model, data.features(), 3, maxLength, 1, 0);
            beam = LasTrainer.decode(model, null, 0, data.features(), 3, maxLength, 3, 1.0);
            joint = LasTrainer.decode(model, head, 0.5, data.features(), 3, maxLength, 2, 1.0);
            outer.close();
            assertEquals(0, outer.released(), "every storage decoding allocated was released by its own batch or utterance scope");
        }
        // the same decoding without any scope: the released storages were not needed, the results are identical
        List<Decoder.Hypothesis> plainGreedy = java.util.Arrays.asList(new Decoder.Hypothesis[4]);
        int released;
        try (MemoryScope control = MemoryScope.open()) {
            for (int[] members : LasTrainer.lengthBatches(data.features(), 3)) {
                LasTrainer.Padded x = LasTrainer.pad(data.features(), members);
                List<Decoder.Hypothesis> h = Decoder.greedy(model, x.frames(), x.lengths(), maxLength);
                for (int i = 0; i < members.length; i++) plainGreedy.set(members[i], h.get(i));
            }
            control.close();
            released = control.released();
        }
        assertTrue(released > 20, "decoding allocates storages (" + released + "), so a released count of 0 above is no accident");
        for (int i = 0; i < 4; i++) {
            Tensor x = LasTrainer.pad(data.features(), new int[] {i}).frames();
            assertSameHypothesis(plainGreedy.get(i), greedy.get(i));
            assertSameHypothesis(Decoder.beamSearch(model, x, 3, maxLength, 1.0), beam.get(i));
            assertSameHypothesis(Decoder.beamSearch(model, head, 0.5, x, 2, maxLength, 1.0), joint.get(i));
        }
    }

    private static void assertSameHypothesis(Decoder.Hypothesis expected, Decoder.Hypothesis actual) {
        assertArrayEquals(expected.tokens(), actual.tokens());
        assertEquals(expected.logProb(), actual.logProb());
        assertEquals(expected.ended(), actual.ended());
        assertEquals(expected.alignment().length, actual.alignment().length);
        for (int r = 0; r < expected.alignment().length; r++) assertArrayEquals(expected.alignment()[r], actual.alignment()[r]);
    }

    @Test
    void checkpointsWithAndWithoutCtcHeadLoad() throws IOException {
        var features = SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS);
        Las model = new Las(TINY, new Generator(4));
        Linear head = LasCheckpoint.ctcHead(TINY, new Generator(5));
        Path with = tmp.resolve("with.safetensors"), without = tmp.resolve("without.safetensors");
        LasCheckpoint.save(with, model, head, "tiny", null, features, 30, 7, 0.5);
        LasCheckpoint.save(without, model, null, "tiny", null, features, 30, 7, 0.5);
        LasCheckpoint a = LasCheckpoint.load(with), b = LasCheckpoint.load(without);
        assertArrayEquals(head.weight().value().toFloatArray(), a.ctcHead().weight().value().toFloatArray());
        assertArrayEquals(head.bias().value().toFloatArray(), a.ctcHead().bias().value().toFloatArray());
        assertNull(b.ctcHead());
        String name = "speller.rnn.weight_hh_l0";
        assertArrayEquals(model.stateDict().get(name).toFloatArray(), a.model().stateDict().get(name).toFloatArray());
        assertTrue(a.describe().contains("CTC head"), a.describe());
        assertFalse(b.describe().contains("CTC head"), b.describe());
        // a head that does not fit the model is a damaged file
        Linear wrong = new Linear(2 * TINY.listenerHidden() + 1, TINY.vocabSize(), new Generator(5));
        Path bad = tmp.resolve("bad.safetensors");
        LasCheckpoint.save(bad, model, wrong, "tiny", null, features, 30, 7, 0.5);
        IOException e = assertThrows(IOException.class, () -> LasCheckpoint.load(bad));
        assertTrue(e.getMessage().contains("do not fit") && e.getMessage().contains("weight"), e.getMessage());
    }

    @Test
    void checkpointsKeepThePyramidDepthAndTheDeltas() throws IOException {
        var features = new SpeakerCheckpoint.Features("sphinx-mfc", null, SpeakerCheckpoint.Features.UTTERANCE_CMVN).withDeltas(2);
        Las.Config config = TINY.withInputDim(39).withListenerLayers(2);
        Las model = new Las(config, new Generator(4));
        Path file = tmp.resolve("deep.safetensors");
        LasCheckpoint.save(file, model, null, "las-tiny", null, features, 30, 7, 0.5);
        LasCheckpoint ck = LasCheckpoint.load(file);
        assertEquals(config, ck.model().config());
        assertEquals(4, ck.model().listener().reduction());
        assertEquals(2, ck.features().deltas());
        assertEquals(39, ck.features().normalise(new float[20][13])[0].length);
        Tensor x = new Generator(6).randn(1, 12, 39);
        assertArrayEquals(model.listen(x, null).values().toFloatArray(), ck.model().listen(x, null).values().toFloatArray());
    }

    @Test
    void specAugmentMasksAFifthOfTheFeatureWidth() {
        assertEquals(new SpecAugment(2, 8, 2, 5, 0f), LasTrainer.specAugment(40));
        assertEquals(new SpecAugment(2, 2, 2, 5, 0f), LasTrainer.specAugment(13));
        assertEquals(new SpecAugment(2, 7, 2, 5, 0f), LasTrainer.specAugment(39));
        assertEquals(new SpecAugment(2, 1, 2, 5, 0f), LasTrainer.specAugment(3));
        var e = assertThrows(IllegalArgumentException.class, () -> LasTrainer.specAugment(0));
        assertEquals("LasTrainer.specAugment: need a positive feature width, got 0", e.getMessage());
    }

    /** Teacher forcing 1, smoothing 0.1, the given CTC and guided attention weights (sigma 0.3). */
    private static LasTrainer.Options options(float ctcWeight, float guidedWeight) {
        return new LasTrainer.Options(5, 0, 2, 1e-3, 1, 1.0, 5, 1f, 1f, 0.1f, ctcWeight, guidedWeight, 0.3f, 0, null, 0f, 0, null);
    }

    @Test
    void selectionSubsetSpreadsOverTheTrainingSet() {
        assertArrayEquals(new int[] {0, 1, 2}, LasTrainer.selectionSubset(3));
        int[] big = LasTrainer.selectionSubset(2430);
        assertEquals(LasTrainer.SELECTION_SIZE, big.length);
        assertEquals(0, big[0]);
        assertEquals(75, big[1]);
        assertEquals(2430 * 31 / 32, big[31]);
    }

    @Test
    void batchesGroupSimilarLengths() {
        List<float[][]> f = new ArrayList<>();
        for (int len : new int[] {9, 3, 7, 3, 12}) f.add(new float[len][2]);
        List<int[]> b = LasTrainer.lengthBatches(f, 2);
        assertEquals(3, b.size());
        assertArrayEquals(new int[] {1, 3}, b.get(0));
        assertArrayEquals(new int[] {2, 0}, b.get(1));
        assertArrayEquals(new int[] {4}, b.get(2));
        LasTrainer.Padded p = LasTrainer.pad(f, b.get(1));
        assertArrayEquals(new int[] {2, 9, 2}, p.frames().shape());
        assertArrayEquals(new int[] {7, 9}, p.lengths());
    }

    @Test
    void checkpointErrorsSayWhatIsWrong() throws IOException {
        Path plain = tmp.resolve("plain.safetensors");
        Safetensors.write(plain, Map.of("w", Tensor.zeros(2)), Map.of());
        IOException e = assertThrows(IOException.class, () -> LasCheckpoint.load(plain));
        assertTrue(e.getMessage().contains("is not an Attune LAS checkpoint (metadata 'format' is missing"), e.getMessage());
        Path speaker = tmp.resolve("speaker.safetensors");
        Safetensors.write(speaker, Map.of("w", Tensor.zeros(2)), Map.of("format", SpeakerCheckpoint.FORMAT));
        e = assertThrows(IOException.class, () -> LasCheckpoint.load(speaker));
        assertTrue(e.getMessage().contains("'attune-speaker-checkpoint', expected 'attune-las-checkpoint'"), e.getMessage());
        Path noConfig = tmp.resolve("noconfig.safetensors");
        Safetensors.write(noConfig, Map.of("w", Tensor.zeros(2)), Map.of("format", LasCheckpoint.FORMAT, "format_version", "1", "model", "x"));
        e = assertThrows(IOException.class, () -> LasCheckpoint.load(noConfig));
        assertTrue(e.getMessage().contains("damaged LAS checkpoint: metadata 'model_config' is missing"), e.getMessage());
        var bad = assertThrows(IllegalArgumentException.class,
                () -> new LasTrainer(TINY.withInputDim(40), "tiny", SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS),
                        LasTrainer.Options.defaults(5, 0, 1, null), null).train(four(), four()));
        assertTrue(bad.getMessage().contains("reads 40 features per frame, the data has 12"), bad.getMessage());
    }
}
