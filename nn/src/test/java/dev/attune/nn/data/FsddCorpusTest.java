package dev.attune.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.nn.audio.Audio;
import dev.attune.nn.audio.WavReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsddCorpusTest {

    @Test
    void realCorpusHas2700RecordingsOf6Speakers() throws IOException {
        Path dir = SharedData.require("fsdd");
        FsddCorpus corpus = FsddCorpus.load(dir);
        assertEquals(2700, corpus.recordings().size());
        assertEquals(List.of("george", "jackson", "lucas", "nicolas", "theo", "yweweler"), corpus.speakers());
        assertEquals(2700, FsddCorpus.load(dir.resolve("recordings")).recordings().size());
        // 6 speakers x 10 digits x repetitions 5..49
        for (FsddCorpus.Recording r : corpus.recordings()) {
            assertTrue(r.repetition() >= 5 && r.repetition() <= 49, r.id());
        }
        assertEquals(60, corpus.recordings().stream().map(r -> r.speaker() + r.digit()).distinct().count());

        Utterance u = corpus.utterances().stream().filter(x -> x.id().equals("7_theo_12")).findFirst().orElseThrow();
        assertEquals("seven", u.transcript());
        assertEquals("theo", u.speaker());
        assertEquals(Utterance.Kind.WAV, u.kind());
        assertEquals("7_theo_12.wav", u.source().getFileName().toString());
        FsddCorpus.Recording first = corpus.recordings().getFirst();
        assertEquals("0_george_5", first.id());
    }

    @Test
    void everyRealRecordingDecodesAt8kHz() throws IOException {
        FsddCorpus corpus = FsddCorpus.load(SharedData.require("fsdd"));
        for (FsddCorpus.Recording r : corpus.recordings()) {
            Audio a = WavReader.read(r.path());
            assertEquals(8000, a.sampleRate(), r.id());
            assertTrue(a.durationSeconds() > 0.1 && a.durationSeconds() < 2.5, r.id() + " lasts " + a.durationSeconds());
        }
    }

    @Test
    void repetitionSplitPutsEverySpeakerAndDigitOnBothSides() throws IOException {
        FsddCorpus corpus = FsddCorpus.load(SharedData.require("fsdd"));
        Split<FsddCorpus.Recording> split = corpus.splitByRepetition(10, 0);
        assertEquals(240, split.validation().size()); // repetitions 10, 20, 30, 40 of each speaker and digit
        assertEquals(2460, split.train().size());
        for (List<FsddCorpus.Recording> side : List.of(split.train(), split.validation())) {
            assertEquals(60, side.stream().map(r -> r.speaker() + r.digit()).distinct().count());
        }
        Set<String> val = split.validation().stream().map(FsddCorpus.Recording::id).collect(Collectors.toSet());
        assertTrue(split.train().stream().noneMatch(r -> val.contains(r.id())));
    }

    @Test
    void digitWords() {
        String[] words = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
        for (int d = 0; d < 10; d++) {
            assertEquals(words[d], FsddCorpus.digitWord(d));
        }
        assertThrows(IllegalArgumentException.class, () -> FsddCorpus.digitWord(10));
    }

    @Test
    void badFoldersAreReported(@TempDir Path dir) throws IOException {
        CorpusFormatException missing = assertThrows(CorpusFormatException.class, () -> FsddCorpus.load(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("found nothing"), missing.getMessage());
        CorpusFormatException empty = assertThrows(CorpusFormatException.class, () -> FsddCorpus.load(dir));
        assertTrue(empty.getMessage().contains("found none"), empty.getMessage());
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        Files.write(dir.resolve("3_ann_7.wav"), new byte[0]);
        Files.write(dir.resolve("three_ann.wav"), new byte[0]);
        CorpusFormatException bad = assertThrows(CorpusFormatException.class, () -> FsddCorpus.load(dir));
        assertTrue(bad.getMessage().contains("three_ann.wav") && bad.getMessage().contains("{digit}_{speaker}_{repetition}"), bad.getMessage());
        Files.delete(dir.resolve("three_ann.wav"));
        FsddCorpus one = FsddCorpus.load(dir);
        assertEquals("three", one.utterances().getFirst().transcript());
        assertThrows(IllegalArgumentException.class, () -> one.splitByRepetition(1, 0));
    }
}
