package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Output format and argument errors of {@code attune bench}; tiny sizes, and no test asserts a time. */
class BenchCommandTest {

    @Test
    void gemmPrintsOneLineInTheDocumentedFormat() {
        CliRun.Result r = CliRun.run("bench", "gemm", "--size", "8", "--runs", "3");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("gemm 8x8x8: \\d+\\.\\d GFLOP/s\\R"), r.out());
    }

    @Test
    void gemmRejectsABadSizeByName() {
        CliRun.Result zero = CliRun.run("bench", "gemm", "--size", "0");
        assertEquals(1, zero.exitCode());
        assertTrue(zero.err().contains("attune bench gemm: --size must be between 1 and 16384, got 0"), zero.err());
        CliRun.Result word = CliRun.run("bench", "gemm", "--size", "big");
        assertEquals(2, word.exitCode());
        assertTrue(word.err().contains("'big' is not an int"), word.err());
        CliRun.Result runs = CliRun.run("bench", "gemm", "--size", "4", "--runs", "0");
        assertEquals(1, runs.exitCode());
        assertTrue(runs.err().contains("--runs must be at least 1, got 0"), runs.err());
    }

    @Test
    void gemmTimesAModelShapeWithTransposedOperands() {
        CliRun.Result r = CliRun.run("bench", "gemm", "--shape", "TN:5x7x3", "--runs", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("gemm TN:5x7x3: \\d+\\.\\d GFLOP/s\\R"), r.out());
        CliRun.Result bad = CliRun.run("bench", "gemm", "--shape", "NX:4x4x4");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("--shape must look like NT:4096x256x80 (OP in NN, NT, TN, TT), got 'NX:4x4x4'"), bad.err());
        CliRun.Result huge = CliRun.run("bench", "gemm", "--shape", "NN:4x99999999999x4");
        assertEquals(1, huge.exitCode());
        assertTrue(huge.err().contains("--shape sizes must be between 1 and 16384, got 99999999999"), huge.err());
    }

    @Test
    void attentionPrintsForwardAndBackwardPerShape() {
        CliRun.Result r = CliRun.run("bench", "attention", "--shape", "2,2,8,4", "--runs", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("attention B2 H2 T8 dk4: forward \\d+\\.\\d{3} ms \\(\\d+\\.\\d GFLOP/s\\), "
                + "forward\\+backward \\d+\\.\\d{3} ms \\(\\d+\\.\\d GFLOP/s, counted as 2\\.5 x forward FLOP\\)\\R"), r.out());
        CliRun.Result bad = CliRun.run("bench", "attention", "--shape", "2,2,8");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("--shape must be four positive sizes B,H,T,DK, got [2, 2, 8]"), bad.err());
    }

    @Test
    void benchAloneListsItsKernels() {
        CliRun.Result r = CliRun.run("bench");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("gemm") && r.out().contains("attention"), r.out());
    }

    @Test
    void warmUpLastsUntilCallsStopGettingFaster() {
        long second = 1_000_000_000L;
        assertFalse(Timing.warmedUp(4, 3 * second, 10), "at least WARMUP calls");
        assertFalse(Timing.warmedUp(100, second, 10), "at least WARMUP_NANOS");
        assertFalse(Timing.warmedUp(100, 3 * second, 4), "still getting faster");
        assertTrue(Timing.warmedUp(100, 3 * second, 5));
        assertTrue(Timing.warmedUp(100, 15 * second, 0), "but not for ever");
    }

    @Test
    void medianTakesTheMiddleValue() {
        assertEquals(2.0, Timing.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Timing.median(new double[] {4, 1, 3, 2}));
        assertThrows(IllegalArgumentException.class, () -> Timing.median(new double[0]));
    }
}
