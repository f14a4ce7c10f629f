package dev.attune.nn.data;

import static dev.attune.nn.data.An4CorpusTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fixtures in src/test/resources/pt were written by PyTorch 1.13's torch.save (see make_fixtures.py there). */
class PtReaderTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(PtReaderTest.class.getResource("/pt/" + name).toURI());
    }

    @Test
    void contiguousFloatTensor() throws Exception {
        PtTensor t = PtReader.readTensor(fixture("tensor_3x4.pt"));
        assertEquals("float32", t.dtype());
        assertArrayEquals(new int[] {3, 4}, t.shape());
        assertEquals(12, t.numel());
        assertTrue(t.isFloatingPoint());
        assertNull(t.integers());
        for (int i = 0; i < 12; i++) {
            assertEquals(0.5f * i - 1, t.data()[i]);
        }
        assertArrayEquals(new float[] {3, 3.5f, 4, 4.5f}, t.toMatrix()[2]);
    }

    @Test
    void transposedAndSlicedViewsComeOutInLogicalOrder() throws Exception {
        PtTensor tr = PtReader.readTensor(fixture("transposed.pt")); // 4x3 view of the 3x4 above, strides (1, 4)
        assertArrayEquals(new int[] {4, 3}, tr.shape());
        float[][] m = tr.toMatrix();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(0.5f * (4 * j + i) - 1, m[i][j]);
            }
        }
        PtTensor slice = PtReader.readTensor(fixture("slice.pt")); // arange(20).reshape(4, 5)[1:, ::2]
        assertArrayEquals(new float[][] {{5, 7, 9}, {10, 12, 14}, {15, 17, 19}}, slice.toMatrix());
    }

    @Test
    void int64KeepsExactValues() throws Exception {
        PtTensor t = PtReader.readTensor(fixture("int64.pt"));
        assertEquals("int64", t.dtype());
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertArrayEquals(new long[] {-3, 0, 1L << 40, 7, 8, 9}, t.integers());
        assertEquals(0x1p40f, t.data()[2]);
    }

    @Test
    void dictOfTensorsAndValues() throws Exception {
        Map<?, ?> d = assertInstanceOf(Map.class, PtReader.read(fixture("dict.pt")));
        assertEquals(List.of("weight", "tail", "ids", "name", "count", "scale", "flags", "pair"), new ArrayList<>(d.keySet()));
        assertArrayEquals(new float[][] {{1.5f, -2f}, {3.25f, 4f}}, ((PtTensor) d.get("weight")).toMatrix());
        PtTensor tail = (PtTensor) d.get("tail"); // shares the storage of weight, offset 2
        assertArrayEquals(new int[] {2}, tail.shape());
        assertArrayEquals(new float[] {3.25f, 4f}, tail.data());
        assertArrayEquals(new long[] {5, 6}, ((PtTensor) d.get("ids")).integers());
        assertEquals("fixture", d.get("name"));
        assertEquals(3L, d.get("count"));
        assertEquals(0.25, d.get("scale"));
        assertEquals(Arrays.asList(true, null), d.get("flags"));
        assertInstanceOf(ArrayList.class, d.get("flags"));
        List<?> pair = (List<?>) d.get("pair");
        assertEquals(List.of(1L, "a"), pair);
        assertThrows(UnsupportedOperationException.class, () -> pair.remove(0)); // tuples are immutable
        assertMessage(() -> PtReader.readTensor(fixture("dict.pt")), "expected a single tensor");
    }

    @Test
    void otherDtypes() throws Exception {
        Map<?, ?> d = (Map<?, ?>) PtReader.read(fixture("dtypes.pt"));
        PtTensor f64 = (PtTensor) d.get("f64");
        assertEquals("float64", f64.dtype());
        assertArrayEquals(new float[] {0.1f, -2.5f}, f64.data());
        assertArrayEquals(new float[] {0.5f, -1.25f}, ((PtTensor) d.get("f16")).data());
        assertEquals("bfloat16", ((PtTensor) d.get("bf16")).dtype());
        assertArrayEquals(new float[] {1f, -0.375f}, ((PtTensor) d.get("bf16")).data());
        assertArrayEquals(new long[] {-7, 1 << 30}, ((PtTensor) d.get("i32")).integers());
        assertArrayEquals(new long[] {0, 255}, ((PtTensor) d.get("u8")).integers());
        PtTensor b = (PtTensor) d.get("b");
        assertEquals("bool", b.dtype());
        assertArrayEquals(new long[] {1, 0}, b.integers());
        PtTensor scalar = (PtTensor) d.get("scalar");
        assertArrayEquals(new int[0], scalar.shape());
        assertArrayEquals(new float[] {2.5f}, scalar.data());
    }

    @Test
    void moduleStateDictWithMetadata() throws Exception {
        Map<?, ?> sd = assertInstanceOf(LinkedHashMap.class, PtReader.read(fixture("state_dict.pt")));
        assertEquals(List.of("weight", "bias"), new ArrayList<>(sd.keySet()));
        assertArrayEquals(new float[][] {{1, 2}, {3, 4}, {5, 6}}, ((PtTensor) sd.get("weight")).toMatrix());
        assertArrayEquals(new float[] {-1, 0, 1}, ((PtTensor) sd.get("bias")).data());
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static Map<String, byte[]> archive(byte[] pickle, byte[] storage) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a/data.pkl", pickle);
        if (storage != null) {
            m.put("a/data/0", storage);
        }
        m.put("a/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return m;
    }

    @Test
    void handBuiltArchivesAndByteOrder(@TempDir Path dir) throws Exception {
        byte[] pkl = Pickles.tensor("FloatStorage", "0", 4, 1, new long[] {3}, new long[] {1});
        Path little = write(dir, "little.pt", Pickles.zip(archive(pkl, Pickles.floats(ByteOrder.LITTLE_ENDIAN, 9, 1, 2, 3))));
        assertArrayEquals(new float[] {1, 2, 3}, PtReader.readTensor(little).data());
        Map<String, byte[]> big = archive(pkl, Pickles.floats(ByteOrder.BIG_ENDIAN, 9, 1, 2, 3));
        big.put("a/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(new float[] {1, 2, 3}, PtReader.readTensor(write(dir, "big.pt", Pickles.zip(big))).data());
        Map<String, byte[]> odd = archive(pkl, Pickles.floats(ByteOrder.LITTLE_ENDIAN, 9, 1, 2, 3));
        odd.put("a/byteorder", "middle".getBytes(StandardCharsets.US_ASCII));
        assertMessage(() -> PtReader.read(write(dir, "odd.pt", Pickles.zip(odd))), "byteorder", "'middle'");
    }

    @Test
    void malformedFilesAreReported(@TempDir Path dir) throws Exception {
        assertMessage(() -> PtReader.read(dir.resolve("none.pt")), "no such file");
        assertMessage(() -> PtReader.read(write(dir, "text.pt", "not a zip".getBytes(StandardCharsets.US_ASCII))), "unreadable zip");
        byte[] real = Files.readAllBytes(fixture("tensor_3x4.pt"));
        assertMessage(() -> PtReader.read(write(dir, "truncated.pt", Arrays.copyOf(real, real.length / 2))), "truncated.pt", "zip");
        assertMessage(() -> PtReader.read(write(dir, "nopkl.pt", Pickles.zip(Map.of("a/version", new byte[] {'3'})))),
            "one <archive>/data.pkl", "[]");

        byte[] pkl = Pickles.tensor("FloatStorage", "0", 12, 0, new long[] {3, 4}, new long[] {4, 1});
        assertMessage(() -> PtReader.read(write(dir, "short.pt", Pickles.zip(archive(pkl, new byte[8])))),
            "storage a/data/0", "expected 12 x 4 bytes, found 8");
        assertMessage(() -> PtReader.read(write(dir, "nostorage.pt", Pickles.zip(archive(pkl, null)))), "zip entry a/data/0", "found none");

        byte[] outside = Pickles.tensor("FloatStorage", "0", 12, 1, new long[] {3, 4}, new long[] {4, 1});
        assertMessage(() -> PtReader.read(write(dir, "outside.pt", Pickles.zip(archive(outside, new byte[48])))),
            "reaches element 12 of a storage of 12");
        byte[] huge = Pickles.tensor("FloatStorage", "0", 1, 0, new long[] {1 << 20, 1 << 20}, new long[] {0, 0});
        assertMessage(() -> PtReader.read(write(dir, "huge.pt", Pickles.zip(archive(huge, new byte[4])))),
            "1099511627776 elements", "more than the file's");
        byte[] overflow = Pickles.tensor("FloatStorage", "0", 1, 0, new long[] {1L << 40, 1L << 40}, new long[] {1, 1});
        assertMessage(() -> PtReader.read(write(dir, "overflow.pt", Pickles.zip(archive(overflow, new byte[4])))), "overflow");
        byte[] negative = Pickles.tensor("FloatStorage", "0", 4, 0, new long[] {2}, new long[] {-1});
        assertMessage(() -> PtReader.read(write(dir, "negative.pt", Pickles.zip(archive(negative, new byte[16])))), "non-negative strides");
        byte[] bigStorage = Pickles.tensor("FloatStorage", "0", 1_000_000_000, 0, new long[] {2}, new long[] {1});
        assertMessage(() -> PtReader.read(write(dir, "bigstorage.pt", Pickles.zip(archive(bigStorage, new byte[8])))),
            "1000000000 elements, more than the file's");

        byte[] evil = new Pickles().op(0x80, 2).global("os", "system").str("echo pwned").op(0x85).op('R').op('.').bytes();
        assertMessage(() -> PtReader.read(write(dir, "evil.pt", Pickles.zip(archive(evil, null)))), "evil.pt", "GLOBAL os.system is not allowed");
    }

    @Test
    void sharedAndCyclicGraphsAreSafe(@TempDir Path dir) throws Exception {
        // 40 levels of t_i = (t_{i-1}, t_{i-1}) through the memo: 2^40 leaves if expanded, 40 tuples if shared.
        Pickles laughs = new Pickles().op(0x80, 2).op('N').op('q', 0);
        for (int i = 1; i <= 40; i++) {
            laughs.op('h', i - 1).op(0x86).op('q', i); // the top of the stack is t_{i-1} already
        }
        List<?> top = (List<?>) PtReader.read(write(dir, "laughs.pt", Pickles.zip(archive(laughs.op('.').bytes(), null))));
        assertEquals(2, top.size());
        assertEquals(top.get(0), top.get(1));
        assertTrue(top.get(0) == top.get(1), "shared sub-tuples stay shared");

        byte[] cycle = new Pickles().op(0x80, 2).op(']').op('q', 0).op('h', 0).op('a').op('.').bytes();
        assertMessage(() -> PtReader.read(write(dir, "cycle.pt", Pickles.zip(archive(cycle, null)))), "contains itself");
    }

    @Test
    void elementBudgetCoversAllTensorsOfAFile(@TempDir Path dir) throws Exception {
        // three broadcast views (stride 0) of a one-element storage, each under the file size, together over it
        long size = 1000;
        Path file = null;
        for (int pass = 0; pass < 2; pass++) {
            Pickles p = new Pickles().op(0x80, 2).op(']').op('(').global("torch._utils", "_rebuild_tensor_v2").op('q', 0)
                .op('(').op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").int4(1).op('t').op('Q')
                .int4(0).intTuple(size).intTuple(0).op(0x89).global("collections", "OrderedDict").op(')').op('R').op('t')
                .op('q', 1).op('R').op('h', 0).op('h', 1).op('R').op('h', 0).op('h', 1).op('R').op('e').op('.');
            file = write(dir, "broadcast.pt", Pickles.zip(archive(p.bytes(), new byte[4])));
            size = Files.size(file) * 45 / 100;
        }
        Path f = file;
        assertMessage(() -> PtReader.read(f), "read before are more than the file's");
    }
}
