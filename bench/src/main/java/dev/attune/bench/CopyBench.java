package dev.attune.bench;

import dev.attune.kernels.Parallel;
import dev.attune.kernels.Storage;
import dev.attune.kernels.cpu.CpuStorage;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The bandwidth reference of the suite: a dense float copy, read once and written once
 * ({@code 8 bytes} per element), at working sets from cache-resident to DRAM-sized (4, 16 and
 * 256 MiB moved). {@code copyStrided} is the CPU backend's own copy (how views become contiguous);
 * {@code arraycopy} splits {@code System.arraycopy} over the backend's threads. {@link Report}
 * takes the faster of the two at the size nearest a memory-bound kernel's traffic as the machine's
 * copy bandwidth for that kernel's "% of peak".
 */
public class CopyBench {

    @State(Scope.Benchmark)
    public static class Buffers {
        @Param({"524288", "2097152", "33554432"})
        public int floats;
        Storage src, dst;
        float[] a, b;

        @Setup
        public void setup() {
            src = BenchData.upload(BenchData.random(1, floats));
            dst = BenchData.zeros(floats);
            a = ((CpuStorage) src).floats();
            b = ((CpuStorage) dst).floats();
        }
    }

    @Benchmark
    public Storage copyStrided(Buffers s) {
        BenchData.CPU.copyStrided(s.src, 0, new int[] {1}, s.dst, 0, new int[] {1}, new int[] {s.floats});
        return s.dst;
    }

    @Benchmark
    public float[] arraycopy(Buffers s) {
        Parallel.forRange(s.floats, 1 << 16, (from, to) -> System.arraycopy(s.a, from, s.b, from, to - from));
        return s.b;
    }

    public static Work work(String method, Map<String, String> p) {
        int n = Integer.parseInt(p.get("floats"));
        String impl = switch (method) {
            case "copyStrided" -> Work.ATTUNE;
            case "arraycopy" -> "System.arraycopy (all threads)";
            default -> throw new IllegalArgumentException("CopyBench: no work declared for method " + method);
        };
        return Work.floats("copy", n + " floats", impl, 2.0 * n);
    }
}
