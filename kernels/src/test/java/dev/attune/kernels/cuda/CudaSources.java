package dev.attune.kernels.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the tests need to know of the CUDA C sources in {@code native/src}, read as text: every
 * {@code extern "C" __global__} kernel with its parameters, its {@code __launch_bounds__} and whether it
 * uses dynamic shared memory; the {@code #define}d integer constants; the enums; and how many ints each
 * all-int struct holds. A small reader for the subset of C these files use, not a C parser: a
 * construct it does not know (a parameter type, an enum with explicit values) is reported as such.
 */
final class CudaSources {
    /** The C width classes of a kernel parameter, as the launcher must match them. */
    enum Kind { I32, I64, F32, F64, POINTER, STRUCT, UNKNOWN }

    /** One kernel parameter: its C type without qualifiers (for pointers the pointee type), name and kind. */
    record Param(String type, String name, Kind kind) {}

    record Kernel(String module, String name, List<Param> params, Integer launchBound, boolean dynamicShared) {}

    final Map<String, Kernel> kernels = new LinkedHashMap<>();
    final Map<String, List<String>> enums = new HashMap<>();
    /** Number of 32-bit ints of each struct whose fields are all ints (arrays included). */
    final Map<String, Integer> structInts = new HashMap<>();
    private final Map<String, String> defines = new HashMap<>();

    private static final Pattern DEFINE = Pattern.compile("(?m)^\\s*#define\\s+(\\w+)[ \\t]+(.+)$");
    private static final Pattern ENUM = Pattern.compile("enum\\s+(\\w+)\\s*\\{([^}]*)\\}");
    private static final Pattern STRUCT = Pattern.compile("struct\\s+(\\w+)\\s*\\{([^}]*)\\}");
    private static final Pattern KERNEL = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\(([^)]*)\\)\\s*)?(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern FIELD = Pattern.compile("\\s*int\\s+(\\w+)((?:\\s*\\[[^]]+\\])*)\\s*");

    /** The sources of the repository's native module, found from the working directory (a module or the root). */
    static CudaSources load() {
        for (Path dir : List.of(Path.of("..", "native", "src"), Path.of("native", "src"))) {
            if (Files.isDirectory(dir)) return new CudaSources(dir);
        }
        throw new IllegalStateException("native/src not found from " + Path.of("").toAbsolutePath()
                + ": run the test from the kernels module or the repository root");
    }

    CudaSources(Path dir) {
        Map<String, String> texts = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".cu") || name.endsWith(".cuh")) texts.put(name, stripComments(Files.readString(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Constants first, then types, then kernels: a file may use what an earlier-sorted header defines.
        texts.values().forEach(t -> {
            Matcher m = DEFINE.matcher(t);
            while (m.find()) defines.put(m.group(1), m.group(2).trim());
        });
        texts.forEach(this::readTypes);
        texts.forEach(this::readKernels);
    }

    private void readTypes(String file, String text) {
        Matcher m = ENUM.matcher(text);
        while (m.find()) {
            List<String> names = new ArrayList<>();
            for (String e : m.group(2).split(",")) {
                String t = e.trim();
                if (t.isEmpty()) continue;
                if (!t.matches("\\w+")) throw new IllegalStateException(file + ": enum " + m.group(1) + " entry '" + t + "' is not a plain name");
                names.add(t);
            }
            enums.put(m.group(1), names);
        }
        m = STRUCT.matcher(text);
        while (m.find()) {
            int ints = 0;
            for (String field : m.group(2).split(";")) {
                if (field.isBlank()) continue;
                Matcher f = FIELD.matcher(field);
                if (!f.matches()) {
                    ints = -1;
                    break;
                }
                int count = 1;
                Matcher dim = Pattern.compile("\\[([^]]+)\\]").matcher(f.group(2));
                while (dim.find()) count *= (int) constant(dim.group(1));
                ints += count;
            }
            if (ints > 0) structInts.put(m.group(1), ints);
        }
    }

    private void readKernels(String file, String text) {
        if (!file.endsWith(".cu")) return;
        String module = file.substring(0, file.length() - 3);
        Matcher m = KERNEL.matcher(text);
        while (m.find()) {
            List<Param> params = new ArrayList<>();
            for (String p : m.group(3).split(",")) params.add(param(p));
            Integer bound = m.group(1) == null ? null : (int) constant(m.group(1));
            boolean dynamic = body(text, m.end()).contains("extern __shared__");
            Kernel k = new Kernel(module, m.group(2), List.copyOf(params), bound, dynamic);
            if (kernels.put(k.name(), k) != null) throw new IllegalStateException("kernel " + k.name() + " is defined twice");
        }
    }

    /** The brace-balanced body that follows position {@code from}. */
    private static String body(String text, int from) {
        int open = text.indexOf('{', from), depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return text.substring(open, i + 1);
        }
        throw new IllegalStateException("unbalanced braces after offset " + from);
    }

    private Param param(String decl) {
        String d = decl.replace("__restrict__", " ").replaceAll("\\bconst\\b", " ").trim();
        boolean pointer = d.contains("*");
        String[] words = d.replace("*", " ").trim().split("\\s+");
        String name = words[words.length - 1];
        String type = String.join(" ", Arrays.copyOf(words, words.length - 1));
        Kind kind;
        if (pointer) kind = Kind.POINTER;
        else if (type.equals("int") || type.equals("unsigned") || type.equals("unsigned int")) kind = Kind.I32;
        else if (type.matches("(unsigned )?long long( int)?|size_t|u?int64_t")) kind = Kind.I64;
        else if (type.equals("float")) kind = Kind.F32;
        else if (type.equals("double")) kind = Kind.F64;
        else if (structInts.containsKey(type)) kind = Kind.STRUCT;
        else kind = Kind.UNKNOWN;
        return new Param(type, name, kind);
    }

    /** The value of an integer constant expression over the #defines: numbers, names, + - * / and parentheses. */
    long constant(String expr) {
        return new Object() {
            final String s = expr.replaceAll("\\s+", "");
            int i;

            long sum() {
                long v = product();
                while (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) v = s.charAt(i++) == '+' ? v + product() : v - product();
                return v;
            }

            long product() {
                long v = atom();
                while (i < s.length() && (s.charAt(i) == '*' || s.charAt(i) == '/')) v = s.charAt(i++) == '*' ? v * atom() : v / atom();
                return v;
            }

            long atom() {
                if (s.charAt(i) == '(') {
                    i++;
                    long v = sum();
                    if (s.charAt(i++) != ')') throw new IllegalStateException("')' expected in " + expr);
                    return v;
                }
                int start = i;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
                String t = s.substring(start, i);
                if (t.isEmpty()) throw new IllegalStateException("cannot read '" + expr + "' at " + start);
                if (Character.isDigit(t.charAt(0))) return Long.decode(t.replaceAll("[uUlL]+$", ""));
                String def = defines.get(t);
                if (def == null) throw new IllegalStateException("unknown constant " + t + " in '" + expr + "'");
                return constant(def);
            }

            long parse() {
                long v = sum();
                if (i != s.length()) throw new IllegalStateException("cannot read '" + expr + "' at " + i);
                return v;
            }
        }.parse();
    }

    /** Removes // and block comments (the sources have no comment markers inside string literals). */
    static String stripComments(String text) {
        return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
    }
}
