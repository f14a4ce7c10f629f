package dev.attune.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TorchPickleTest {

    private static Object load(Pickles p) throws CorpusFormatException {
        return TorchPickle.load(p.bytes(), "x.pkl");
    }

    private static void rejects(Pickles p, String... fragments) {
        CorpusFormatException e = assertThrows(CorpusFormatException.class, () -> load(p));
        assertTrue(e.getMessage().startsWith("x.pkl: "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    private static Pickles p2() {
        return new Pickles().op(0x80, 2);
    }

    @Test
    void scalarsAndContainers() throws Exception {
        // {'a': [1, -1, 300, 1.0, None, True, False], 'b': (7,)}
        Object o = load(p2().op('}').op('(').str("a").op(']').op('(').op('K', 1).int4(-1).op('M', 0x2c, 0x01)
            .op('G', 0x3f, 0xf0, 0, 0, 0, 0, 0, 0).op('N', 0x88, 0x89).op('e').str("b").op('K', 7).op(0x85).op('u').op('.'));
        Map<?, ?> m = assertInstanceOf(Map.class, o);
        assertEquals(Arrays.asList(1L, -1L, 300L, 1.0, null, true, false), m.get("a"));
        assertEquals(List.of(7L), m.get("b"));
        // protocol 4 framing, short strings, MEMOIZE, LONG_BINPUT / LONG_BINGET
        Object q = load(new Pickles().op(0x80, 4, 0x95, 9, 0, 0, 0, 0, 0, 0, 0).op(0x8c, 2, 'h', 'i').op(0x94)
            .op(']').op('r', 5, 0, 0, 0).op('j', 0, 0, 0, 0).op('a').op(0x86).op('.'));
        List<?> pair = assertInstanceOf(List.class, q);
        assertEquals("hi", pair.get(0));
        assertEquals(List.of("hi"), pair.get(1));
    }

    @Test
    void long1IsTwosComplementLittleEndian() throws Exception {
        assertEquals(0L, load(p2().op(0x8a, 0).op('.')));
        assertEquals(-1L, load(p2().op(0x8a, 1, 0xff).op('.')));
        assertEquals(-32768L, load(p2().op(0x8a, 2, 0x00, 0x80).op('.')));
        assertEquals(1L << 32, load(p2().op(0x8a, 5, 0, 0, 0, 0, 1).op('.')));
        assertEquals(Long.MIN_VALUE, load(p2().op(0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80).op('.')));
        rejects(p2().op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1).op('.'), "LONG1 of 9 bytes");
    }

    @Test
    void tensorRecordsBecomeTensorRefs() throws Exception {
        Object o = TorchPickle.load(Pickles.tensor("FloatStorage", "3", 12, 2, new long[] {2, 5}, new long[] {5, 1}), "t");
        TorchPickle.TensorRef t = assertInstanceOf(TorchPickle.TensorRef.class, o);
        assertEquals(new TorchPickle.StorageRef("FloatStorage", "3", "cpu", 12), t.storage());
        assertEquals(2, t.offset());
        assertArrayEquals(new long[] {2, 5}, t.size());
        assertArrayEquals(new long[] {5, 1}, t.stride());
    }

    @Test
    void forbiddenGlobalsAreRefusedBeforeAnythingRuns() {
        rejects(p2().global("os", "system").str("touch /tmp/pwned").op(0x85).op('R').op('.'), "GLOBAL os.system is not allowed");
        rejects(p2().global("builtins", "eval"), "GLOBAL builtins.eval");
        rejects(p2().global("torch", "load"), "GLOBAL torch.load");
        rejects(p2().global("torch._utils", "_rebuild_parameter"), "GLOBAL torch._utils._rebuild_parameter");
        rejects(p2().global("os", "system"), "pickle offset 2");
    }

    @Test
    void reduceOnlyCallsTheWhitelist() {
        rejects(p2().global("torch", "FloatStorage").op(')').op('R').op('.'), "cannot call torch.FloatStorage");
        rejects(p2().global("collections", "OrderedDict").op('K', 1).op(0x85).op('R').op('.'), "OrderedDict with 1 arguments");
        rejects(p2().global("torch._utils", "_rebuild_tensor_v2").str("x").op(0x85).op('R').op('.'), "cannot call torch._utils._rebuild_tensor_v2");
        rejects(p2().str("f").op(')').op('R').op('.'), "REDUCE", "str 'f'");
        rejects(p2().global("collections", "OrderedDict").op(']').op('R').op('.'), "argument tuple");
    }

    @Test
    void unsupportedOpcodesAreNamed() {
        rejects(p2().op(0x93).op('.'), "unsupported opcode STACK_GLOBAL (0x93)");
        rejects(p2().op('i').op('.'), "unsupported opcode INST (0x69)");
        rejects(p2().op('o').op('.'), "OBJ");
        rejects(p2().op(0x81).op('.'), "NEWOBJ");
        rejects(p2().op('B', 1, 0, 0, 0, 'x').op('.'), "BINBYTES");
        rejects(p2().op(0xff), "(unknown) (0xff)");
    }

    @Test
    void malformedStreamsAreRejected() {
        rejects(new Pickles().op(0x80), "truncated");
        rejects(p2().op('K', 1), "truncated");
        rejects(p2().op('X', 5, 0, 0, 0, 'a', 'b'), "string of 5 bytes, but only 2 remain");
        rejects(p2().op('X', 0xff, 0xff, 0xff, 0xff), "string of 4294967295 bytes");
        rejects(p2().op('.'), "STOP with 0 stack items");
        rejects(p2().op('K', 1, 'K', 2).op('.'), "STOP with 2 stack items");
        rejects(p2().op('t'), "expected a MARK");
        rejects(p2().op(0x86), "stack underflow");
        rejects(p2().op('h', 3), "memo index 3 was never stored");
        rejects(p2().op('q', 0), "stack underflow");
        rejects(p2().op(']').op('K', 1, 'K', 2).op('s'), "SETITEM(S): expected a dict");
        rejects(p2().op('}').op('K', 1).op('a'), "APPEND(S): expected a list");
        rejects(p2().op(')').op('K', 1).op('a'), "APPEND(S): expected a list", "tuple of 0");
        rejects(p2().op('}').op(']').op('K', 1).op('s'), "dict keys must be");
        rejects(p2().op('(').str("storage").op('t').op('Q'), "BINPERSISTID: expected ('storage'");
        rejects(p2().op('}').op('}').op('b'), "BUILD is only accepted on an OrderedDict");
        rejects(p2().op('c', 'o', 's'), "not terminated by a newline");
    }

    @Test
    void memoSharesObjects() throws Exception {
        List<?> l = (List<?>) load(p2().op(']').op('q', 0).op('h', 0).op(0x86).op('.'));
        assertSame(l.get(0), l.get(1));
        assertNull(load(p2().op('N').op('.')));
    }
}
