package dev.attune.nn.data;

import static dev.attune.nn.data.An4CorpusTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.attune.nn.audio.TestWavs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderCorpusTest {

    @Test
    void oneSubFolderPerSpeaker(@TempDir Path dir) throws IOException {
        byte[] wav = TestWavs.pcm16(new float[400], 16000);
        for (String f : List.of("bob/b2.wav", "bob/b1.WAV", "alice/a1.wav", "alice/readme.txt", ".hidden/x.wav", "carol/notes.txt")) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.write(p, wav);
        }
        Files.write(dir.resolve("top.wav"), wav);
        List<Utterance> all = FolderCorpus.load(dir);
        assertEquals(List.of("alice/a1", "bob/b1", "bob/b2"), all.stream().map(Utterance::id).toList());
        assertEquals(List.of("alice", "bob", "bob"), all.stream().map(Utterance::speaker).toList());
        assertNull(all.getFirst().transcript());
        assertEquals(dir.resolve("bob").resolve("b1.WAV"), all.get(1).source());
    }

    @Test
    void emptyOrMissingRootIsReported(@TempDir Path dir) throws IOException {
        assertMessage(() -> FolderCorpus.load(dir.resolve("missing")), "found nothing");
        Files.createDirectories(dir.resolve("bob"));
        assertMessage(() -> FolderCorpus.load(dir), "no WAV files in 1 sub-folders");
    }
}
