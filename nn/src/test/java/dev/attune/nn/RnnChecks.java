package dev.attune.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attune.tensor.GradCheck;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import dev.attune.tensor.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Assertions and golden-file access shared by the LSTM and LAS tests. */
public final class RnnChecks {
    private RnnChecks() {}

    /** A golden file from src/test/resources/golden. */
    public static SafetensorsFile golden(String file) {
        try {
            return Safetensors.read(Path.of(RnnChecks.class.getResource("/golden/" + file).toURI()));
        } catch (Exception e) {
            throw new AssertionError("cannot read golden file " + file, e);
        }
    }

    public static Tensor get(SafetensorsFile f, String name) {
        Tensor t = f.tensor(name);
        assertNotNull(t, "golden tensor " + name);
        return t;
    }

    /** The tensors under {@code prefix}, with the prefix removed (a state dict stored by the golden script). */
    public static Map<String, Tensor> withPrefix(SafetensorsFile f, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        f.tensors().forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    /** Elementwise |expected - actual| <= tol * (1 + |expected|), with the shapes equal. */
    public static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertNotNull(actual, what + " is null");
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int k = 0; k < e.length; k++) {
            if (!(Math.abs(e[k] - a[k]) <= tol * (1 + Math.abs(e[k])))) {
                fail(what + " element " + k + ": expected " + e[k] + ", got " + a[k] + " (tol " + tol + ")");
            }
        }
    }

    /** Asserts autograd gradients of f match central differences (GradCheck's default tolerances). */
    public static void gradCheck(Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradCheck.Result r = GradCheck.check(f, inputs);
        assertTrue(r.passed(), r.message());
    }

    /** sum(a * ga) + sum(b * gb) + ...: a scalar whose backward sends the given upstream gradients. */
    public static Tensor weightedSum(Tensor... pairs) {
        Tensor s = null;
        for (int k = 0; k < pairs.length; k += 2) {
            Tensor term = pairs[k].mul(pairs[k + 1]).sum();
            s = s == null ? term : s.add(term);
        }
        return s;
    }
}
