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

/** The golden tensors of src/test/resources/golden/attention.py and the comparisons the attention tests share. */
final class AttentionGolden {
    private static SafetensorsFile file;

    private AttentionGolden() {}

    static synchronized SafetensorsFile file() {
        if (file == null) {
            try {
                file = Safetensors.read(Path.of(AttentionGolden.class.getResource("/golden/attention.safetensors").toURI()));
            } catch (Exception e) {
                throw new IllegalStateException("cannot read golden/attention.safetensors", e);
            }
        }
        return file;
    }

    static Tensor get(String name) {
        Tensor t = file().tensor(name);
        assertNotNull(t, "golden tensor " + name);
        return t;
    }

    static String meta(String key) {
        String v = file().metadata().get(key);
        assertNotNull(v, "golden metadata " + key);
        return v;
    }

    /** The case's PyTorch state_dict ({@code <case>.sd.*}) under its own names. */
    static Map<String, Tensor> stateDict(String caseName) {
        String prefix = caseName + ".sd.";
        Map<String, Tensor> sd = new LinkedHashMap<>();
        file().tensors().forEach((k, v) -> {
            if (k.startsWith(prefix)) sd.put(k.substring(prefix.length()), v);
        });
        assertTrue(!sd.isEmpty(), "no state dict for " + caseName);
        return sd;
    }

    /** A fresh leaf copy of a golden float input, ready to collect a gradient. */
    static Tensor leaf(String name) {
        return get(name).detach().copy().requiresGrad(true);
    }

    /** Loads the case's weights strictly (proving names and shapes equal PyTorch's). */
    static <M extends Module> M load(M module, String caseName) {
        module.loadStateDict(stateDict(caseName), true);
        module.eval();
        return module;
    }

    /** Checks every parameter gradient against {@code <case>.grad.<name>}. */
    static void parameterGradients(Module module, String caseName, double tol) {
        module.namedParameters().forEach((name, p) -> {
            assertNotNull(p.grad(), "no gradient for " + name);
            close(get(caseName + ".grad." + name), p.grad(), tol, caseName + " grad " + name);
        });
    }

    /** |expected - actual| <= tol * (1 + |expected|) elementwise, with equal shapes. */
    static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), g = actual.toFloatArray();
        for (int k = 0; k < e.length; k++) {
            if (!(Math.abs(e[k] - g[k]) <= tol * (1 + Math.abs(e[k])))) {
                fail(what + ": element " + k + " expected " + e[k] + ", got " + g[k] + " (tol " + tol + ")");
            }
        }
    }

    static void gradCheck(Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradCheck.Result r = GradCheck.check(f, inputs);
        assertTrue(r.passed(), r.message());
    }
}
