package dev.attune.nn.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds WAV files byte by byte for tests: RIFF header, chunks with odd-length padding. */
public final class TestWavs {

    private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();

    /** A 16-bit mono PCM file of {@code samples} (clipped to [-1, 1)) at {@code rate}. */
    public static byte[] pcm16(float[] samples, int rate) {
        ByteBuffer data = ByteBuffer.allocate(2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float s : samples) {
            data.putShort((short) Math.max(-32768, Math.min(32767, Math.round(s * 32768.0))));
        }
        return new TestWavs().fmt(1, 1, rate, 16).chunk("data", data.array()).build();
    }

    /** Appends a 16-byte {@code fmt } chunk. */
    public TestWavs fmt(int format, int channels, int rate, int bits) {
        return fmt(format, channels, rate, bits, channels * bits / 8);
    }

    /** Appends a 16-byte {@code fmt } chunk with an explicit block align. */
    public TestWavs fmt(int format, int channels, int rate, int bits, int blockAlign) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) format).putShort((short) channels).putInt(rate).putInt(rate * blockAlign)
            .putShort((short) blockAlign).putShort((short) bits);
        return chunk("fmt ", b.array());
    }

    /** Appends a 40-byte WAVE_FORMAT_EXTENSIBLE {@code fmt } chunk whose sub-format GUID carries {@code subFormat}. */
    public TestWavs fmtExtensible(int subFormat, int channels, int rate, int bits) {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        int blockAlign = channels * bits / 8;
        b.putShort((short) 0xFFFE).putShort((short) channels).putInt(rate).putInt(rate * blockAlign)
            .putShort((short) blockAlign).putShort((short) bits).putShort((short) 22).putShort((short) bits).putInt(0);
        b.putInt(subFormat).put(new byte[] {0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71});
        return chunk("fmt ", b.array());
    }

    /** Appends a chunk, with a pad byte after an odd-length payload. */
    public TestWavs chunk(String id, byte[] payload) {
        return chunk(id, payload, payload.length);
    }

    /** Appends a chunk whose header declares {@code declaredLength} (which may lie). */
    public TestWavs chunk(String id, byte[] payload, long declaredLength) {
        chunks.writeBytes(id.getBytes(StandardCharsets.ISO_8859_1));
        chunks.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) declaredLength).array());
        chunks.writeBytes(payload);
        if ((payload.length & 1) == 1) {
            chunks.write(0);
        }
        return this;
    }

    /** The complete file: {@code "RIFF" size "WAVE"} and the chunks. */
    public byte[] build() {
        byte[] body = chunks.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(12 + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.ISO_8859_1)).putInt(4 + body.length).put("WAVE".getBytes(StandardCharsets.ISO_8859_1)).put(body);
        return b.array();
    }

    /** Little-endian bytes of 16-bit samples. */
    public static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }
}
