package dev.attune.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class An4CorpusTest {

    @Test
    void realTrainingSplit() throws IOException {
        List<Utterance> train = An4Corpus.load(SharedData.require("an4"), "train");
        assertEquals(948, train.size());
        assertEquals(74, train.stream().map(Utterance::speaker).distinct().count());
        Utterance first = train.getFirst();
        assertEquals("an251-fash-b", first.id());
        assertEquals("fash", first.speaker());
        assertEquals("YES", first.transcript());
        assertEquals(Utterance.Kind.SPHINX_MFC, first.kind());
        Utterance last = train.getLast();
        assertEquals("cen8-mwhw-b", last.id());
        assertEquals("ELEVEN SEVENTEEN FIFTY ONE", last.transcript());
        assertTrue(last.source().endsWith(Path.of("feat", "an4_clstk", "mwhw", "cen8-mwhw-b.mfc")), last.source().toString());
    }

    @Test
    void realFeaturesAreFramesBy13() throws IOException {
        List<Utterance> train = An4Corpus.load(SharedData.require("an4"), "train");
        long frames = 0;
        for (Utterance u : train) {
            float[][] f = SphinxMfc.read(u.source());
            assertTrue(f.length > 10, u.id() + " has " + f.length + " frames");
            assertEquals(13, f[0].length);
            for (float[] row : f) {
                for (float v : row) {
                    assertTrue(Float.isFinite(v), u.id());
                }
            }
            frames += f.length;
        }
        // 100 frames per second: the 948 utterances last between 10 and 60 minutes in all.
        assertTrue(frames > 60_000 && frames < 360_000, "total frames " + frames);
    }

    @Test
    void speakerIsTheMiddleOfTheId() {
        assertEquals("fash", An4Corpus.speakerOf("an251-fash-b"));
        assertEquals("mwhw", An4Corpus.speakerOf("cen8-mwhw-b"));
        assertThrows(IllegalArgumentException.class, () -> An4Corpus.speakerOf("an251"));
    }

    private static Path layout(Path root, String split, String fileids, String transcription, String... features) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc").resolve("an4_" + split + ".fileids"), fileids);
        Files.writeString(root.resolve("etc").resolve("an4_" + split + ".transcription"), transcription);
        for (String f : features) {
            Path p = root.resolve("feat").resolve(f + ".mfc");
            Files.createDirectories(p.getParent());
            Files.write(p, mfc(ByteOrder.BIG_ENDIAN, 26, 26));
        }
        return root;
    }

    private static byte[] mfc(ByteOrder order, int header, int values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * values).order(order).putInt(header);
        for (int i = 0; i < values; i++) {
            b.putFloat(i * 0.5f);
        }
        return b.array();
    }

    @Test
    void anySplitNameAndFillerTokensAreDropped(@TempDir Path dir) throws IOException {
        layout(dir, "test", "an4test_clstk/fcaw/an406-fcaw-b\n\n", "<s> RUBOUT G M E F THREE NINE </s> (an406-fcaw-b)\n",
            "an4test_clstk/fcaw/an406-fcaw-b");
        Utterance u = An4Corpus.load(dir, "test").getFirst();
        assertEquals("RUBOUT G M E F THREE NINE", u.transcript());
        assertEquals("fcaw", u.speaker());
        float[][] f = SphinxMfc.read(u.source());
        assertEquals(2, f.length);
        assertEquals(6.5f, f[1][0]); // value 13 of 0, 0.5, 1, ...
    }

    @Test
    void inconsistentListsAreReported(@TempDir Path dir) throws IOException {
        CorpusFormatException noSplit = assertThrows(CorpusFormatException.class, () -> An4Corpus.load(dir, "dev"));
        assertTrue(noSplit.getMessage().contains("an4_dev.fileids"), noSplit.getMessage());
        layout(dir.resolve("a"), "train", "x/s/an1-abc-b\nx/s/an2-abc-b\n", "YES (an1-abc-b)\n", "x/s/an1-abc-b", "x/s/an2-abc-b");
        assertMessage(() -> An4Corpus.load(dir.resolve("a"), "train"), "one transcript per line", "(2), found 1");
        layout(dir.resolve("b"), "train", "x/s/an1-abc-b\n", "YES (an9-abc-b)\n", "x/s/an1-abc-b");
        assertMessage(() -> An4Corpus.load(dir.resolve("b"), "train"), "expected utterance 'an1-abc-b'", "found 'an9-abc-b'");
        layout(dir.resolve("c"), "train", "x/s/an1-abc-b\n", "YES an1-abc-b\n", "x/s/an1-abc-b");
        assertMessage(() -> An4Corpus.load(dir.resolve("c"), "train"), "line 1", "WORDS ... (utterance-id)");
        layout(dir.resolve("d"), "train", "x/s/an1-abc-b\n", "YES (an1-abc-b)\n");
        assertMessage(() -> An4Corpus.load(dir.resolve("d"), "train"), "an1-abc-b.mfc", "no such file");
        layout(dir.resolve("e"), "train", "x/s/an1\n", "YES (an1)\n", "x/s/an1");
        assertMessage(() -> An4Corpus.load(dir.resolve("e"), "train"), "an251-fash-b", "'an1'");
    }

    @Test
    void sphinxHeaderIsCheckedAgainstTheFileSize(@TempDir Path dir) throws IOException {
        Path little = dir.resolve("little.mfc");
        Files.write(little, mfc(ByteOrder.LITTLE_ENDIAN, 13, 13));
        assertEquals(1, SphinxMfc.read(little).length);
        assertEquals(6.0f, SphinxMfc.read(little)[0][12]);

        Path bogus = dir.resolve("bogus.mfc");
        Files.write(bogus, mfc(ByteOrder.BIG_ENDIAN, 0x7fffffff, 13));
        assertMessage(() -> SphinxMfc.read(bogus), "header says 2147483647 floats", "file has 56 bytes");
        Path notMultiple = dir.resolve("twelve.mfc");
        Files.write(notMultiple, mfc(ByteOrder.BIG_ENDIAN, 12, 12));
        assertMessage(() -> SphinxMfc.read(notMultiple), "multiple of 13", "found 12");
        Path tiny = dir.resolve("tiny.mfc");
        Files.write(tiny, new byte[3]);
        assertMessage(() -> SphinxMfc.read(tiny), "4 bytes to 2 GiB", "found 3 bytes");
        Path ragged = dir.resolve("ragged.mfc");
        Files.write(ragged, new byte[7]);
        assertMessage(() -> SphinxMfc.read(ragged), "4 + 4N bytes", "found 7");
        assertMessage(() -> SphinxMfc.read(dir.resolve("none.mfc")), "no such file");
        assertEquals(0, SphinxMfc.read(writeEmpty(dir)).length);
    }

    private static Path writeEmpty(Path dir) throws IOException {
        Path p = dir.resolve("empty.mfc");
        Files.write(p, mfc(ByteOrder.BIG_ENDIAN, 0, 0));
        return p;
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String... fragments) {
        CorpusFormatException e = assertThrows(CorpusFormatException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
        }
    }
}
