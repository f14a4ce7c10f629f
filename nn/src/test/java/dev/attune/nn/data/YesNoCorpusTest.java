package dev.attune.nn.data;

import static dev.attune.nn.data.An4CorpusTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.nn.audio.Audio;
import dev.attune.nn.audio.WavReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YesNoCorpusTest {

    @Test
    void realCorpusHas60FilesOf8Words() throws IOException {
        List<Utterance> all = YesNoCorpus.load(SharedData.require("yesno"));
        assertEquals(60, all.size());
        for (Utterance u : all) {
            String[] words = u.transcript().split(" ");
            String[] bits = u.id().split("_");
            assertEquals(8, words.length, u.id());
            for (int i = 0; i < 8; i++) {
                assertEquals(bits[i].equals("1") ? "yes" : "no", words[i], u.id());
            }
            assertEquals(YesNoCorpus.SPEAKER, u.speaker());
            Audio a = WavReader.read(u.source());
            assertEquals(8000, a.sampleRate(), u.id());
            assertTrue(a.durationSeconds() > 4.5 && a.durationSeconds() < 7.5, u.id() + " lasts " + a.durationSeconds());
        }
        assertEquals("no no no no yes yes yes yes", all.getFirst().transcript());
        Split<Utterance> split = YesNoCorpus.customarySplit(all);
        assertEquals(31, split.train().size());
        assertEquals(29, split.validation().size());
        assertTrue(split.validation().stream().allMatch(u -> u.id().startsWith("1_")));
    }

    @Test
    void badNamesAndEmptyFoldersAreReported(@TempDir Path dir) throws IOException {
        assertMessage(() -> YesNoCorpus.load(dir), "found none");
        Files.write(dir.resolve("1_0_2.wav"), new byte[0]);
        assertMessage(() -> YesNoCorpus.load(dir), "1_0_2.wav", "0/1 words");
    }
}
