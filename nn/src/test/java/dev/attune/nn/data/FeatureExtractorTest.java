package dev.attune.nn.data;

import static dev.attune.nn.data.An4CorpusTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.nn.audio.Fbank;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.audio.TestWavs;
import dev.attune.nn.audio.WavFormatException;
import dev.attune.nn.audio.WavReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureExtractorTest {

    private static List<Utterance> tones(Path dir, int count) throws IOException {
        List<Utterance> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            float[] x = new float[1600 + 80 * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (0.3 * Math.sin(2 * Math.PI * (200 + 50 * k) * i / 8000));
            }
            Path p = dir.resolve("tone" + k + ".wav");
            Files.write(p, TestWavs.pcm16(x, 8000));
            out.add(new Utterance("tone" + k, "s", null, p, Utterance.Kind.WAV));
        }
        return out;
    }

    @Test
    void parallelResultsKeepInputOrderAndMatchSequential(@TempDir Path dir) throws IOException {
        List<Utterance> utts = tones(dir, 24);
        FeatureExtractor fx = new FeatureExtractor(FbankOptions.DEFAULTS, false);
        List<float[][]> parallel = fx.extractAll(utts, 4);
        assertEquals(24, parallel.size());
        for (int k = 0; k < utts.size(); k++) {
            float[][] expected = Fbank.compute(WavReader.read(utts.get(k).source()), FbankOptions.DEFAULTS);
            assertArrayEquals(expected, parallel.get(k), "utterance " + k);
            assertEquals(18 + k, parallel.get(k).length); // 1 + floor((1600 + 80k - 200) / 80)
        }
        assertEquals(0, fx.cachedCount());
    }

    @Test
    void ditherIsTheSameWhateverTheThreadCount(@TempDir Path dir) throws IOException {
        List<Utterance> utts = tones(dir, 8);
        FbankOptions dithered = FbankOptions.DEFAULTS.withDither(0.01, 5);
        List<float[][]> one = new FeatureExtractor(dithered, false).extractAll(utts, 1);
        List<float[][]> four = new FeatureExtractor(dithered, false).extractAll(utts, 4);
        for (int k = 0; k < utts.size(); k++) {
            assertArrayEquals(one.get(k), four.get(k));
        }
        // different utterances get different noise: compare the floor-free high bins of two equal-length copies
        assertTrue(one.get(0)[0][39] != new FeatureExtractor(FbankOptions.DEFAULTS, false).extract(utts.get(0))[0][39]);
    }

    @Test
    void cacheReturnsTheSameMatrix(@TempDir Path dir) throws IOException {
        List<Utterance> utts = tones(dir, 3);
        FeatureExtractor cached = new FeatureExtractor(FbankOptions.DEFAULTS, true);
        float[][] first = cached.extract(utts.get(1));
        assertSame(first, cached.extract(utts.get(1)));
        assertEquals(1, cached.cachedCount());
        List<float[][]> all = cached.extractAll(utts, 2);
        assertSame(first, all.get(1));
        assertEquals(3, cached.cachedCount());
        FeatureExtractor uncached = new FeatureExtractor(FbankOptions.DEFAULTS, false);
        assertNotSame(uncached.extract(utts.get(1)), uncached.extract(utts.get(1)));
    }

    @Test
    void errorsNameTheFile(@TempDir Path dir) throws Exception {
        List<Utterance> utts = new ArrayList<>(tones(dir, 3));
        Path broken = dir.resolve("broken.wav");
        Files.write(broken, new byte[30]);
        utts.add(1, new Utterance("broken", "s", null, broken, Utterance.Kind.WAV));
        FeatureExtractor fx = new FeatureExtractor(FbankOptions.DEFAULTS, true);
        WavFormatException e = assertThrows(WavFormatException.class, () -> fx.extractAll(utts, 2));
        assertTrue(e.getMessage().contains("broken.wav"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fx.extractAll(utts, 0));

        Path slow = dir.resolve("slow.wav");
        Files.write(slow, TestWavs.pcm16(new float[100], 40)); // 25 ms at 40 Hz is one sample
        assertMessage(() -> fx.extract(new Utterance("slow", "s", null, slow, Utterance.Kind.WAV)), "slow.wav", "cannot compute features");

        Path ints = Path.of(FeatureExtractorTest.class.getResource("/pt/int64.pt").toURI());
        assertMessage(() -> fx.extract(new Utterance("i", null, null, ints, Utterance.Kind.TORCH_TENSOR)),
            "2-D floating-point", "int64 [2, 3]");
    }

    @Test
    void realCorporaThroughOneExtractor() throws IOException {
        FsddCorpus fsdd = FsddCorpus.load(SharedData.require("fsdd"));
        FeatureExtractor fx = new FeatureExtractor(FbankOptions.DEFAULTS, false);
        List<Utterance> some = fsdd.utterances().subList(0, 100);
        List<float[][]> feats = fx.extractAll(some, Runtime.getRuntime().availableProcessors());
        for (int k = 0; k < some.size(); k++) {
            int samples = WavReader.read(some.get(k).source()).samples().length;
            assertEquals(samples < 200 ? 0 : 1 + (samples - 200) / 80, feats.get(k).length, some.get(k).id());
            assertEquals(40, feats.get(k)[0].length);
        }
        Utterance an4 = An4Corpus.load(SharedData.require("an4"), "train").getFirst();
        assertArrayEquals(SphinxMfc.read(an4.source()), fx.extract(an4));
    }
}
