package dev.attune.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.DType;
import dev.attune.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors round trips, hand-assembled files of every dtype read, and one test per malformed
 * case. The hand-assembled files follow the format spec byte by byte (no reference-implementation
 * file is available on the build machine: the Python {@code safetensors} package is not installed).
 */
class SafetensorsTest {
    @TempDir
    Path dir;

    // ---- helpers --------------------------------------------------------------------------------

    /** A file of: u64 LE header length, the header (UTF-8, as given), the data bytes. */
    private Path file(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return rawFile(name, h.length, h, data);
    }

    private Path rawFile(String name, long headerLength, byte[] header, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
        out.writeBytes(header);
        out.writeBytes(data);
        Path p = dir.resolve(name);
        Files.write(p, out.toByteArray());
        return p;
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A one-tensor F32 header. */
    private static String f32(String name, String shape, long begin, long end) {
        return "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}}";
    }

    private SafetensorsFormatException malformed(String header, byte[] data, String... fragments) throws IOException {
        Path p = file("bad.safetensors", header, data);
        return expectFormatError(p, fragments);
    }

    private static SafetensorsFormatException expectFormatError(Path p, String... fragments) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(p));
        String msg = e.getMessage();
        assertTrue(msg.contains(p.toString()), "message names the file: " + msg);
        for (String f : fragments) assertTrue(msg.contains(f), "message should contain '" + f + "': " + msg);
        return e;
    }

    private List<Path> dirListing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    // ---- round trips ----------------------------------------------------------------------------

    @Test
    void roundTripOfEveryWritableDtypeScalarAndEmptyWithMetadata() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("layer.weight", Tensor.of(new float[] {1.5f, -2f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -0f}, 2, 3));
        in.put("labels", Tensor.ofIntegers(new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, DType.INT32, 4));
        in.put("mask", Tensor.ofIntegers(new int[] {1, 0, 0, 1}, DType.BOOL, 2, 2));
        in.put("scale", Tensor.of(new float[] {3.25f}, new int[0]));
        in.put("empty", Tensor.of(new float[0], 0, 3));
        in.put("empty_ints", Tensor.ofIntegers(new int[0], DType.INT32, 2, 0));
        in.put("a_name_after", Tensor.of(new float[] {7f}, 1));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ünïcödé ✓ \"quoted\"");
        Path p = dir.resolve("model.safetensors");
        Safetensors.write(p, in, meta);

        SafetensorsFile f = Safetensors.read(p);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(f.tensors().keySet()), "file order = map order");
        assertEquals(meta, f.metadata());
        assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keySet()));
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            Tensor got = f.tensor(e.getKey());
            assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            if (got.dtype() == DType.FLOAT32) {
                float[] a = e.getValue().toFloatArray(), b = got.toFloatArray();
                assertEquals(a.length, b.length);
                for (int k = 0; k < a.length; k++) {
                    assertEquals(Float.floatToRawIntBits(a[k]), Float.floatToRawIntBits(b[k]), e.getKey() + "[" + k + "]");
                }
            } else {
                assertArrayEquals(e.getValue().toIntArray(), got.toIntArray(), e.getKey());
            }
        }
        assertEquals(0, f.tensor("scale").dim());
        assertEquals(3.25f, f.tensor("scale").item());
        assertEquals(meta, Safetensors.readMetadata(p));
        assertThrows(java.util.NoSuchElementException.class, () -> f.tensor("missing"));
    }

    @Test
    void writtenBytesFollowTheSpec() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("b", Tensor.of(new float[] {1f, 2f}, 2));
        in.put("a", Tensor.ofIntegers(new int[] {1, 0, 1}, DType.BOOL, 3));
        in.put("c", Tensor.ofIntegers(new int[] {-2}, DType.INT32, 1));
        Path p = dir.resolve("spec.safetensors");
        Safetensors.write(p, in, Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[8,11]},"
                + "\"c\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[11,15]}}", header.stripTrailing());
        assertTrue(header.length() - header.stripTrailing().length() < 8, "at most 7 padding spaces");
        ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) n, bytes.length - 8 - (int) n).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(15, data.remaining());
        assertEquals(1f, data.getFloat(0));
        assertEquals(2f, data.getFloat(4));
        assertEquals(1, data.get(8));
        assertEquals(0, data.get(9));
        assertEquals(1, data.get(10));
        assertEquals(-2, data.getInt(11));
    }

    @Test
    void noMetadataWritesNoMetadataKey() throws IOException {
        Path p = dir.resolve("plain.safetensors");
        Safetensors.write(p, Map.of("x", Tensor.of(new float[] {1f}, 1)), null);
        byte[] bytes = Files.readAllBytes(p);
        assertFalse(new String(bytes, StandardCharsets.UTF_8).contains("__metadata__"));
        assertTrue(Safetensors.read(p).metadata().isEmpty());
        assertTrue(Safetensors.readMetadata(p).isEmpty());
    }

    @Test
    void writeRejectsReservedAndNullNames() {
        Path p = dir.resolve("x.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("__metadata__", Tensor.of(new float[] {1f}, 1)), null));
        assertTrue(e.getMessage().contains("__metadata__"), e.getMessage());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("k", null);
        e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("x", Tensor.of(new float[] {1f}, 1)), meta));
        assertTrue(e.getMessage().contains("metadata"), e.getMessage());
        assertFalse(Files.exists(p));
    }

    @Test
    void roundTripOfNoTensors() throws IOException {
        Path p = dir.resolve("empty.safetensors");
        Safetensors.write(p, Map.of(), Map.of("k", "v"));
        SafetensorsFile f = Safetensors.read(p);
        assertTrue(f.tensors().isEmpty());
        assertEquals(Map.of("k", "v"), f.metadata());
    }

    // ---- hand-assembled files of the other dtypes -----------------------------------------------

    @Test
    void readsF64IntoFloat32() throws IOException {
        double[] v = {1.0, -0.1, 1e300, 3.0e-45, 65504.0};
        ByteBuffer b = le(v.length * 8);
        for (double d : v) b.putDouble(d);
        Path p = file("f64.safetensors", "{\"x\":{\"dtype\":\"F64\",\"shape\":[5],\"data_offsets\":[0,40]}}", b.array());
        Tensor t = Safetensors.read(p).tensor("x");
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new float[] {1f, -0.1f, Float.POSITIVE_INFINITY, 2.8e-45f, 65504f}, t.toFloatArray());
    }

    @Test
    void readsF16WithSubnormalInfNanAndNegativeZero() throws IOException {
        short[] halves = {
            0x3C00, // 1.0
            (short) 0xC000, // -2.0
            0x3555, // 0.333251953125
            0x7BFF, // 65504 (largest normal)
            0x0400, // 2^-14 (smallest normal)
            0x0001, // 2^-24 (smallest subnormal)
            0x03FF, // 1023 * 2^-24 (largest subnormal)
            (short) 0x8200, // -512 * 2^-24 = -2^-15 (negative subnormal)
            0x7C00, // +inf
            (short) 0xFC00, // -inf
            0x7E00, // NaN
            (short) 0x8000, // -0.0
            0x0000, // +0.0
        };
        float[] expected = {1f, -2f, 0.333251953125f, 65504f, 0x1p-14f, 0x1p-24f, 1023 * 0x1p-24f, -0x1p-15f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -0f, 0f};
        ByteBuffer b = le(halves.length * 2);
        for (short h : halves) b.putShort(h);
        Path p = file("f16.safetensors",
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[13],\"data_offsets\":[0,26]}}   ", b.array());
        float[] got = Safetensors.read(p).tensor("h").toFloatArray();
        assertEquals(expected.length, got.length);
        for (int k = 0; k < expected.length; k++) {
            if (Float.isNaN(expected[k])) {
                assertTrue(Float.isNaN(got[k]), "element " + k + " is NaN");
            } else {
                assertEquals(Float.floatToIntBits(expected[k]), Float.floatToIntBits(got[k]),
                        "element " + k + ": expected " + expected[k] + ", got " + got[k]);
            }
        }
    }

    @Test
    void halfToFloatIsExactForAll65536BitPatterns() {
        // The JDK's own conversion (Java 20+) is the reference for every non-NaN value, bit for bit. For NaNs
        // the JDK may quiet a signalling NaN (hardware conversion does), so there we check that the result is a
        // NaN with the sign and the 10 payload bits kept, as PyTorch's software conversion does.
        int nans = 0;
        for (int bits = 0; bits < 0x10000; bits++) {
            String what = "half bits 0x" + Integer.toHexString(bits);
            float mine = Safetensors.halfToFloat((short) bits);
            float jdk = Float.float16ToFloat((short) bits);
            int mineBits = Float.floatToRawIntBits(mine);
            if (Float.isNaN(jdk)) {
                nans++;
                assertTrue(Float.isNaN(mine), what);
                assertEquals(bits >>> 15, mineBits >>> 31, what + " sign");
                assertEquals(bits & 0x3ff, (mineBits >>> 13) & 0x3ff, what + " payload");
                assertEquals(0, mineBits & 0x1fff, what + " low bits");
            } else {
                assertEquals(Float.floatToRawIntBits(jdk), mineBits, what);
            }
        }
        assertEquals(2 * 1023, nans);
    }

    @Test
    void readsBF16WithSubnormalInfNanAndNegativeZero() throws IOException {
        short[] raw = {
            0x3F80, // 1.0
            (short) 0xC0A0, // -5.0
            0x3EAB, // 0.333984375
            0x0001, // 2^-133 (smallest bf16 subnormal)
            0x7F80, // +inf
            (short) 0xFF80, // -inf
            0x7FC0, // NaN
            (short) 0x8000, // -0.0
            0x7F7F, // largest finite: 3.3895314e38
        };
        float[] expected = {1f, -5f, 0.333984375f, 0x1p-133f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NaN, -0f, 0x1.FEp127f};
        ByteBuffer b = le(raw.length * 2);
        for (short h : raw) b.putShort(h);
        Path p = file("bf16.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[3,3],\"data_offsets\":[0,18]}}", b.array());
        Tensor t = Safetensors.read(p).tensor("w");
        assertArrayEquals(new int[] {3, 3}, t.shape());
        float[] got = t.toFloatArray();
        for (int k = 0; k < expected.length; k++) {
            if (Float.isNaN(expected[k])) assertTrue(Float.isNaN(got[k]), "element " + k);
            else assertEquals(Float.floatToIntBits(expected[k]), Float.floatToIntBits(got[k]), "element " + k);
        }
    }

    @Test
    void readsI64AndSmallIntegerTypesIntoInt32() throws IOException {
        ByteBuffer b = le(24 + 3 + 3 + 6 + 4 + 8 + 8);
        b.putLong(5).putLong(-7).putLong(Integer.MIN_VALUE); // I64 [0,24)
        b.put((byte) -1).put((byte) 127).put((byte) -128); // I8 [24,27)
        b.put((byte) 255).put((byte) 0).put((byte) 200); // U8 [27,30)
        b.putShort((short) -300).putShort((short) 32767).putShort((short) -32768); // I16 [30,36)
        b.putShort((short) 0xFFFF).putShort((short) 1); // U16 [36,40)
        b.putInt(0x7FFFFFFF).putInt(3); // U32 [40,48)
        b.putLong(Integer.MAX_VALUE); // U64 [48,56)
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"i64\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[24,27]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[27,30]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[3],\"data_offsets\":[30,36]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[36,40]},"
                + "\"u32\":{\"dtype\":\"U32\",\"shape\":[2],\"data_offsets\":[40,48]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[],\"data_offsets\":[48,56]}}";
        SafetensorsFile f = Safetensors.read(file("ints.safetensors", header, b.array()));
        assertArrayEquals(new int[] {5, -7, Integer.MIN_VALUE}, f.tensor("i64").toIntArray());
        assertArrayEquals(new int[] {-1, 127, -128}, f.tensor("i8").toIntArray());
        assertArrayEquals(new int[] {255, 0, 200}, f.tensor("u8").toIntArray());
        assertArrayEquals(new int[] {-300, 32767, -32768}, f.tensor("i16").toIntArray());
        assertArrayEquals(new int[] {65535, 1}, f.tensor("u16").toIntArray());
        assertArrayEquals(new int[] {Integer.MAX_VALUE, 3}, f.tensor("u32").toIntArray());
        assertArrayEquals(new int[] {Integer.MAX_VALUE}, f.tensor("u64").toIntArray());
        for (Tensor t : f.tensors().values()) assertEquals(DType.INT32, t.dtype());
        assertEquals(Map.of("format", "pt"), f.metadata());
    }

    @Test
    void headerOrderIsKeptWhenOffsetsAreInAnotherOrder() throws IOException {
        ByteBuffer b = le(8);
        b.putFloat(1f).putFloat(2f);
        String header = "{\"second_in_buffer\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"first_in_buffer\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafetensorsFile f = Safetensors.read(file("order.safetensors", header, b.array()));
        assertEquals(List.of("second_in_buffer", "first_in_buffer"), List.copyOf(f.tensors().keySet()));
        assertEquals(2f, f.tensor("second_in_buffer").item());
        assertEquals(1f, f.tensor("first_in_buffer").item());
    }

    @Test
    void unknownEntryFieldsAreIgnoredAndNullMetadataIsEmpty() throws IOException {
        String header = "{\"__metadata__\":null,\"x\":{\"dtype\":\"F32\",\"extra\":{\"a\":[1,2]},"
                + "\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafetensorsFile f = Safetensors.read(file("extra.safetensors", header, le(4).putFloat(0, 9f).array()));
        assertEquals(9f, f.tensor("x").item());
        assertTrue(f.metadata().isEmpty());
    }

    // ---- malformed files: one test per problem --------------------------------------------------

    @Test
    void fileShorterThan8Bytes() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 0, 0});
        expectFormatError(p, "3 bytes", "at least 8");
        assertThrows(SafetensorsFormatException.class, () -> Safetensors.readMetadata(p));
    }

    @Test
    void headerLengthLargerThanFile() throws IOException {
        Path p = rawFile("long.safetensors", 100, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        expectFormatError(p, "header length is 100", "at most the 2 bytes");
    }

    @Test
    void headerLengthOf2To62DoesNotAllocate() throws IOException {
        Path p = rawFile("huge.safetensors", 1L << 62, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        expectFormatError(p, "header length is " + (1L << 62));
        Path q = rawFile("huge2.safetensors", -1L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        expectFormatError(q, "header length is 18446744073709551615");
    }

    @Test
    void headerLengthOver100MBIsAbsurdEvenInALargerFile() throws IOException {
        Path p = rawFile("sparse.safetensors", 150_000_000L, new byte[0], new byte[0]);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(200_000_000L); // sparse: costs no disk space
        }
        expectFormatError(p, "header length is 150000000", "at most 100000000");
    }

    @Test
    void invalidJson() throws IOException {
        SafetensorsFormatException e = malformed("{\"x\": {\"dtype\": \"F32\",", new byte[0], "not valid JSON");
        assertNull(e.tensor());
    }

    @Test
    void invalidUtf8() throws IOException {
        Path p = rawFile("utf8.safetensors", 4, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, new byte[0]);
        expectFormatError(p, "not valid UTF-8");
    }

    @Test
    void headerNotAnObject() throws IOException {
        malformed("[1, 2, 3]", new byte[0], "must be a JSON object", "found an array");
    }

    @Test
    void trailingContentAfterTheHeaderObject() throws IOException {
        malformed("{} {}", new byte[0], "found an object after it");
    }

    @Test
    void duplicateTensorName() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        malformed("{\"x\":" + entry + ",\"x\":" + entry + "}", new byte[4], "not valid JSON", "Duplicate", "x");
    }

    @Test
    void entryNotAnObject() throws IOException {
        SafetensorsFormatException e = malformed("{\"w\": [1, 2]}", new byte[0], "tensor 'w'", "must be a JSON object", "found an array");
        assertEquals("w", e.tensor());
    }

    @Test
    void entryMissingDtype() throws IOException {
        malformed("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4], "tensor 'w'", "missing the field 'dtype'");
    }

    @Test
    void entryMissingShape() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4], "tensor 'w'", "missing the field 'shape'");
    }

    @Test
    void entryMissingDataOffsets() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4], "tensor 'w'", "missing the field 'data_offsets'");
    }

    @Test
    void dtypeNotAString() throws IOException {
        malformed("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4],
                "tensor 'w'", "dtype must be a string", "found an integer");
    }

    @Test
    void shapeNotAnArray() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F32\",\"shape\":\"[1]\",\"data_offsets\":[0,4]}}", new byte[4],
                "tensor 'w'", "shape must be an array of integers", "found a string");
    }

    @Test
    void shapeWithNonIntegerSize() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4],
                "tensor 'w'", "shape must be an array of integers", "non-integer number");
    }

    @Test
    void dataOffsetsWithNonIntegerEntry() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", new byte[4],
                "tensor 'w'", "data_offsets must be an array of integers", "found a string at index 1");
    }

    @Test
    void dataOffsetsWithThreeNumbers() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", new byte[8],
                "tensor 'w'", "data_offsets must be [begin, end]", "found 3 numbers");
    }

    @Test
    void dataOffsetBeyond2To63() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", new byte[4],
                "tensor 'w'", "data_offsets[1] is 99999999999999999999", "below 2^63");
    }

    @Test
    void negativeShapeDim() throws IOException {
        malformed(f32("w", "[2,-1]", 0, 8), new byte[8], "tensor 'w'", "negative size -1 at dim 1");
    }

    @Test
    void shapeDimBeyondInt() throws IOException {
        malformed(f32("w", "[0,4294967296]", 0, 0), new byte[0], "tensor 'w'", "size 4294967296 at dim 1", "at most 2147483647");
    }

    @Test
    void unknownDtype() throws IOException {
        malformed("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1],
                "tensor 'w'", "unsupported dtype 'F8_E4M3'", "F32");
    }

    @Test
    void dataOffsetsPastTheBuffer() throws IOException {
        malformed(f32("w", "[2]", 0, 8), new byte[4], "tensor 'w'", "data_offsets [0, 8]", "holds 4 bytes");
    }

    @Test
    void dataOffsetsNegative() throws IOException {
        malformed(f32("w", "[1]", -4, 0), new byte[4], "tensor 'w'", "[-4, 0]", "non-negative");
    }

    @Test
    void dataOffsetsReversed() throws IOException {
        malformed(f32("w", "[1]", 4, 0), new byte[4], "tensor 'w'", "[4, 0]", "reversed");
    }

    @Test
    void dataOffsetsOverlapAnotherTensor() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        malformed(header, new byte[12], "tensor 'b'", "overlap tensor 'a'", "[0, 8]", "begin at 8");
    }

    @Test
    void gapBetweenTensors() throws IOException {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        malformed(header, new byte[12], "tensor 'b'", "bytes [4, 8)", "without gaps");
    }

    @Test
    void bufferBytesLeftOver() throws IOException {
        malformed(f32("a", "[1]", 0, 4), new byte[6], "holds 6 bytes", "cover only the first 4");
    }

    @Test
    void byteCountDiffersFromShapeTimesDtypeSize() throws IOException {
        malformed(f32("w", "[2,3]", 0, 20), new byte[20], "tensor 'w'", "needs 24 bytes", "6 elements", "span 20 bytes");
    }

    @Test
    void shapeProductOverflowIsAMismatchNotAnAllocation() throws IOException {
        malformed(f32("w", "[2147483647,2147483647,2147483647]", 0, 4), new byte[4],
                "tensor 'w'", "more than 2^63", "span 4 bytes");
    }

    @Test
    void deeplyNestedJsonIsRejectedWithoutStackOverflow() throws IOException {
        String deep = "[".repeat(200_000) + "]".repeat(200_000);
        malformed("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":" + deep + "}}",
                new byte[4], "not valid JSON", "depth");
    }

    @Test
    void metadataNotAnObject() throws IOException {
        malformed("{\"__metadata__\":[\"a\"]}", new byte[0], "__metadata__ must be a JSON object", "found an array");
    }

    @Test
    void metadataValueNotAString() throws IOException {
        malformed("{\"__metadata__\":{\"epoch\":3}}", new byte[0], "__metadata__ value of key 'epoch' must be a string",
                "found an integer");
    }

    @Test
    void boolByteOtherThan0Or1() throws IOException {
        malformed("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[] {1, 2},
                "tensor 'm'", "element 1 is the byte 2", "0 or 1");
    }

    @Test
    void i64OutsideInt32Range() throws IOException {
        ByteBuffer b = le(16).putLong(1).putLong(1L << 40);
        malformed("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", b.array(),
                "tensor 'ids'", "element 1 is 1099511627776", "int32 range");
    }

    @Test
    void u64AboveInt64Range() throws IOException {
        ByteBuffer b = le(8).putLong(-1L);
        malformed("{\"ids\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]}}", b.array(),
                "tensor 'ids'", "18446744073709551615", "int32 range");
    }

    @Test
    void readMetadataValidatesTheHeaderToo() throws IOException {
        Path p = file("meta.safetensors", f32("w", "[1]", 0, 4), new byte[8]);
        assertThrows(SafetensorsFormatException.class, () -> Safetensors.readMetadata(p));
    }

    @Test
    void readingADirectoryIsAClearError() {
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    // ---- atomic write ---------------------------------------------------------------------------

    @Test
    void writeLeavesNoTempFileAndReplacesAnExistingFile() throws IOException {
        Path p = dir.resolve("ckpt.safetensors");
        Safetensors.write(p, Map.of("x", Tensor.of(new float[] {1f}, 1)), Map.of("step", "1"));
        Safetensors.write(p, Map.of("x", Tensor.of(new float[] {2f, 3f}, 2)), Map.of("step", "2"));
        assertEquals(List.of(p), dirListing(), "only the target is left in the directory");
        SafetensorsFile f = Safetensors.read(p);
        assertArrayEquals(new float[] {2f, 3f}, f.tensor("x").toFloatArray());
        assertEquals("2", f.metadata().get("step"));
    }

    @Test
    void failedWriteLeavesTheExistingFileAndNoTempFile() throws IOException {
        Path p = dir.resolve("ckpt.safetensors");
        Safetensors.write(p, Map.of("x", Tensor.of(new float[] {1f}, 1)), null);
        byte[] before = Files.readAllBytes(p);

        // Fails before any file is created: a reserved name.
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("__metadata__", Tensor.of(new float[] {5f}, 1)), null));
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of(p), dirListing());

        // Fails at the final rename, after the temporary file was written: the target is a non-empty directory.
        Path blocked = dir.resolve("blocked.safetensors");
        Files.createDirectory(blocked);
        Files.writeString(blocked.resolve("keep.txt"), "keep");
        assertThrows(IOException.class, () -> Safetensors.write(blocked, Map.of("x", Tensor.of(new float[] {5f}, 1)), null));
        assertEquals(List.of(blocked, p), dirListing(), "the temporary file was deleted");
        assertEquals("keep", Files.readString(blocked.resolve("keep.txt")));
        assertArrayEquals(before, Files.readAllBytes(p));
    }

    @Test
    void writeIntoAMissingDirectoryFailsCleanly() {
        Path p = dir.resolve("no/such/dir/x.safetensors");
        assertThrows(IOException.class, () -> Safetensors.write(p, Map.of("x", Tensor.of(new float[] {1f}, 1)), null));
        assertFalse(Files.exists(p));
    }
}
