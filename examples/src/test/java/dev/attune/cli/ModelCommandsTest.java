package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelCommandsTest {

    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void paramsPrintsTheTreeAndTheReferenceCount() {
        CliRun.Result r = run("params", "hw4-simple");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Hw4Classifier(\n  (prenet): Linear(in_features=40, out_features=80, bias=True)"), r.out());
        assertTrue(r.out().strip().endsWith("total parameters: 125896"), r.out());
        CliRun.Result list = run("params");
        assertTrue(list.out().contains("hw4-simple") && list.out().contains("las-small"), list.out());
        CliRun.Result bad = run("params", "hw5");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("unknown model 'hw5'") && bad.err().contains("hw4-simple"), bad.err());
    }

    @Test
    void explainWalksARealUtteranceAndShowsAttentionInternals() {
        Path wav = Path.of("..", "..", "shared", "data", "fsdd", "recordings", "7_theo_10.wav").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(wav), "FSDD data not found at " + wav);
        CliRun.Result r = run("explain", "hw4-simple", "--wav", wav.toString(), "--layer", "encoder_layer.self_attn");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("44 frames of 40 log-mel bins"), r.out());
        assertTrue(r.out().matches("(?s).*prenet\\s+Linear\\s+in \\[1,44,40\\]\\s+out \\[1,44,80\\].*"), r.out());
        assertTrue(r.out().contains("scores = q k^T / sqrt(d_k)"), r.out());
        assertTrue(r.out().matches("(?s).*weights softmax\\(scores\\) \\(N,H,L,S\\)\\s+\\[1,2,44,44\\].*"), r.out());
        assertTrue(r.out().matches("(?s).*\\(model\\)\\s+Hw4Classifier\\s+in \\[1,44,40\\]\\s+out \\[1,600\\].*"), r.out());
        CliRun.Result bad = run("explain", "hw4-simple", "--wav", wav.toString(), "--layer", "nope");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("no sub-module 'nope'"), bad.err());
    }
}
