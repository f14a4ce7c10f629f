package dev.attune.nn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes pickle opcodes and zip archives by hand, to build well-formed and hostile torch files in tests. */
final class Pickles {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Raw opcode or argument bytes. */
    Pickles op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    /** GLOBAL {@code module name}. */
    Pickles global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** BINUNICODE {@code s}. */
    Pickles str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    /** BININT {@code v} (4 bytes, signed). */
    Pickles int4(int v) {
        op('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        return this;
    }

    /** A tuple of BININTs. */
    Pickles intTuple(long... values) {
        op('(');
        for (long v : values) {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                op(0x8a, 8);
                out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            } else {
                int4((int) v);
            }
        }
        return op('t');
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /**
     * The pickle torch.save writes for one tensor:
     * {@code _rebuild_tensor_v2(persistent('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())}.
     */
    static byte[] tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
        Pickles p = new Pickles().op(0x80, 2).global("torch._utils", "_rebuild_tensor_v2").op('(')
            .op('(').str("storage").global("torch", storageType).str(key).str("cpu").int4((int) numel).op('t').op('Q')
            .int4((int) offset).intTuple(size).intTuple(stride).op(0x89)
            .global("collections", "OrderedDict").op(')').op('R').op('t').op('R').op('.');
        return p.bytes();
    }

    /** A zip archive of {@code entries} (name to content), in iteration order. */
    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** float32 bytes in {@code order}. */
    static byte[] floats(ByteOrder order, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(order);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }
}
