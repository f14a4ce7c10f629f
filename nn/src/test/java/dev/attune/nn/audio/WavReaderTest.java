package dev.attune.nn.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.nn.data.SharedData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavReaderTest {

    private static Audio decode(byte[] bytes) throws WavFormatException {
        return WavReader.decode(bytes, "test.wav");
    }

    private static WavFormatException failure(byte[] bytes, String... fragments) {
        WavFormatException e = assertThrows(WavFormatException.class, () -> decode(bytes));
        assertTrue(e.getMessage().startsWith("test.wav: "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
        }
        return e;
    }

    @Test
    void pcm16IsScaledByTwoToTheFifteen() throws IOException {
        Audio a = decode(new TestWavs().fmt(1, 1, 8000, 16).chunk("data", TestWavs.shorts(0, 16384, -32768, 32767, -1)).build());
        assertEquals(8000, a.sampleRate());
        assertArrayEquals(new float[] {0f, 0.5f, -1f, 32767f / 32768f, -1f / 32768f}, a.samples());
        assertEquals(5.0 / 8000, a.durationSeconds(), 1e-12);
    }

    @Test
    void pcm8IsUnsignedWithOffset128() throws IOException {
        Audio a = decode(new TestWavs().fmt(1, 1, 11025, 8).chunk("data", new byte[] {0, (byte) 128, (byte) 255}).build());
        assertEquals(11025, a.sampleRate());
        assertArrayEquals(new float[] {-1f, 0f, 127f / 128f}, a.samples());
    }

    @Test
    void pcm24SignExtends() throws IOException {
        byte[] data = {0x00, 0x00, (byte) 0x80, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        Audio a = decode(new TestWavs().fmt(1, 1, 48000, 24).chunk("data", data).build());
        assertArrayEquals(new float[] {-1f, 0.5f, 0x1p-23f, -0x1p-23f}, a.samples());
    }

    @Test
    void pcm32AndFloatFormats() throws IOException {
        ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MIN_VALUE).putInt(1 << 30);
        assertArrayEquals(new float[] {-1f, 0.5f}, decode(new TestWavs().fmt(1, 1, 8000, 32).chunk("data", i32.array()).build()).samples());
        ByteBuffer f32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.25f).putFloat(-0.75f);
        assertArrayEquals(new float[] {0.25f, -0.75f}, decode(new TestWavs().fmt(3, 1, 8000, 32).chunk("data", f32.array()).build()).samples());
        ByteBuffer f64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.125).putDouble(-1.0);
        assertArrayEquals(new float[] {0.125f, -1f}, decode(new TestWavs().fmt(3, 1, 8000, 64).chunk("data", f64.array()).build()).samples());
    }

    @Test
    void channelsAreAveraged() throws IOException {
        // stereo frames (L, R): (16384, 0), (-32768, 0)
        Audio a = decode(new TestWavs().fmt(1, 2, 22050, 16).chunk("data", TestWavs.shorts(16384, 0, -32768, 0)).build());
        assertArrayEquals(new float[] {0.25f, -0.5f}, a.samples());
        Audio three = decode(new TestWavs().fmt(1, 3, 8000, 16).chunk("data", TestWavs.shorts(3, 6, 9)).build());
        assertEquals(6f / 32768f, three.samples()[0], 1e-9f);
    }

    @Test
    void extensibleFormatUsesItsSubFormat() throws IOException {
        Audio pcm = decode(new TestWavs().fmtExtensible(1, 2, 16000, 16).chunk("data", TestWavs.shorts(8192, 8192)).build());
        assertArrayEquals(new float[] {0.25f}, pcm.samples());
        ByteBuffer f32 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f);
        Audio flt = decode(new TestWavs().fmtExtensible(3, 1, 16000, 32).chunk("data", f32.array()).build());
        assertArrayEquals(new float[] {0.5f}, flt.samples());
    }

    @Test
    void unknownChunksAndOddPaddingAreSkipped() throws IOException {
        byte[] file = new TestWavs()
            .chunk("LIST", new byte[] {'I', 'N', 'F', 'O', 'x'}) // odd length: one pad byte follows
            .fmt(1, 1, 8000, 16)
            .chunk("fact", new byte[] {1, 0, 0, 0})
            .chunk("data", TestWavs.shorts(100, -100, 0x00FF))
            .chunk("cue ", new byte[3])
            .build();
        assertArrayEquals(new float[] {100f / 32768f, -100f / 32768f, 255f / 32768f}, decode(file).samples());
    }

    @Test
    void dataBeforeFmtAndTrailingPartialFrameAreAccepted() throws IOException {
        byte[] data = Arrays.copyOf(TestWavs.shorts(16384, 0, 16384), 5); // two frames and half of a third
        byte[] file = new TestWavs().chunk("data", data).fmt(1, 1, 8000, 16).build();
        assertArrayEquals(new float[] {0.5f, 0f}, decode(file).samples());
    }

    @Test
    void malformedFilesAreRejectedWithClearMessages() {
        byte[] good = new TestWavs().fmt(1, 1, 8000, 16).chunk("data", TestWavs.shorts(1, 2)).build();
        failure(new byte[5], "12-byte", "5 bytes");
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        failure(badMagic, "'RIFF'", "'XIFF'");
        byte[] rifx = good.clone();
        rifx[8] = 'A';
        failure(rifx, "'WAVE'", "'AAVE'");
        failure(new TestWavs().chunk("data", TestWavs.shorts(1)).build(), "'fmt '", "none");
        failure(new TestWavs().fmt(1, 1, 8000, 16).build(), "'data'", "none");
        failure(new TestWavs().fmt(1, 1, 8000, 16).chunk("data", TestWavs.shorts(1, 2), 1_000_000).build(),
            "data chunk", "1000000", "truncated");
        failure(Arrays.copyOf(good, good.length - 1), "data chunk", "declares 4", "3 remain");
        failure(new TestWavs().chunk("LIST", new byte[4], 999).fmt(1, 1, 8000, 16).chunk("data", new byte[2]).build(),
            "'LIST'", "999");
        failure(new TestWavs().fmt(2, 1, 8000, 4).chunk("data", new byte[2]).build(), "format 1 (PCM) or 3", "found format 2");
        failure(new TestWavs().fmt(1, 0, 8000, 16).chunk("data", new byte[2]).build(), "at least one channel", "found 0");
        failure(new TestWavs().fmt(1, 1, 0, 16).chunk("data", new byte[2]).build(), "sample rate", "found 0");
        failure(new TestWavs().fmt(1, 1, 8000, 12).chunk("data", new byte[2]).build(), "8, 16, 24 or 32", "found 12 bits");
        failure(new TestWavs().fmt(3, 1, 8000, 16).chunk("data", new byte[2]).build(), "float of 32 or 64", "found 16 bits");
        failure(new TestWavs().fmt(1, 2, 8000, 16, 2).chunk("data", new byte[4]).build(), "block align 4", "found 2");
        failure(new TestWavs().chunk("fmt ", new byte[10]).chunk("data", new byte[2]).build(), "at least 16 bytes", "found 10");
        byte[] badGuid = new TestWavs().fmtExtensible(1, 1, 8000, 16).chunk("data", new byte[2]).build();
        badGuid[12 + 8 + 30] ^= 0x55; // a byte of the GUID tail
        failure(badGuid, "sub-format GUID");
    }

    @Test
    void readNamesThePathAndRefusesMissingFiles(@TempDir Path dir) throws IOException {
        Path ok = dir.resolve("ok.wav");
        Files.write(ok, TestWavs.pcm16(new float[] {0.5f, -0.5f}, 16000));
        assertArrayEquals(new float[] {0.5f, -0.5f}, WavReader.read(ok).samples());
        Path bad = dir.resolve("bad.wav");
        Files.write(bad, new byte[20]);
        WavFormatException e = assertThrows(WavFormatException.class, () -> WavReader.read(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
        assertThrows(IOException.class, () -> WavReader.read(dir.resolve("missing.wav")));
    }

    @Test
    void realFsddFileDecodes() throws IOException {
        Path file = SharedData.require("fsdd").resolve("recordings").resolve("0_george_5.wav");
        Audio a = WavReader.read(file);
        // The header declares a 10290-byte data chunk of 16-bit mono at 8 kHz; the first sample is 0xff48 = -184.
        assertEquals(8000, a.sampleRate());
        assertEquals(5145, a.samples().length);
        assertEquals(-184f / 32768f, a.samples()[0]);
    }
}
