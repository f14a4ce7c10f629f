package dev.attune.nn.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decodes RIFF/WAVE files into mono {@link Audio}.
 *
 * <p>Layout (all integers little-endian): {@code "RIFF" u32 size "WAVE"}, then chunks
 * {@code id[4] u32 length payload [pad byte if length is odd]}. The {@code fmt } chunk holds
 * {@code u16 format, u16 channels, u32 sampleRate, u32 byteRate, u16 blockAlign, u16 bitsPerSample}
 * and, for {@code WAVE_FORMAT_EXTENSIBLE} (0xFFFE), {@code u16 cbSize, u16 validBits, u32 channelMask,
 * GUID subFormat} whose first two bytes carry the real format code. The {@code data} chunk holds
 * interleaved frames of {@code blockAlign = channels * ceil(bits / 8)} bytes. Other chunks
 * ({@code LIST}, {@code fact}, ...) are skipped; a trailing partial frame is ignored.
 *
 * <p>Supported samples: PCM (format 1) unsigned 8-bit, {@code x = (b - 128) / 128}, and signed
 * 16/24/32-bit, {@code x = s / 2^(bits-1)}; IEEE float (format 3) 32/64-bit, passed through
 * unchanged. Channels are averaged: {@code mono[t] = (1/C) sum_c x[t][c]}.
 *
 * <p>A malformed or truncated file throws {@link WavFormatException} naming the file, what was
 * expected and what was found. Nothing larger than the file itself is ever allocated.
 */
public final class WavReader {

    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_FLOAT = 3;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;
    /** Bytes 2..15 of the KSDATAFORMAT_SUBTYPE GUIDs {@code 0000xxxx-0000-0010-8000-00aa00389b71}. */
    private static final byte[] GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};

    private WavReader() {
    }

    /** Reads and decodes the WAV file at {@code path}. */
    public static Audio read(Path path) throws IOException {
        long size = Files.size(path);
        if (size > Integer.MAX_VALUE - 16) {
            throw new WavFormatException(path.toString(), "expected a WAV file under 2 GiB, found " + size + " bytes");
        }
        return decode(Files.readAllBytes(path), path.toString());
    }

    /**
     * Decodes a complete WAV file held in memory.
     *
     * @param bytes the file contents
     * @param name  the name used in error messages (usually the file path)
     */
    public static Audio decode(byte[] bytes, String name) throws WavFormatException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12) {
            throw new WavFormatException(name, "expected a 12-byte RIFF/WAVE header, found a file of " + bytes.length + " bytes");
        }
        String riff = fourCc(bytes, 0);
        String wave = fourCc(bytes, 8);
        if (!riff.equals("RIFF") || !wave.equals("WAVE")) {
            throw new WavFormatException(name, "expected magic 'RIFF'....'WAVE', found '" + printable(riff) + "'....'" + printable(wave) + "'");
        }
        Format format = null;
        int dataOffset = -1;
        int dataLength = 0;
        int pos = 12;
        while (bytes.length - pos >= 8) {
            String id = fourCc(bytes, pos);
            long length = Integer.toUnsignedLong(buf.getInt(pos + 4));
            int payload = pos + 8;
            long available = bytes.length - payload;
            if (length > available) {
                if (id.equals("data")) {
                    throw new WavFormatException(name, "data chunk at byte " + pos + " declares " + length
                        + " bytes but only " + available + " remain in the file (truncated?)");
                }
                if (format != null && dataOffset >= 0) {
                    break; // trailing garbage after a complete file
                }
                throw new WavFormatException(name, "chunk '" + printable(id) + "' at byte " + pos + " declares " + length
                    + " bytes but only " + available + " remain in the file (truncated?)");
            }
            switch (id) {
                case "fmt " -> format = parseFormat(buf, payload, (int) length, name);
                case "data" -> {
                    dataOffset = payload;
                    dataLength = (int) length;
                }
                default -> { } // LIST, fact, cue, ...: not needed
            }
            pos = (int) Math.min(bytes.length, payload + length + (length & 1));
        }
        if (format == null) {
            throw new WavFormatException(name, "expected a 'fmt ' chunk, found none");
        }
        if (dataOffset < 0) {
            throw new WavFormatException(name, "expected a 'data' chunk, found none");
        }
        return new Audio(samples(buf, dataOffset, dataLength, format), format.sampleRate);
    }

    private record Format(int code, int channels, int sampleRate, int bytesPerSample) {
    }

    private static Format parseFormat(ByteBuffer buf, int at, int length, String name) throws WavFormatException {
        if (length < 16) {
            throw new WavFormatException(name, "expected a 'fmt ' chunk of at least 16 bytes, found " + length);
        }
        int code = Short.toUnsignedInt(buf.getShort(at));
        int channels = Short.toUnsignedInt(buf.getShort(at + 2));
        long sampleRate = Integer.toUnsignedLong(buf.getInt(at + 4));
        int blockAlign = Short.toUnsignedInt(buf.getShort(at + 12));
        int bits = Short.toUnsignedInt(buf.getShort(at + 14));
        if (code == FORMAT_EXTENSIBLE) {
            if (length < 40) {
                throw new WavFormatException(name, "expected a 40-byte WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk, found " + length + " bytes");
            }
            for (int i = 0; i < GUID_TAIL.length; i++) {
                if (buf.get(at + 26 + i) != GUID_TAIL[i]) {
                    throw new WavFormatException(name, "expected a KSDATAFORMAT_SUBTYPE_PCM/IEEE_FLOAT sub-format GUID, found another GUID");
                }
            }
            code = Short.toUnsignedInt(buf.getShort(at + 24));
        }
        if (code != FORMAT_PCM && code != FORMAT_FLOAT) {
            throw new WavFormatException(name, "expected format 1 (PCM) or 3 (IEEE float), found format " + code);
        }
        if (channels == 0) {
            throw new WavFormatException(name, "expected at least one channel, found 0");
        }
        if (sampleRate == 0 || sampleRate > Integer.MAX_VALUE) {
            throw new WavFormatException(name, "expected a positive sample rate, found " + sampleRate);
        }
        boolean supported = code == FORMAT_PCM ? bits == 8 || bits == 16 || bits == 24 || bits == 32 : bits == 32 || bits == 64;
        if (!supported) {
            throw new WavFormatException(name, "expected " + (code == FORMAT_PCM ? "PCM of 8, 16, 24 or 32 bits" : "float of 32 or 64 bits")
                + ", found " + bits + " bits");
        }
        int bytesPerSample = bits / 8;
        if (blockAlign != channels * bytesPerSample) {
            throw new WavFormatException(name, "expected block align " + channels * bytesPerSample + " (" + channels + " channels x "
                + bytesPerSample + " bytes), found " + blockAlign);
        }
        return new Format(code, channels, (int) sampleRate, bytesPerSample);
    }

    private static float[] samples(ByteBuffer buf, int offset, int length, Format f) {
        int frameBytes = f.channels * f.bytesPerSample;
        int frames = length / frameBytes;
        float[] out = new float[frames];
        double norm = 1.0 / f.channels;
        int p = offset;
        for (int t = 0; t < frames; t++) {
            double sum = 0;
            for (int c = 0; c < f.channels; c++, p += f.bytesPerSample) {
                sum += sample(buf, p, f);
            }
            out[t] = (float) (sum * norm);
        }
        return out;
    }

    private static double sample(ByteBuffer buf, int p, Format f) {
        if (f.code == FORMAT_FLOAT) {
            return f.bytesPerSample == 4 ? buf.getFloat(p) : buf.getDouble(p);
        }
        return switch (f.bytesPerSample) {
            case 1 -> (Byte.toUnsignedInt(buf.get(p)) - 128) / 128.0;
            case 2 -> buf.getShort(p) / 32768.0;
            case 3 -> ((buf.get(p + 2) << 16) | (Byte.toUnsignedInt(buf.get(p + 1)) << 8) | Byte.toUnsignedInt(buf.get(p))) / 8388608.0;
            default -> buf.getInt(p) / 2147483648.0;
        };
    }

    private static String fourCc(byte[] b, int at) {
        return new String(b, at, 4, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return sb.toString();
    }
}
