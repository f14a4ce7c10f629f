package dev.attune.bench;

import java.util.Locale;

/**
 * What one benchmark method does per operation, so that JMH's time per operation becomes a rate.
 * Every benchmark class declares {@code static Work work(String method, java.util.Map<String, String> params)},
 * which {@link Report} calls for each result; results with the same {@code row} and {@code shape} are
 * compared, the Attune one against each baseline.
 *
 * @param row    what is computed, e.g. {@code gemm}, {@code layerNorm fwd}
 * @param shape  the problem size as printed in the table
 * @param impl   {@link #ATTUNE} for the engine's own code, else the baseline's name ({@code naive Java}, ...)
 * @param unit   what {@code amount} counts
 * @param amount floating-point operations, bytes that must move (inputs read once plus outputs written
 *               once), or items (utterances) per operation
 */
public record Work(String row, String shape, String impl, Unit unit, double amount) {
    /** The {@code impl} of the engine's own implementation. */
    public static final String ATTUNE = "Attune";

    /** What a benchmark's work is counted in, and how its rate is printed. */
    public enum Unit {
        /** Compute-bound: GFLOP/s, compared with the FLOP peak. */
        FLOP("GFLOP/s", 1e9),
        /** Memory-bound: GB/s (10^9 bytes), compared with the copy bandwidth measured in the same run. */
        BYTE("GB/s", 1e9),
        /** Whole training steps: utterances per second, no peak. */
        ITEM("utt/s", 1);

        final String label;
        final double scale;

        Unit(String label, double scale) {
            this.label = label;
            this.scale = scale;
        }

        /** The rate of {@code amount} units done in {@code seconds}, in this unit's printed scale. */
        double rate(double amount, double seconds) {
            return amount / seconds / scale;
        }

        String format(double rate) {
            return String.format(Locale.ROOT, rate >= 100 ? "%.0f %s" : "%.1f %s", rate, label);
        }
    }

    public boolean isAttune() {
        return ATTUNE.equals(impl);
    }

    static Work flops(String row, String shape, String impl, double flops) {
        return new Work(row, shape, impl, Unit.FLOP, flops);
    }

    /** {@code floats} float32 values that must be read or written: 4 bytes each. */
    static Work floats(String row, String shape, String impl, double floats) {
        return new Work(row, shape, impl, Unit.BYTE, 4 * floats);
    }
}
