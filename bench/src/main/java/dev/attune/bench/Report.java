package dev.attune.bench;

import dev.attune.kernels.Parallel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs selected benchmarks of this suite through the JMH Runner API and prints the results table
 * of {@code RESULTS.md}: for every Attune result its rate (GFLOP/s, GB/s or utterances/s, from the
 * work each benchmark class declares in its static {@code work} method, see {@link Work}), each
 * baseline of the same row and shape measured in the same run, the ratio, and the percentage of
 * the machine's peak:
 * <ul>
 *   <li>compute-bound rows: of {@code 2 FMA units x float lanes x 2 FLOP x CPUs x clock}, with the
 *       lanes of the JVM's preferred vector species, the CPUs the JVM sees and the clock from
 *       {@code -Dattune.bench.ghz} or else the "cpu MHz" of /proc/cpuinfo (the current, not the
 *       turbo, clock), or "n/a" when neither exists;</li>
 *   <li>memory-bound rows: of the copy bandwidth measured by {@link CopyBench} in the same run (the
 *       faster of its two copies, at the working set nearest the kernel's traffic), which is why
 *       CopyBench always runs.</li>
 * </ul>
 * Usage: {@code Report [--quick] [--out FILE] [REGEX...]}; the regexes select benchmarks as JMH's
 * include patterns do (none: the whole suite). {@code --quick} measures briefly, for a smoke test.
 */
public final class Report {
    private Report() {}

    /** One measured benchmark: its declared work and its mean time per operation. */
    record Measured(Work work, double seconds) {
        double rate() {
            return work.unit().rate(work.amount(), seconds);
        }
    }

    public static void main(String[] args) throws RunnerException, IOException {
        boolean quick = false;
        Path out = null;
        List<String> patterns = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> {
                    if (++i == args.length) throw new IllegalArgumentException("Report: --out needs a file name");
                    out = Path.of(args[i]);
                }
                default -> {
                    if (args[i].startsWith("--")) {
                        throw new IllegalArgumentException("Report: unknown option " + args[i] + " (usage: Report [--quick] [--out FILE] [REGEX...])");
                    }
                    patterns.add(args[i]);
                }
            }
        }
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .mode(org.openjdk.jmh.annotations.Mode.AverageTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .forks(1)
                .shouldFailOnError(true)
                // The forked JVMs get this JVM's flags: the Vector API module, -Xmx, -Dattune.threads.
                .jvmArgs(ManagementFactory.getRuntimeMXBean().getInputArguments().toArray(String[]::new));
        if (quick) {
            opts.warmupIterations(1).warmupTime(TimeValue.milliseconds(300)).measurementIterations(2).measurementTime(TimeValue.milliseconds(300));
        } else {
            opts.warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(5).measurementTime(TimeValue.seconds(1));
        }
        String prefix = Report.class.getPackageName() + ".";
        if (patterns.isEmpty()) {
            // The whole CPU suite; the GPU benchmarks (package cuda) run on a GPU machine through the bundle's run-gpu-bench.sh.
            opts.include(java.util.regex.Pattern.quote(prefix));
            opts.exclude(java.util.regex.Pattern.quote(prefix + "cuda."));
        } else {
            for (String p : patterns) opts.include(p);
            opts.include(java.util.regex.Pattern.quote(prefix + CopyBench.class.getSimpleName() + "."));
        }
        List<Measured> results = new ArrayList<>();
        for (RunResult r : new Runner(opts.build()).run()) {
            BenchmarkParams bp = r.getParams();
            String name = bp.getBenchmark();
            int dot = name.lastIndexOf('.');
            Map<String, String> params = new LinkedHashMap<>();
            for (String key : bp.getParamsKeys()) params.put(key, bp.getParam(key));
            Work w = declaredWork(name.substring(0, dot), name.substring(dot + 1), params);
            results.add(new Measured(w, r.getPrimaryResult().getScore() * 1e-6));
        }
        String command = "bench/run.sh" + (args.length == 0 ? "" : " " + String.join(" ", args));
        String text = machineLines() + "\n" + table(results, command);
        System.out.print(text);
        if (out != null) Files.writeString(out, text);
    }

    /** Calls the benchmark class's {@code static Work work(String method, Map<String, String> params)}. */
    static Work declaredWork(String className, String method, Map<String, String> params) {
        try {
            return (Work) Class.forName(className).getMethod("work", String.class, Map.class).invoke(null, method, params);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("Report: " + className + ".work failed for " + method + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Report: " + className + " must declare public static Work work(String, Map<String, String>)", e);
        }
    }

    // ---- the machine ---------------------------------------------------------------------------------

    /** The CPU model from /proc/cpuinfo, or the OS architecture where that file is missing. */
    static String cpuModel() {
        String v = cpuinfo("model name");
        return v != null ? v : System.getProperty("os.arch");
    }

    /** The first value of {@code key} in /proc/cpuinfo, or null. */
    static String cpuinfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) return line.substring(colon + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** The clock in GHz used for the FLOP peak: {@code -Dattune.bench.ghz}, else /proc/cpuinfo's cpu MHz, else NaN. */
    static double clockGhz() {
        String given = System.getProperty("attune.bench.ghz");
        if (given != null) return Double.parseDouble(given);
        String mhz = cpuinfo("cpu MHz");
        return mhz == null ? Double.NaN : Double.parseDouble(mhz) / 1000;
    }

    static String clockSource() {
        if (System.getProperty("attune.bench.ghz") != null) return "-Dattune.bench.ghz";
        return cpuinfo("cpu MHz") != null ? "/proc/cpuinfo cpu MHz (current clock, not measured turbo)" : "unknown";
    }

    /** Float32 lanes of the JVM's preferred vector species (8 for AVX2, 16 for AVX-512). */
    static int lanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }

    /** GFLOP/s: 2 FMA units x lanes x 2 FLOP x CPUs x GHz (NaN when the clock is unknown). */
    static double flopPeak() {
        return 2.0 * lanes() * 2 * Runtime.getRuntime().availableProcessors() * clockGhz();
    }

    /** A short machine label for the table's machine column, e.g. {@code Intel Xeon x2}. */
    static String machineLabel() {
        String m = cpuModel().replaceAll("\\((R|TM|tm|r)\\)", "").replaceAll("\\b(CPU|Processor)\\b", "").replaceAll("@.*", "")
                .replaceAll("\\s+", " ").trim();
        return m + " x" + Runtime.getRuntime().availableProcessors();
    }

    static String machineLines() {
        int cpus = Runtime.getRuntime().availableProcessors();
        double ghz = clockGhz();
        return String.format(Locale.ROOT, """
                Machine %s: %s; %d CPUs seen by the JVM, %d Attune threads; JDK %s (%s); %d float lanes per vector.
                FLOP peak: 2 FMA units x %d lanes x 2 FLOP x %d CPUs x %s GHz (clock: %s) = %s GFLOP/s (the 2 FMA units per core are assumed).
                Memory-bound %% of peak: of the copy bandwidth measured by CopyBench in this run, at the nearest working set.
                """, machineLabel(), cpuModel(), cpus, Parallel.threads(), Runtime.version(), System.getProperty("java.vm.name"), lanes(),
                lanes(), cpus, Double.isNaN(ghz) ? "?" : String.format(Locale.ROOT, "%.2f", ghz), clockSource(),
                Double.isNaN(ghz) ? "unknown" : String.format(Locale.ROOT, "%.0f", flopPeak()));
    }

    // ---- the table -----------------------------------------------------------------------------------

    static final String HEADER = """
            | benchmark | shape | Attune | baseline | ratio | % of peak | machine | date | command |
            |---|---|---|---|---|---|---|---|---|
            """;

    /** The Markdown table: one line per (Attune result, baseline) pair, or per result without a pair. */
    static String table(List<Measured> results, String command) {
        // Copy bandwidth by bytes moved: the faster of the two copies at each size.
        TreeMap<Double, Double> copy = new TreeMap<>();
        for (Measured m : results) {
            if (m.work().row().equals("copy")) copy.merge(m.work().amount(), m.rate(), Math::max);
        }
        Map<String, List<Measured>> rows = new LinkedHashMap<>();
        for (Measured m : results) rows.computeIfAbsent(m.work().row() + "\u0000" + m.work().shape(), k -> new ArrayList<>()).add(m);
        String date = LocalDate.now().toString(), machine = machineLabel();
        StringBuilder sb = new StringBuilder(HEADER);
        for (List<Measured> group : rows.values()) {
            List<Measured> attune = group.stream().filter(m -> m.work().isAttune()).toList();
            List<Measured> baselines = group.stream().filter(m -> !m.work().isAttune()).toList();
            for (Measured a : attune) {
                if (baselines.isEmpty()) sb.append(line(a, null, copy, machine, date, command));
                for (Measured b : baselines) sb.append(line(a, b, copy, machine, date, command));
            }
            if (attune.isEmpty()) for (Measured b : baselines) sb.append(line(null, b, copy, machine, date, command));
        }
        return sb.toString();
    }

    private static String line(Measured a, Measured b, TreeMap<Double, Double> copy, String machine, String date, String command) {
        Measured any = a != null ? a : b;
        Work.Unit unit = any.work().unit();
        String attune = a == null ? "—" : unit.format(a.rate());
        String base = b == null ? "—" : unit.format(b.rate()) + " (" + b.work().impl() + ")";
        String ratio = a == null || b == null ? "—" : String.format(Locale.ROOT, "%.2fx", a.rate() / b.rate());
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | `%s` |%n",
                any.work().row(), any.work().shape(), attune, base, ratio, a == null ? "—" : percentOfPeak(a, copy), machine, date, command);
    }

    private static String percentOfPeak(Measured m, TreeMap<Double, Double> copy) {
        double peak = switch (m.work().unit()) {
            case FLOP -> flopPeak();
            case BYTE -> nearest(copy, m.work().amount());
            case ITEM -> Double.NaN;
        };
        return Double.isNaN(peak) ? "n/a" : String.format(Locale.ROOT, "%.0f %%", 100 * m.rate() / peak);
    }

    /** The copy bandwidth at the size nearest {@code bytes} on a log scale, or NaN when no copy ran. */
    static double nearest(TreeMap<Double, Double> copy, double bytes) {
        double best = Double.NaN, dist = Double.POSITIVE_INFINITY;
        for (Map.Entry<Double, Double> e : copy.entrySet()) {
            double d = Math.abs(Math.log(e.getKey() / bytes));
            if (d < dist) {
                dist = d;
                best = e.getValue();
            }
        }
        return best;
    }
}
