package dev.attune.nn.data;

import static dev.attune.nn.data.An4CorpusTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attune.nn.audio.FbankOptions;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the tiny HW4 layout written by {@code src/test/resources/pt/make_fixtures.py} with PyTorch. */
class Hw4CorpusTest {

    static Path fixture() throws URISyntaxException {
        return Path.of(Hw4CorpusTest.class.getResource("/hw4/metadata.json").toURI()).getParent();
    }

    @Test
    void readsSpeakersMappingAndTestSet() throws Exception {
        Hw4Corpus corpus = Hw4Corpus.load(fixture());
        assertEquals(40, corpus.nMels());
        assertEquals(2, corpus.speakerCount());
        assertEquals(List.of("uttr-a.pt", "uttr-b.pt", "uttr-c.pt"), corpus.utterances().stream().map(Utterance::id).toList());
        assertEquals(List.of("id00002", "id00002", "id00001"), corpus.utterances().stream().map(Utterance::speaker).toList());
        assertEquals(1, corpus.speakerId("id00002"));
        assertEquals("id00001", corpus.speakerName(0));
        assertThrows(IllegalArgumentException.class, () -> corpus.speakerId("id99999"));
        assertThrows(IllegalArgumentException.class, () -> corpus.speakerName(2));
        Utterance test = corpus.testUtterances().getFirst();
        assertEquals("uttr-t.pt", test.id());
        assertNull(test.speaker());
        assertEquals(5, corpus.melLength(test));
        assertEquals(3, corpus.melLength(corpus.utterances().getFirst()));
        assertEquals(Utterance.Kind.TORCH_TENSOR, test.kind());
    }

    @Test
    void featuresAreMelLenBy40() throws Exception {
        Hw4Corpus corpus = Hw4Corpus.load(fixture());
        FeatureExtractor fx = new FeatureExtractor(FbankOptions.DEFAULTS, false);
        // make_fixtures.py: utterance number k (a, b, c, t) holds t[i][j] = k + i / 10 + j / 1000
        List<Utterance> all = Stream.concat(corpus.utterances().stream(), corpus.testUtterances().stream()).toList();
        for (int k = 0; k < all.size(); k++) {
            float[][] f = fx.extract(all.get(k));
            assertEquals(corpus.melLength(all.get(k)), f.length);
            for (int i = 0; i < f.length; i++) {
                assertEquals(40, f[i].length);
                for (int j = 0; j < 40; j++) {
                    assertEquals(k + i / 10.0 + j / 1000.0, f[i][j], 1e-5);
                }
            }
        }
    }

    private static Path copy(Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(fixture())) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
        return to;
    }

    @Test
    void inconsistentFilesAreReported(@TempDir Path dir) throws Exception {
        Path a = copy(dir.resolve("a"));
        Files.writeString(a.resolve("mapping.json"), "{\"speaker2id\": {\"id00001\": 0}, \"id2speaker\": {\"0\": \"id00001\"}}");
        assertMessage(() -> Hw4Corpus.load(a), "speaker id00002", "speaker2id");

        Path b = copy(dir.resolve("b"));
        Files.writeString(b.resolve("mapping.json"), "{\"speaker2id\": {\"id00001\": 0, \"id00002\": 0}, \"id2speaker\": {\"0\": \"id00001\", \"1\": \"x\"}}");
        assertMessage(() -> Hw4Corpus.load(b), "distinct id");

        Path c = copy(dir.resolve("c"));
        Files.delete(c.resolve("uttr-b.pt"));
        assertMessage(() -> Hw4Corpus.load(c), "uttr-b.pt", "no such file");

        Path d = copy(dir.resolve("d"));
        Files.writeString(d.resolve("metadata.json"), "{\"n_mels\": 40, \"speakers\": {\"id00001\": [{\"feature_path\": \"../x.pt\", \"mel_len\": 3}]}}");
        assertMessage(() -> Hw4Corpus.load(d), "points outside");

        Path e = copy(dir.resolve("e"));
        Files.writeString(e.resolve("metadata.json"), "{\"n_mels\": 40, \"speakers\": ");
        assertMessage(() -> Hw4Corpus.load(e), "metadata.json", "expected JSON");

        Path f = copy(dir.resolve("f"));
        Files.writeString(f.resolve("testdata.json"), "{\"n_mels\": 80, \"utterances\": []}");
        assertMessage(() -> Hw4Corpus.load(f), "n_mels 40", "found 80");

        Path g = copy(dir.resolve("g"));
        Files.writeString(g.resolve("metadata.json"), "{\"n_mels\": 40, \"speakers\": {\"id00001\": [{\"feature_path\": \"uttr-a.pt\", \"mel_len\": -1}]}}");
        assertMessage(() -> Hw4Corpus.load(g), "positive integer uttr-a.pt.mel_len");

        Path h = copy(dir.resolve("h"));
        Files.delete(h.resolve("mapping.json"));
        assertMessage(() -> Hw4Corpus.load(h), "mapping.json", "no such file");

        Path i = copy(dir.resolve("i"));
        Files.delete(i.resolve("testdata.json"));
        assertEquals(0, Hw4Corpus.load(i).testUtterances().size());
    }
}
