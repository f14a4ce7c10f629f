package dev.attune.tensor.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.attune.kernels.DType;
import dev.attune.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files,
 * the checkpoint format of Attune (and of Hugging Face / PyTorch users).
 *
 * <p>The format: an 8-byte little-endian unsigned integer {@code N}; then {@code N} bytes of
 * UTF-8 JSON (padded with trailing spaces), an object mapping each tensor name to
 * {@code {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}} plus an optional
 * {@code "__metadata__"} object of string to string; then the data buffer. Offsets are byte
 * offsets relative to the start of the buffer; each tensor's bytes are its elements in row-major
 * order, little-endian, and the tensors' ranges tile the buffer exactly (no gaps, no overlap, no
 * trailing bytes).
 *
 * <p>{@link #write} writes float32 as {@code F32}, int32 as {@code I32} and bool as {@code BOOL}
 * (one byte, 0 or 1), atomically. {@link #read} also accepts {@code F64}, {@code F16} and
 * {@code BF16} (converted to float32; the half-precision conversions are exact) and
 * {@code I64}, {@code U64}, {@code U32}, {@code I16}, {@code U16}, {@code I8}, {@code U8}
 * (converted to int32; a value outside the int32 range is an error).
 *
 * <p>Reading never trusts the file: every size in the header is checked against the file's
 * length, with overflow-safe arithmetic, before anything is allocated, and every breach of the
 * format raises a {@link SafetensorsFormatException} naming the file, the tensor, what was
 * expected and what was found.
 */
public final class Safetensors {
    /** The largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";
    /** Largest element count read into one tensor (the largest safe Java array length). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    /** Bytes moved per read or write call. */
    private static final int CHUNK_BYTES = 1 << 16;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Safetensors() {}

    /** The element types a file may hold, with their size in bytes. */
    enum FileDType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

        final int size;

        FileDType(int size) {
            this.size = size;
        }

        boolean isFloating() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }

        static FileDType parse(String name) {
            for (FileDType d : values()) if (d.name().equals(name)) return d;
            return null;
        }
    }

    /** One validated header entry. */
    record Entry(String name, FileDType dtype, int[] shape, long numel, long begin, long end) {}

    /** A validated header: where the buffer starts, its length, the entries in header order, the metadata. */
    record Header(long dataStart, long bufferLength, List<Entry> entries, Map<String, String> metadata) {}

    // ---- reading --------------------------------------------------------------------------------

    /**
     * Reads every tensor and the metadata of a safetensors file. Float types become float32
     * tensors, integer types int32, {@code BOOL} bool; all on the CPU, in header order.
     *
     * @throws SafetensorsFormatException when the file breaks the format (see the class doc)
     * @throws IOException                when the file cannot be read
     */
    public static SafetensorsFile read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel ch = open(file)) {
            Header h = readHeader(file, ch);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : h.entries()) tensors.put(e.name(), readTensor(file, ch, h.dataStart(), e));
            return new SafetensorsFile(file, tensors, h.metadata());
        }
    }

    /**
     * Reads only the header of a safetensors file (validated as by {@link #read}, data not read)
     * and returns its {@code __metadata__}, empty when it has none.
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel ch = open(file)) {
            return Collections.unmodifiableMap(readHeader(file, ch).metadata());
        }
    }

    private static FileChannel open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IOException("safetensors file " + file + " is a directory, not a file");
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /** Reads and validates the header against the file's length. Allocates at most the header's length. */
    static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new SafetensorsFormatException(file, null,
                    "file is " + size + " bytes long; expected at least 8 (the little-endian u64 header length)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, null, ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > size - 8) {
            throw new SafetensorsFormatException(file, null, "header length is " + Long.toUnsignedString(n)
                    + " bytes; expected at most the " + (size - 8) + " bytes that follow the 8-byte length in this file");
        }
        if (n > MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(file, null,
                    "header length is " + n + " bytes; expected at most " + MAX_HEADER_BYTES + " (100 MB)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(file, null, ch, hb, 8);
        hb.flip();
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(file, null, "header is not valid UTF-8: " + e.getMessage(), e);
        }
        long dataStart = 8 + n;
        long bufferLength = size - dataStart;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        parseHeader(file, json, bufferLength, entries, metadata);
        checkTiling(file, entries, bufferLength);
        return new Header(dataStart, bufferLength, entries, metadata);
    }

    private static void parseHeader(Path file, String json, long bufferLength, List<Entry> entries, Map<String, String> metadata)
            throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new SafetensorsFormatException(file, null,
                        "header must be a JSON object of tensor entries, found " + describe(t));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (METADATA_KEY.equals(name)) {
                    parseMetadata(file, p, metadata);
                } else {
                    entries.add(parseEntry(file, p, name, bufferLength));
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new SafetensorsFormatException(file, null, "header JSON object is not closed, found " + describe(t));
            }
            t = p.nextToken();
            if (t != null) {
                throw new SafetensorsFormatException(file, null,
                        "header must hold one JSON object followed only by space padding, found " + describe(t) + " after it");
            }
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void parseMetadata(Path file, JsonParser p, Map<String, String> metadata) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) return;
        if (t != JsonToken.START_OBJECT) {
            throw new SafetensorsFormatException(file, null,
                    METADATA_KEY + " must be a JSON object of string values, found " + describe(t));
        }
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            t = p.nextToken();
            if (t != JsonToken.VALUE_STRING) {
                throw new SafetensorsFormatException(file, null,
                        METADATA_KEY + " value of key '" + key + "' must be a string, found " + describe(t));
            }
            metadata.put(key, p.getText());
        }
    }

    private static Entry parseEntry(Path file, JsonParser p, String name, long bufferLength) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_OBJECT) {
            throw new SafetensorsFormatException(file, name,
                    "entry must be a JSON object with dtype, shape and data_offsets, found " + describe(t));
        }
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            t = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (t != JsonToken.VALUE_STRING) {
                        throw new SafetensorsFormatException(file, name, "dtype must be a string such as \"F32\", found " + describe(t));
                    }
                    dtypeName = p.getText();
                }
                case "shape" -> shape = parseLongArray(file, p, name, "shape");
                case "data_offsets" -> offsets = parseLongArray(file, p, name, "data_offsets");
                default -> p.skipChildren(); // unknown fields are ignored, as by the reference implementation
            }
        }
        if (dtypeName == null) throw missing(file, name, "dtype");
        if (shape == null) throw missing(file, name, "shape");
        if (offsets == null) throw missing(file, name, "data_offsets");

        FileDType dtype = FileDType.parse(dtypeName);
        if (dtype == null) {
            throw new SafetensorsFormatException(file, name, "unsupported dtype '" + dtypeName + "'; expected one of "
                    + Arrays.toString(FileDType.values()));
        }
        int[] intShape = new int[shape.length];
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                throw new SafetensorsFormatException(file, name, "shape " + Arrays.toString(shape)
                        + " has a negative size " + shape[d] + " at dim " + d + "; sizes must be non-negative");
            }
            if (shape[d] > Integer.MAX_VALUE) {
                throw new SafetensorsFormatException(file, name, "shape " + Arrays.toString(shape) + " has size " + shape[d]
                        + " at dim " + d + "; expected at most " + Integer.MAX_VALUE);
            }
            intShape[d] = (int) shape[d];
        }
        if (offsets.length != 2) {
            throw new SafetensorsFormatException(file, name, "data_offsets must be [begin, end], found "
                    + offsets.length + " numbers " + Arrays.toString(offsets));
        }
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < 0) {
            throw new SafetensorsFormatException(file, name, "data_offsets " + Arrays.toString(offsets) + " must be non-negative");
        }
        if (begin > end) {
            throw new SafetensorsFormatException(file, name, "data_offsets " + Arrays.toString(offsets)
                    + " are reversed; expected begin <= end");
        }
        if (end > bufferLength) {
            throw new SafetensorsFormatException(file, name, "data_offsets " + Arrays.toString(offsets)
                    + " end past the data buffer, which holds " + bufferLength + " bytes");
        }
        // Overflow-safe element and byte counts.
        long numel = 1;
        boolean overflow = false;
        for (long s : shape) {
            if (s == 0) {
                numel = 0;
                overflow = false;
                break;
            }
            if (!overflow) {
                try {
                    numel = Math.multiplyExact(numel, s);
                } catch (ArithmeticException ex) {
                    overflow = true;
                }
            }
        }
        long bytes = -1;
        if (!overflow) {
            try {
                bytes = Math.multiplyExact(numel, (long) dtype.size);
            } catch (ArithmeticException ex) {
                overflow = true;
            }
        }
        if (overflow || bytes != end - begin) {
            throw new SafetensorsFormatException(file, name, "shape " + Arrays.toString(shape) + " of dtype " + dtype
                    + " needs " + (overflow ? "more than 2^63" : bytes) + " bytes ("
                    + (overflow ? "too many" : String.valueOf(numel)) + " elements of " + dtype.size
                    + " bytes), but data_offsets " + Arrays.toString(offsets) + " span " + (end - begin) + " bytes");
        }
        if (numel > MAX_ELEMENTS) {
            throw new SafetensorsFormatException(file, name, "shape " + Arrays.toString(shape) + " has " + numel
                    + " elements; a tensor holds at most " + MAX_ELEMENTS);
        }
        return new Entry(name, dtype, intShape, numel, begin, end);
    }

    private static long[] parseLongArray(Path file, JsonParser p, String tensor, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_ARRAY) {
            throw new SafetensorsFormatException(file, tensor, field + " must be an array of integers, found " + describe(t));
        }
        long[] out = new long[4];
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new SafetensorsFormatException(file, tensor,
                        field + " must be an array of integers, found " + describe(t) + " at index " + n);
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new SafetensorsFormatException(file, tensor,
                        field + "[" + n + "] is " + p.getText() + "; expected an integer below 2^63");
            }
            if (n == out.length) out = Arrays.copyOf(out, n * 2);
            out[n++] = p.getLongValue();
        }
        return Arrays.copyOf(out, n);
    }

    private static SafetensorsFormatException missing(Path file, String tensor, String field) {
        return new SafetensorsFormatException(file, tensor,
                "entry is missing the field '" + field + "'; expected dtype, shape and data_offsets");
    }

    private static String describe(JsonToken t) {
        if (t == null) return "the end of the header";
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a non-integer number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case FIELD_NAME -> "a field name";
            case END_OBJECT -> "the end of an object";
            case END_ARRAY -> "the end of an array";
            default -> t.toString();
        };
    }

    /** The tensors' byte ranges must tile [0, bufferLength) exactly. */
    private static void checkTiling(Path file, List<Entry> entries, long bufferLength) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() > expected) {
                throw new SafetensorsFormatException(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] leave bytes [" + expected + ", " + e.begin()
                        + ") of the data buffer to no tensor; expected the tensors to tile the buffer without gaps");
            }
            if (e.begin() < expected) {
                throw new SafetensorsFormatException(file, e.name(), "data_offsets [" + e.begin() + ", " + e.end()
                        + "] overlap tensor '" + previous.name() + "' at [" + previous.begin() + ", " + previous.end()
                        + "]; expected this tensor to begin at " + expected);
            }
            expected = e.end();
            previous = e;
        }
        if (expected != bufferLength) {
            throw new SafetensorsFormatException(file, null, "the data buffer holds " + bufferLength
                    + " bytes but the tensors cover only the first " + expected
                    + "; expected the tensors to tile the buffer with no bytes left over");
        }
    }

    private static Tensor readTensor(Path file, FileChannel ch, long dataStart, Entry e) throws IOException {
        int n = (int) e.numel();
        int size = e.dtype().size;
        long pos = dataStart + e.begin();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(8L, e.end() - e.begin())))
                .order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = buf.capacity() / size;
        float[] floats = e.dtype().isFloating() ? new float[n] : null;
        int[] ints = floats == null ? new int[n] : null;
        int k = 0;
        while (k < n) {
            int count = Math.min(n - k, perChunk);
            buf.clear().limit(count * size);
            readFully(file, e.name(), ch, buf, pos);
            pos += (long) count * size;
            buf.flip();
            switch (e.dtype()) {
                case F32 -> buf.asFloatBuffer().get(floats, k, count);
                case F64 -> { for (int i = 0; i < count; i++) floats[k + i] = (float) buf.getDouble(); }
                case F16 -> { for (int i = 0; i < count; i++) floats[k + i] = halfToFloat(buf.getShort()); }
                case BF16 -> { for (int i = 0; i < count; i++) floats[k + i] = bfloat16ToFloat(buf.getShort()); }
                case I32 -> buf.asIntBuffer().get(ints, k, count);
                case I16 -> { for (int i = 0; i < count; i++) ints[k + i] = buf.getShort(); }
                case U16 -> { for (int i = 0; i < count; i++) ints[k + i] = Short.toUnsignedInt(buf.getShort()); }
                case I8 -> { for (int i = 0; i < count; i++) ints[k + i] = buf.get(); }
                case U8 -> { for (int i = 0; i < count; i++) ints[k + i] = Byte.toUnsignedInt(buf.get()); }
                case BOOL -> {
                    for (int i = 0; i < count; i++) {
                        byte b = buf.get();
                        if (b != 0 && b != 1) {
                            throw new SafetensorsFormatException(file, e.name(), "BOOL element " + (k + i)
                                    + " is the byte " + Byte.toUnsignedInt(b) + "; expected 0 or 1");
                        }
                        ints[k + i] = b;
                    }
                }
                case I64, U64, U32 -> {
                    for (int i = 0; i < count; i++) {
                        long v = e.dtype() == FileDType.U32 ? Integer.toUnsignedLong(buf.getInt()) : buf.getLong();
                        boolean unsignedHuge = e.dtype() == FileDType.U64 && v < 0;
                        if (unsignedHuge || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                            throw new SafetensorsFormatException(file, e.name(), e.dtype() + " element " + (k + i) + " is "
                                    + (e.dtype() == FileDType.U64 ? Long.toUnsignedString(v) : Long.toString(v))
                                    + "; expected a value in the int32 range [" + Integer.MIN_VALUE + ", "
                                    + Integer.MAX_VALUE + "] (tensors hold int32)");
                        }
                        ints[k + i] = (int) v;
                    }
                }
            }
            k += count;
        }
        if (floats != null) return Tensor.of(floats, e.shape());
        return Tensor.ofIntegers(ints, e.dtype() == FileDType.BOOL ? DType.BOOL : DType.INT32, e.shape());
    }

    private static void readFully(Path file, String tensor, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new SafetensorsFormatException(file, tensor,
                        "file ended at byte " + pos + " while " + buf.remaining() + " more bytes were expected (was it truncated while being read?)");
            }
            pos += r;
        }
    }

    /**
     * IEEE 754 binary16 to float32, exactly: normals rebias the exponent, subnormals
     * ({@code m * 2^-24}) become float32 normals, and infinities and NaNs (payload kept) map to
     * their float32 counterparts.
     */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        if (exponent != 0) return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
        float magnitude = mantissa * 0x1p-24f; // zero or subnormal; exact (mantissa < 2^10, power-of-two scale)
        return sign != 0 ? -magnitude : magnitude;
    }

    /** bfloat16 to float32, exactly: bfloat16 is the top half of a float32. */
    static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    // ---- writing --------------------------------------------------------------------------------

    /**
     * Writes tensors (float32 as {@code F32}, int32 as {@code I32}, bool as {@code BOOL}) and
     * string metadata to {@code file}, in the map's order, atomically: the bytes go to a temporary
     * file in the same directory, which is flushed to disk and then renamed over {@code file}. On
     * failure the temporary file is deleted and an existing {@code file} is left as it was.
     *
     * @param metadata the {@code __metadata__} entries; null or empty writes none
     * @throws IllegalArgumentException for a null or reserved name, a null tensor or a null metadata key/value
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(file, "Safetensors.write: file is null");
        Objects.requireNonNull(tensors, "Safetensors.write: tensors is null");
        List<Map.Entry<String, Tensor>> list = new ArrayList<>(tensors.entrySet());
        byte[] header = buildHeader(list, metadata == null ? Map.of() : metadata);

        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null) throw new IOException("Safetensors.write: " + file + " has no parent directory");
        Path tmp = createTemp(dir, target.getFileName().toString());
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (Map.Entry<String, Tensor> e : list) writeData(ch, e.getValue(), buf);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
        syncDirectory(dir);
    }

    /** The JSON header, space-padded to a multiple of 8 bytes as the reference implementation does. */
    private static byte[] buildHeader(List<Map.Entry<String, Tensor>> list, Map<String, String> metadata) throws IOException {
        for (Map.Entry<String, Tensor> e : list) {
            String name = e.getKey();
            if (name == null) throw new IllegalArgumentException("Safetensors.write: a tensor name is null");
            if (METADATA_KEY.equals(name)) {
                throw new IllegalArgumentException("Safetensors.write: '" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            if (e.getValue() == null) throw new IllegalArgumentException("Safetensors.write: tensor '" + name + "' is null");
        }
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            if (m.getKey() == null || m.getValue() == null) {
                throw new IllegalArgumentException("Safetensors.write: metadata keys and values must not be null, got "
                        + m.getKey() + " -> " + m.getValue());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> m : metadata.entrySet()) g.writeStringField(m.getKey(), m.getValue());
                g.writeEndObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> e : list) {
                Tensor t = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("dtype", fileDType(t.dtype()).name());
                g.writeArrayFieldStart("shape");
                for (int s : t.shape()) g.writeNumber(s);
                g.writeEndArray();
                long bytes = (long) t.numel() * t.dtype().byteSize();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + bytes);
                g.writeEndArray();
                g.writeEndObject();
                offset += bytes;
            }
            g.writeEndObject();
        }
        int pad = (8 - out.size() % 8) % 8;
        for (int i = 0; i < pad; i++) out.write(' ');
        if (out.size() > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("Safetensors.write: header would be " + out.size()
                    + " bytes; readers accept at most " + MAX_HEADER_BYTES);
        }
        return out.toByteArray();
    }

    private static FileDType fileDType(DType d) {
        return switch (d) {
            case FLOAT32 -> FileDType.F32;
            case INT32 -> FileDType.I32;
            case BOOL -> FileDType.BOOL;
        };
    }

    private static void writeData(FileChannel ch, Tensor t, ByteBuffer buf) throws IOException {
        switch (t.dtype()) {
            case FLOAT32 -> {
                float[] v = t.toFloatArray();
                for (int k = 0; k < v.length; ) {
                    int count = Math.min(v.length - k, CHUNK_BYTES / 4);
                    buf.clear();
                    buf.asFloatBuffer().put(v, k, count);
                    buf.limit(count * 4);
                    writeFully(ch, buf);
                    k += count;
                }
            }
            case INT32 -> {
                int[] v = t.toIntArray();
                for (int k = 0; k < v.length; ) {
                    int count = Math.min(v.length - k, CHUNK_BYTES / 4);
                    buf.clear();
                    buf.asIntBuffer().put(v, k, count);
                    buf.limit(count * 4);
                    writeFully(ch, buf);
                    k += count;
                }
            }
            case BOOL -> {
                int[] v = t.toIntArray();
                for (int k = 0; k < v.length; ) {
                    int count = Math.min(v.length - k, CHUNK_BYTES);
                    buf.clear();
                    for (int i = 0; i < count; i++) buf.put((byte) (v[k + i] != 0 ? 1 : 0));
                    buf.flip();
                    writeFully(ch, buf);
                    k += count;
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** A new empty file {@code .<name>.<random>.tmp} beside the target, created with the default permissions. */
    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) throw e;
            }
        }
    }

    /** Makes the rename durable where the platform allows syncing a directory (Linux does); best effort elsewhere. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not supported on this platform or file system; the data itself was already forced
        }
    }
}
