package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ModelCommandsTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cmd = Main.newCommandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void paramsPrintsTheTreeAndTheReferenceCount() {
        Run r = run("params", "hw4-simple");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Hw4Classifier(\n  (prenet): Linear(in_features=40, out_features=80, bias=True)"), r.out());
        assertTrue(r.out().strip().endsWith("total parameters: 125896"), r.out());
        Run list = run("params");
        assertTrue(list.out().contains("hw4-simple") && list.out().contains("las-small"), list.out());
        Run bad = run("params", "hw5");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("unknown model 'hw5'") && bad.err().contains("hw4-simple"), bad.err());
    }

    @Test
    void explainWalksARealUtteranceAndShowsAttentionInternals() {
        Path wav = Path.of("..", "..", "shared", "data", "fsdd", "recordings", "7_theo_10.wav").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(wav), "FSDD data not found at " + wav);
        Run r = run("explain", "hw4-simple", "--wav", wav.toString(), "--layer", "encoder_layer.self_attn");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("44 frames of 40 log-mel bins"), r.out());
        assertTrue(r.out().matches("(?s).*prenet\\s+Linear\\s+in \\[1,44,40\\]\\s+out \\[1,44,80\\].*"), r.out());
        assertTrue(r.out().contains("scores = q k^T / sqrt(d_k)"), r.out());
        assertTrue(r.out().matches("(?s).*weights softmax\\(scores\\) \\(N,H,L,S\\)\\s+\\[1,2,44,44\\].*"), r.out());
        assertTrue(r.out().matches("(?s).*\\(model\\)\\s+Hw4Classifier\\s+in \\[1,44,40\\]\\s+out \\[1,600\\].*"), r.out());
        Run bad = run("explain", "hw4-simple", "--wav", wav.toString(), "--layer", "nope");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("no sub-module 'nope'"), bad.err());
    }
}
