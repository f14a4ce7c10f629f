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

/** Golden-file access and value assertions shared by the Conformer tests. */
final class ConformerChecks {
    private final SafetensorsFile file;

    private ConformerChecks(SafetensorsFile file) {
        this.file = file;
    }

    static ConformerChecks open(String resource) {
        try {
            return new ConformerChecks(Safetensors.read(Path.of(ConformerChecks.class.getResource("/golden/" + resource).toURI())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read golden file " + resource, e);
        }
    }

    Tensor get(String name) {
        Tensor t = file.tensor(name);
        assertNotNull(t, "golden tensor " + name);
        return t;
    }

    /** A fresh leaf that requires grad, holding the golden values. */
    Tensor leaf(String name) {
        return get(name).detach().copy().requiresGrad(true);
    }

    /** The state dict stored under {@code <prefix>.state.}. */
    Map<String, Tensor> state(String prefix) {
        String p = prefix + ".state.";
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : file.tensors().keySet()) if (k.startsWith(p)) out.put(k.substring(p.length()), file.tensor(k));
        assertTrue(!out.isEmpty(), "no state stored under " + p);
        return out;
    }

    /** Asserts shape and values: {@code |e - a| <= tol (1 + |e|)} everywhere. */
    static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertNotNull(actual, what + " is null");
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int k = 0; k < e.length; k++) {
            if (!(Math.abs(e[k] - a[k]) <= tol * (1 + Math.abs(e[k])))) {
                fail(what + " element " + k + ": expected " + e[k] + ", got " + a[k] + " (tol " + tol + ")");
            }
        }
    }

    /** Asserts autograd gradients match central differences (GradCheck's default tolerances). */
    static void grad(Function<Tensor[], Tensor> f, Tensor... inputs) {
        GradCheck.Result r = GradCheck.check(f, inputs);
        assertTrue(r.passed(), r.message());
    }
}
