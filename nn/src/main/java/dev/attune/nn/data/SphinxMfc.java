package dev.attune.nn.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads Sphinx cepstra files ({@code .mfc}): an int32 {@code N}, then {@code N} float32 values,
 * {@code frames x dim} in row-major order (13 cepstral coefficients per 10 ms frame in AN4).
 *
 * <p>The file is big-endian; as in Sphinx itself, a header that only matches the file size after
 * byte-swapping marks a little-endian file. The header must satisfy {@code 4 + 4N = file size}
 * and {@code N % dim = 0}; nothing is allocated from an unchecked header.
 */
public final class SphinxMfc {

    /** Coefficients per frame in Sphinx's default front end (and in AN4). */
    public static final int CEPSTRA = 13;

    private SphinxMfc() {
    }

    /** Reads a file of 13 coefficients per frame. */
    public static float[][] read(Path path) throws IOException {
        return read(path, CEPSTRA);
    }

    /** Reads a file of {@code dim} coefficients per frame; returns {@code frames x dim}. */
    public static float[][] read(Path path, int dim) throws IOException {
        if (dim <= 0) {
            throw new IllegalArgumentException("SphinxMfc.read: dim must be positive, got " + dim);
        }
        if (!Files.isRegularFile(path)) {
            throw new CorpusFormatException(path, "expected a Sphinx .mfc file, found no such file");
        }
        long size = Files.size(path);
        if (size < 4 || size > Integer.MAX_VALUE - 8) {
            throw new CorpusFormatException(path, "expected a Sphinx .mfc file of 4 bytes to 2 GiB, found " + size + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path));
        if ((size - 4) % 4 != 0) {
            throw new CorpusFormatException(path, "expected 4 + 4N bytes (an int32 count and N float32), found " + size + " bytes");
        }
        long expected = (size - 4) / 4;
        long big = Integer.toUnsignedLong(buf.getInt(0));
        if (big != expected) {
            if (Integer.toUnsignedLong(Integer.reverseBytes(buf.getInt(0))) != expected) {
                throw new CorpusFormatException(path, "header says " + big + " floats (" + (4 + 4 * big) + " bytes), but the file has "
                    + size + " bytes");
            }
            buf.order(ByteOrder.LITTLE_ENDIAN);
        }
        int n = (int) expected;
        if (n % dim != 0) {
            throw new CorpusFormatException(path, "expected a multiple of " + dim + " values (frames x " + dim + "), found " + n);
        }
        float[][] out = new float[n / dim][dim];
        for (int i = 0; i < n; i++) {
            out[i / dim][i % dim] = buf.getFloat(4 + 4 * i);
        }
        return out;
    }
}
