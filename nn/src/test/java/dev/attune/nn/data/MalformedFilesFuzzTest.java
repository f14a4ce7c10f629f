package dev.attune.nn.data;

import static org.junit.jupiter.api.Assertions.fail;

import dev.attune.nn.audio.TestWavs;
import dev.attune.nn.audio.WavReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random corruption of valid files: each reader must either succeed or throw an
 * {@link IOException}; any other exception (or error) is a bug.
 */
class MalformedFilesFuzzTest {

    private interface Reader {
        void read(byte[] contents) throws IOException;
    }

    private interface PathReader {
        void read(Path p) throws IOException;
    }

    /** A reader of files: writes the contents to {@code dir/fuzz.bin} first. */
    private static Reader viaFile(Path dir, PathReader reader) {
        return b -> {
            Path p = dir.resolve("fuzz.bin");
            Files.write(p, b);
            reader.read(p);
        };
    }

    private static void fuzz(byte[] valid, Reader reader, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int round = 0; round < 600; round++) {
            byte[] b = valid.clone();
            int edits = 1 + rng.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = rng.nextInt(b.length);
                b[at] = switch (rng.nextInt(3)) {
                    case 0 -> (byte) rng.nextInt(256);
                    case 1 -> (byte) (b[at] ^ (1 << rng.nextInt(8)));
                    default -> (byte) (rng.nextBoolean() ? 0 : 0xff);
                };
            }
            if (rng.nextInt(8) == 0) {
                b = Arrays.copyOf(b, rng.nextInt(b.length));
            }
            try {
                reader.read(b);
            } catch (IOException expected) {
                // a clear error is the right outcome
            } catch (RuntimeException | Error e) {
                fail("round " + round + " (seed " + seed + "): " + e, e);
            }
        }
    }

    @Test
    void torchFiles(@TempDir Path dir) throws Exception {
        for (String name : new String[] {"dict.pt", "transposed.pt", "state_dict.pt"}) {
            byte[] valid = Files.readAllBytes(Path.of(MalformedFilesFuzzTest.class.getResource("/pt/" + name).toURI()));
            fuzz(valid, viaFile(dir, PtReader::read), name.hashCode());
        }
    }

    @Test
    void pickles() {
        byte[] pkl = Pickles.tensor("FloatStorage", "0", 12, 0, new long[] {3, 4}, new long[] {4, 1});
        fuzz(pkl, b -> TorchPickle.load(b, "fuzz.pkl"), 11);
    }

    @Test
    void wavAndMfcFiles(@TempDir Path dir) throws IOException {
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.3) * 0.5f;
        }
        fuzz(TestWavs.pcm16(x, 16000), b -> WavReader.decode(b, "fuzz.wav"), 5);
        ByteBuffer mfc = ByteBuffer.allocate(4 + 4 * 26).putInt(26);
        fuzz(mfc.array(), viaFile(dir, SphinxMfc::read), 6);
    }
}
