package dev.attune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/**
 * The suite's table is built after every benchmark has run, from each class's declared work: a class
 * without one, or a work function that rejects one of its own parameter combinations, would throw
 * only then, at the end of a run of half an hour. This checks every benchmark JMH generated, except
 * the GPU ones (package {@code cuda}), which print their own lines and never go through the table.
 */
class ReportTest {

    @Test
    void everyBenchmarkDeclaresItsWorkForEveryParameterCombination() throws IOException {
        List<BenchmarkListEntry> entries;
        try (InputStream in = ReportTest.class.getResourceAsStream(BenchmarkList.BENCHMARK_LIST)) {
            assertNotNull(in, "JMH's benchmark list is on the class path");
            entries = BenchmarkList.readBenchmarkList(in);
        }
        int checked = 0;
        for (BenchmarkListEntry e : entries) {
            String cls = e.getUserClassQName(), method = e.getUsername().substring(cls.length() + 1);
            if (cls.startsWith(Report.class.getPackageName() + ".cuda.")) continue;
            for (Map<String, String> params : combinations(e.getParams().orElse(Map.of()))) {
                Work w = Report.declaredWork(cls, method, params);
                assertFalse(w.row().isBlank(), e.getUsername() + " " + params + ": row");
                assertFalse(w.shape().isBlank(), e.getUsername() + " " + params + ": shape");
                assertTrue(w.amount() > 0, e.getUsername() + " " + params + ": amount " + w.amount());
                checked++;
            }
        }
        // GEMM alone has 12 shapes; the attention rows (which once had no work and broke whole-suite runs) are among them.
        assertTrue(checked > 100, "benchmark configurations checked: " + checked);
        assertEquals("attention fwd+bwd", Report.declaredWork(AttentionBench.class.getName(), "forwardBackward",
                Map.of("shape", "wenet256", "impl", "fused")).row());
    }

    @Test
    void aMissingWorkFunctionIsNamedInTheError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Report.declaredWork(ReportTest.class.getName(), "x", Map.of()));
        assertTrue(e.getMessage().contains("must declare public static Work work"), e.getMessage());
    }

    /** Every assignment of one value to each parameter. */
    private static List<Map<String, String>> combinations(Map<String, String[]> params) {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (Map.Entry<String, String[]> p : params.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : out)
                for (String v : p.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(p.getKey(), v);
                    next.add(m);
                }
            out = next;
        }
        return out;
    }
}
