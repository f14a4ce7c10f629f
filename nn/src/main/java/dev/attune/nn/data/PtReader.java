package dev.attune.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads files written by {@code torch.save} (the zip format, PyTorch 1.6 and later) without running
 * any code.
 *
 * <p>Layout: a zip archive whose entries share one top folder {@code <archive>/}:
 * {@code data.pkl} (the object graph, unpickled by {@link TorchPickle}), {@code data/<key>} (each
 * storage's raw elements, little-endian unless {@code byteorder} says {@code big}) and
 * {@code version}. A tensor {@code _rebuild_tensor_v2(storage, offset, size, stride, ...)} is
 * materialised as a contiguous {@link PtTensor} with
 * {@code t[i_0..i_{n-1}] = storage[offset + sum_j i_j stride_j]}, so transposed and sliced views
 * come out in their logical order.
 *
 * <p>Every size is checked against the file: entries larger than the file, storages whose byte
 * count disagrees with their element count, views that reach outside their storage and tensors
 * with more elements in total than the file has bytes are errors ({@link CorpusFormatException}).
 */
public final class PtReader {

    /** Deepest container nesting accepted in the object graph. */
    private static final int MAX_DEPTH = 1000;

    private final Path path;
    private final ZipFile zip;
    private final long fileSize;
    private final String prefix;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    private final Map<String, byte[]> storages = new HashMap<>();
    private final Map<Object, Object> resolved = new IdentityHashMap<>();
    private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Elements materialised so far, over all tensors of the file. */
    private long materialized;

    private PtReader(Path path, ZipFile zip, long fileSize, String prefix) {
        this.path = path;
        this.zip = zip;
        this.fileSize = fileSize;
        this.prefix = prefix;
    }

    /**
     * Reads the object saved in {@code path}: a {@link PtTensor}, or maps (str/int keys), lists and
     * tuples (unmodifiable lists) holding tensors and plain values.
     */
    public static Object read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new CorpusFormatException(path, "expected a torch.save file, found no such file");
        }
        long size = Files.size(path);
        try (ZipFile zip = new ZipFile(path.toFile())) {
            List<String> pickles = new ArrayList<>();
            for (ZipEntry e : Collections.list(zip.entries())) {
                String n = e.getName();
                if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                    pickles.add(n);
                }
            }
            if (pickles.size() != 1) {
                throw new CorpusFormatException(path, "expected one <archive>/data.pkl entry in the zip, found " + pickles);
            }
            String prefix = pickles.getFirst().substring(0, pickles.getFirst().length() - "data.pkl".length());
            PtReader reader = new PtReader(path, zip, size, prefix);
            reader.order = reader.byteOrder();
            Object graph = TorchPickle.load(reader.entry(pickles.getFirst()), path + " (" + pickles.getFirst() + ")");
            return reader.resolve(graph, 0);
        } catch (ZipException e) {
            throw new CorpusFormatException(path, "expected a torch.save zip archive (PyTorch >= 1.6 format), found an unreadable zip: "
                + e.getMessage());
        }
    }

    /** Reads a file that holds a single tensor. */
    public static PtTensor readTensor(Path path) throws IOException {
        Object o = read(path);
        if (!(o instanceof PtTensor t)) {
            throw new CorpusFormatException(path, "expected a single tensor, found " + (o == null ? "None" : o.getClass().getSimpleName()));
        }
        return t;
    }

    private ByteOrder byteOrder() throws IOException {
        ZipEntry e = zip.getEntry(prefix + "byteorder");
        if (e == null) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        String s = new String(entry(e.getName()), StandardCharsets.US_ASCII).trim();
        return switch (s) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new CorpusFormatException(path, "expected byteorder 'little' or 'big', found '" + s + "'");
        };
    }

    private byte[] entry(String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new CorpusFormatException(path, "expected a zip entry " + name + ", found none");
        }
        long declared = e.getSize();
        if (declared < 0 || declared > Math.min(fileSize, Integer.MAX_VALUE - 8)) {
            throw new CorpusFormatException(path, "zip entry " + name + " declares " + declared + " bytes; expected 0 to "
                + fileSize + " (the file size)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) declared);
            if (b.length != declared) {
                throw new CorpusFormatException(path, "zip entry " + name + " declares " + declared + " bytes, found " + b.length);
            }
            return b;
        } catch (ZipException ex) {
            throw new CorpusFormatException(path, "zip entry " + name + " is corrupt: " + ex.getMessage());
        }
    }

    /**
     * Replaces tensor records by materialised tensors, depth first. An object reached twice
     * (pickle memo sharing) is converted once and shared, so sharing cannot blow up the work.
     */
    private Object resolve(Object o, int depth) throws IOException {
        if (!(o instanceof TorchPickle.TensorRef) && !(o instanceof List<?>) && !(o instanceof Map<?, ?>)) {
            return o;
        }
        Object done = resolved.get(o);
        if (done != null) {
            return done;
        }
        if (depth > MAX_DEPTH) {
            throw new CorpusFormatException(path, "expected containers nested at most " + MAX_DEPTH + " deep, found deeper");
        }
        if (!open.add(o)) {
            throw new CorpusFormatException(path, "expected a tree of containers, found a container that contains itself");
        }
        Object out;
        if (o instanceof TorchPickle.TensorRef t) {
            out = tensor(t);
        } else if (o instanceof Map<?, ?> m) {
            Map<Object, Object> r = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                r.put(e.getKey(), resolve(e.getValue(), depth + 1));
            }
            out = r;
        } else {
            List<Object> r = new ArrayList<>();
            for (Object item : (List<?>) o) {
                r.add(resolve(item, depth + 1));
            }
            out = o instanceof ArrayList ? r : Collections.unmodifiableList(r);
        }
        open.remove(o);
        resolved.put(o, out);
        return out;
    }

    private PtTensor tensor(TorchPickle.TensorRef t) throws IOException {
        TorchPickle.StorageRef s = t.storage();
        String dtype = TorchPickle.STORAGE_DTYPES.get(s.type());
        int elementSize = switch (dtype) {
            case "float64", "int64" -> 8;
            case "float32", "int32" -> 4;
            case "float16", "bfloat16", "int16" -> 2;
            default -> 1; // int8, uint8, bool
        };
        String what = "tensor of storage " + s.key() + " (" + dtype + ", size " + Arrays.toString(t.size())
            + ", stride " + Arrays.toString(t.stride()) + ", offset " + t.offset() + ")";
        long count = 1;
        long last = t.offset();
        try {
            for (int d = 0; d < t.size().length; d++) {
                if (t.size()[d] < 0 || t.size()[d] > Integer.MAX_VALUE || t.stride()[d] < 0) {
                    throw new CorpusFormatException(path, what + ": expected sizes in 0.." + Integer.MAX_VALUE + " and non-negative strides");
                }
                count = Math.multiplyExact(count, t.size()[d]);
                last = Math.addExact(last, Math.multiplyExact(Math.max(t.size()[d] - 1, 0), t.stride()[d]));
            }
        } catch (ArithmeticException e) {
            throw new CorpusFormatException(path, what + ": sizes overflow 64 bits");
        }
        if (count > fileSize - materialized) {
            throw new CorpusFormatException(path, what + ": " + count + " elements, which with the " + materialized
                + " read before are more than the file's " + fileSize + " bytes");
        }
        materialized += count;
        if (t.offset() < 0 || (count > 0 && last >= s.numel())) {
            throw new CorpusFormatException(path, what + ": reaches element " + last + " of a storage of " + s.numel());
        }
        ByteBuffer storage = storage(s, elementSize);
        int[] shape = new int[t.size().length];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = (int) t.size()[d];
        }
        int n = (int) count;
        float[] data = new float[n];
        long[] integers = dtype.startsWith("float") || dtype.equals("bfloat16") ? null : new long[n];
        int[] index = new int[shape.length];
        long element = t.offset();
        for (int i = 0; i < n; i++) {
            int at = (int) (element * elementSize);
            if (integers == null) {
                data[i] = switch (dtype) {
                    case "float32" -> storage.getFloat(at);
                    case "float64" -> (float) storage.getDouble(at);
                    case "float16" -> Float.float16ToFloat(storage.getShort(at));
                    default -> Float.intBitsToFloat(Short.toUnsignedInt(storage.getShort(at)) << 16); // bfloat16
                };
            } else {
                integers[i] = switch (dtype) {
                    case "int64" -> storage.getLong(at);
                    case "int32" -> storage.getInt(at);
                    case "int16" -> storage.getShort(at);
                    case "int8" -> storage.get(at);
                    default -> Byte.toUnsignedInt(storage.get(at)); // uint8, bool
                };
                data[i] = integers[i];
            }
            for (int d = shape.length - 1; d >= 0; d--) { // advance the row-major index, odometer style
                element += t.stride()[d];
                if (++index[d] < shape[d]) {
                    break;
                }
                element -= (long) shape[d] * t.stride()[d];
                index[d] = 0;
            }
        }
        return new PtTensor(dtype, shape, data, integers);
    }

    private ByteBuffer storage(TorchPickle.StorageRef s, int elementSize) throws IOException {
        String name = prefix + "data/" + s.key();
        if (s.numel() > fileSize) {
            throw new CorpusFormatException(path, "storage " + name + ": " + s.numel() + " elements, more than the file's " + fileSize + " bytes");
        }
        byte[] bytes = storages.get(s.key());
        if (bytes == null) {
            bytes = entry(name);
            storages.put(s.key(), bytes);
        }
        if (bytes.length != s.numel() * elementSize) {
            throw new CorpusFormatException(path, "storage " + name + ": expected " + s.numel() + " x " + elementSize
                + " bytes, found " + bytes.length);
        }
        return ByteBuffer.wrap(bytes).order(order);
    }
}
