package dev.attune.nn.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted unpickler for the {@code data.pkl} record of a {@code torch.save} archive: it
 * rebuilds tensors (as {@link TensorRef}s) and the dicts, lists and tuples around them, and
 * never executes anything.
 *
 * <p>Supported opcodes (pickle protocols 2 to 4): {@code PROTO FRAME STOP MARK EMPTY_DICT EMPTY_LIST
 * EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3 BINUNICODE SHORT_BINUNICODE BININT BININT1 BININT2 LONG1
 * BINFLOAT NONE NEWTRUE NEWFALSE BINPUT LONG_BINPUT BINGET LONG_BINGET MEMOIZE SETITEM SETITEMS
 * APPEND APPENDS GLOBAL BINPERSISTID REDUCE BUILD}. {@code GLOBAL} accepts only
 * {@code torch._utils._rebuild_tensor_v2}, {@code collections.OrderedDict} and the
 * {@code torch.*Storage} classes; {@code REDUCE} calls only the first two (the tensor rebuild
 * {@code (storage, offset, size, stride, requires_grad, hooks[, metadata])} and an empty
 * {@code OrderedDict()}); {@code BUILD} is accepted only on an OrderedDict, whose extra state
 * (e.g. a state dict's {@code _metadata}) is dropped. {@code BINPERSISTID} accepts only torch's
 * storage reference {@code ('storage', torch.XStorage, key, location, numel)}. Any other opcode,
 * global or shape of argument is an error naming it.
 *
 * <p>Results: dicts and OrderedDicts as {@link LinkedHashMap} (keys must be str, int, float, bool
 * or None), lists as {@link ArrayList}, tuples as unmodifiable lists, str as {@link String}, int as
 * {@link Long}, float as {@link Double}, bool as {@link Boolean}, None as {@code null}.
 */
public final class TorchPickle {

    /** A storage named by a persistent id: {@code data/<key>} in the archive holds {@code numel} elements. */
    public record StorageRef(String type, String key, String location, long numel) {
    }

    /** A tensor view of a storage: element {@code (i_0..i_{n-1})} is {@code storage[offset + sum_j i_j stride_j]}. */
    public record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** Mark on the stack, pushed by MARK. */
    private static final Object MARK_OBJECT = new Object();
    private static final String REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
    private static final String ORDERED_DICT = "collections.OrderedDict";
    /** The storage classes a tensor file may name ({@code torch.FloatStorage}, ...), with their dtype names. */
    public static final Map<String, String> STORAGE_DTYPES = Map.of(
        "FloatStorage", "float32", "DoubleStorage", "float64", "HalfStorage", "float16", "BFloat16Storage", "bfloat16",
        "LongStorage", "int64", "IntStorage", "int32", "ShortStorage", "int16", "CharStorage", "int8",
        "ByteStorage", "uint8", "BoolStorage", "bool");
    private static final Map<Integer, String> OPCODE_NAMES = opcodeNames();

    private final byte[] data;
    private final String name;
    private final ByteBuffer le;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    /** OrderedDicts created by REDUCE: the only targets BUILD accepts. */
    private final Set<Object> orderedDicts = Collections.newSetFromMap(new IdentityHashMap<>());

    private TorchPickle(byte[] data, String name) {
        this.data = data;
        this.name = name;
        this.le = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Unpickles {@code pickle}.
     *
     * @param pickle the pickle bytes ({@code data.pkl})
     * @param name   the name used in error messages
     */
    public static Object load(byte[] pickle, String name) throws CorpusFormatException {
        return new TorchPickle(pickle, name).run();
    }

    private Object run() throws CorpusFormatException {
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> u8(); // PROTO n
                case 0x95 -> skip(8); // FRAME: a length hint
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error(at, "STOP with " + stack.size() + " stack items and " + marks.size() + " open marks; expected 1 item and none");
                    }
                    return pop(at);
                }
                case '(' -> marks.add(stack.size());
                case '}' -> stack.add(new LinkedHashMap<>());
                case ']' -> stack.add(new ArrayList<>());
                case ')' -> stack.add(List.of());
                case 't' -> stack.add(tuple(popMark(at)));
                case 0x85 -> stack.add(tuple(popN(1, at)));
                case 0x86 -> stack.add(tuple(popN(2, at)));
                case 0x87 -> stack.add(tuple(popN(3, at)));
                case 'X' -> stack.add(utf8(u32Length(at)));
                case 0x8c -> stack.add(utf8(u8()));
                case 'J' -> stack.add((long) i32());
                case 'K' -> stack.add((long) u8());
                case 'M' -> stack.add((long) u16());
                case 0x8a -> stack.add(long1(at));
                case 'G' -> stack.add(Double.longBitsToDouble(ByteBuffer.wrap(bytes(8)).getLong())); // big-endian
                case 'N' -> stack.add(null);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'q' -> memo.put((long) u8(), peek(at));
                case 'r' -> memo.put(Integer.toUnsignedLong(i32()), peek(at));
                case 0x94 -> memo.put((long) memo.size(), peek(at));
                case 'h' -> stack.add(memoGet(u8(), at));
                case 'j' -> stack.add(memoGet(Integer.toUnsignedLong(i32()), at));
                case 's' -> {
                    List<Object> kv = popN(2, at);
                    putItems(peek(at), kv, at);
                }
                case 'u' -> {
                    List<Object> kv = popMark(at);
                    putItems(peek(at), kv, at);
                }
                case 'a' -> {
                    List<Object> item = popN(1, at);
                    appendItems(peek(at), item, at);
                }
                case 'e' -> {
                    List<Object> items = popMark(at);
                    appendItems(peek(at), items, at);
                }
                case 'c' -> stack.add(global(at));
                case 'Q' -> stack.add(persistent(pop(at), at));
                case 'R' -> {
                    Object args = pop(at);
                    stack.add(reduce(pop(at), args, at));
                }
                case 'b' -> {
                    pop(at); // the state
                    if (!orderedDicts.contains(peek(at))) {
                        throw error(at, "BUILD is only accepted on an OrderedDict, found it applied to " + describe(peek(at)));
                    }
                }
                default -> throw error(at, "unsupported opcode " + OPCODE_NAMES.getOrDefault(op, "(unknown)")
                    + String.format(" (0x%02x)", op) + "; a torch.save tensor record needs none");
            }
        }
    }

    private Object global(int at) throws CorpusFormatException {
        Global g = new Global(line(at), line(at));
        String q = g.qualified();
        boolean storage = g.module.equals("torch") && STORAGE_DTYPES.containsKey(g.name);
        if (!storage && !q.equals(REBUILD_TENSOR) && !q.equals(ORDERED_DICT)) {
            throw error(at, "GLOBAL " + q + " is not allowed; only " + REBUILD_TENSOR + ", " + ORDERED_DICT
                + " and torch.*Storage may appear in a tensor file");
        }
        return g;
    }

    private StorageRef persistent(Object pid, int at) throws CorpusFormatException {
        if (pid instanceof List<?> t && t.size() == 5 && "storage".equals(t.get(0)) && t.get(1) instanceof Global g
            && g.module.equals("torch") && t.get(2) instanceof String key && t.get(3) instanceof String location
            && t.get(4) instanceof Long numel && numel >= 0) {
            return new StorageRef(g.name, key, location, numel);
        }
        throw error(at, "BINPERSISTID: expected ('storage', torch.XStorage, key, location, numel), found " + describe(pid));
    }

    private Object reduce(Object callable, Object args, int at) throws CorpusFormatException {
        if (!(callable instanceof Global g) || !(args instanceof List<?> a) || args instanceof ArrayList) {
            throw error(at, "REDUCE: expected a whitelisted global and an argument tuple, found " + describe(callable) + " and " + describe(args));
        }
        if (g.qualified().equals(ORDERED_DICT)) {
            if (!a.isEmpty()) {
                throw error(at, "REDUCE: expected OrderedDict(), found OrderedDict with " + a.size() + " arguments");
            }
            Map<Object, Object> map = new LinkedHashMap<>();
            orderedDicts.add(map);
            return map;
        }
        if (g.qualified().equals(REBUILD_TENSOR) && (a.size() == 6 || a.size() == 7)
            && a.get(0) instanceof StorageRef s && a.get(1) instanceof Long offset
            && a.get(2) instanceof List<?> size && a.get(3) instanceof List<?> stride && a.get(4) instanceof Boolean) {
            long[] sz = longs(size, "size", at);
            long[] st = longs(stride, "stride", at);
            if (sz.length != st.length) {
                throw error(at, "_rebuild_tensor_v2: size " + Arrays.toString(sz) + " and stride " + Arrays.toString(st) + " differ in rank");
            }
            return new TensorRef(s, offset, sz, st);
        }
        throw error(at, "REDUCE: cannot call " + g.qualified() + " with " + describe(args)
            + "; expected _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]) or OrderedDict()");
    }

    private long[] longs(List<?> items, String what, int at) throws CorpusFormatException {
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(items.get(i) instanceof Long v)) {
                throw error(at, "_rebuild_tensor_v2: expected integers in " + what + ", found " + describe(items.get(i)));
            }
            out[i] = v;
        }
        return out;
    }

    private void putItems(Object target, List<Object> kv, int at) throws CorpusFormatException {
        if (!(target instanceof LinkedHashMap<?, ?>) || kv.size() % 2 != 0) {
            throw error(at, "SETITEM(S): expected a dict and key/value pairs, found " + describe(target) + " and " + kv.size() + " items");
        }
        @SuppressWarnings("unchecked")
        Map<Object, Object> map = (Map<Object, Object>) target;
        for (int i = 0; i < kv.size(); i += 2) {
            Object key = kv.get(i);
            if (!(key == null || key instanceof String || key instanceof Long || key instanceof Double || key instanceof Boolean)) {
                throw error(at, "SETITEM(S): dict keys must be str, int, float, bool or None, found " + describe(key));
            }
            map.put(key, kv.get(i + 1));
        }
    }

    private void appendItems(Object target, List<Object> items, int at) throws CorpusFormatException {
        if (!(target instanceof ArrayList<?>)) {
            throw error(at, "APPEND(S): expected a list, found " + describe(target));
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) target;
        list.addAll(items);
    }

    private static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(items);
    }

    private Object pop(int at) throws CorpusFormatException {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) {
            throw error(at, "stack underflow");
        }
        return stack.removeLast();
    }

    private Object peek(int at) throws CorpusFormatException {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) {
            throw error(at, "stack underflow");
        }
        return stack.getLast();
    }

    private List<Object> popN(int n, int at) throws CorpusFormatException {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() - floor < n) {
            throw error(at, "stack underflow: needed " + n + " items, found " + (stack.size() - floor));
        }
        List<Object> top = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return top;
    }

    private List<Object> popMark(int at) throws CorpusFormatException {
        if (marks.isEmpty()) {
            throw error(at, "expected a MARK on the stack, found none");
        }
        int mark = marks.removeLast();
        List<Object> top = new ArrayList<>(stack.subList(mark, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return top;
    }

    private Object memoGet(long index, int at) throws CorpusFormatException {
        if (!memo.containsKey(index)) {
            throw error(at, "memo index " + index + " was never stored");
        }
        return memo.get(index);
    }

    private int u8() throws CorpusFormatException {
        need(1);
        return Byte.toUnsignedInt(data[pos++]);
    }

    private int u16() throws CorpusFormatException {
        need(2);
        int v = Short.toUnsignedInt(le.getShort(pos));
        pos += 2;
        return v;
    }

    private int i32() throws CorpusFormatException {
        need(4);
        int v = le.getInt(pos);
        pos += 4;
        return v;
    }

    private int u32Length(int at) throws CorpusFormatException {
        long n = Integer.toUnsignedLong(i32());
        if (n > data.length - pos) {
            throw error(at, "string of " + n + " bytes, but only " + (data.length - pos) + " remain");
        }
        return (int) n;
    }

    private long long1(int at) throws CorpusFormatException {
        int n = u8();
        byte[] b = bytes(n);
        if (n > 8) {
            throw error(at, "LONG1 of " + n + " bytes does not fit in 64 bits");
        }
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | Byte.toUnsignedInt(b[i]);
        }
        if (n > 0 && n < 8 && b[n - 1] < 0) {
            v -= 1L << (8 * n); // two's complement sign
        }
        return v;
    }

    private String line(int at) throws CorpusFormatException {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            pos++;
        }
        if (pos >= data.length) {
            throw error(at, "GLOBAL name not terminated by a newline");
        }
        return new String(data, start, pos++ - start, StandardCharsets.UTF_8);
    }

    private String utf8(int n) throws CorpusFormatException {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int n) throws CorpusFormatException {
        need(n);
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    private void skip(int n) throws CorpusFormatException {
        need(n);
        pos += n;
    }

    private void need(int n) throws CorpusFormatException {
        if (data.length - pos < n) {
            throw new CorpusFormatException(name, "pickle truncated: needed " + n + " bytes at offset " + pos + ", found " + (data.length - pos));
        }
    }

    private CorpusFormatException error(int at, String problem) {
        return new CorpusFormatException(name, "pickle offset " + at + ": " + problem);
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Global g) {
            return "global " + g.qualified();
        }
        if (o instanceof String s) {
            return "str '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        if (o instanceof List<?> l) {
            return (o instanceof ArrayList ? "list" : "tuple") + " of " + l.size();
        }
        if (o instanceof Map<?, ?> m) {
            return "dict of " + m.size();
        }
        return o.getClass().getSimpleName() + (o instanceof Number || o instanceof Boolean ? " " + o : "");
    }

    private static Map<Integer, String> opcodeNames() {
        Map<Integer, String> m = new HashMap<>();
        String[] pairs = {
            "(", "MARK", ".", "STOP", "0", "POP", "1", "POP_MARK", "2", "DUP", "F", "FLOAT", "I", "INT", "J", "BININT",
            "K", "BININT1", "L", "LONG", "M", "BININT2", "N", "NONE", "P", "PERSID", "Q", "BINPERSID", "R", "REDUCE",
            "S", "STRING", "T", "BINSTRING", "U", "SHORT_BINSTRING", "V", "UNICODE", "X", "BINUNICODE", "a", "APPEND",
            "b", "BUILD", "c", "GLOBAL", "d", "DICT", "}", "EMPTY_DICT", "e", "APPENDS", "g", "GET", "h", "BINGET",
            "i", "INST", "j", "LONG_BINGET", "l", "LIST", "]", "EMPTY_LIST", "o", "OBJ", "p", "PUT", "q", "BINPUT",
            "r", "LONG_BINPUT", "s", "SETITEM", "t", "TUPLE", ")", "EMPTY_TUPLE", "u", "SETITEMS", "G", "BINFLOAT",
            "B", "BINBYTES", "C", "SHORT_BINBYTES"};
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((int) pairs[i].charAt(0), pairs[i + 1]);
        }
        String[] high = {"PROTO", "NEWOBJ", "EXT1", "EXT2", "EXT4", "TUPLE1", "TUPLE2", "TUPLE3", "NEWTRUE", "NEWFALSE",
            "LONG1", "LONG4", "SHORT_BINUNICODE", "BINUNICODE8", "BINBYTES8", "EMPTY_SET", "ADDITEMS", "FROZENSET",
            "NEWOBJ_EX", "STACK_GLOBAL", "MEMOIZE", "FRAME", "BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"};
        for (int i = 0; i < high.length; i++) {
            m.put(0x80 + i, high[i]);
        }
        return Map.copyOf(m);
    }
}
