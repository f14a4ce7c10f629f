package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.tensor.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, eval and predict speaker in-process on a 120-file FSDD subset copied to a temporary folder. */
class SpeakerCommandsTest {

    @TempDir
    static Path tmp;
    static Path subset, run;

    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    @BeforeAll
    static void trainATinyRun() throws IOException {
        Path recordings = CliRun.fsddRecordings();
        subset = Files.createDirectories(tmp.resolve("fsdd"));
        for (String speaker : List.of("george", "jackson", "lucas", "nicolas", "theo", "yweweler")) {
            for (int digit = 0; digit < 2; digit++) {
                for (int rep = 10; rep < 20; rep++) {
                    String name = digit + "_" + speaker + "_" + rep + ".wav";
                    Files.copy(recordings.resolve(name), subset.resolve(name));
                }
            }
        }
        run = tmp.resolve("run");
    }

    @Test
    void trainEvalPredict() throws IOException {
        CliRun.Result t = run("train", "speaker", "--data", subset.toString(), "--model", "hw4-simple", "--steps", "6", "--batch", "8",
                "--valid-every", "3", "--out", run.toString());
        assertEquals(0, t.exitCode(), t.err());
        assertTrue(t.err().contains("6 speakers, 108 training and 12 validation utterances"), t.err());
        assertTrue(t.out().matches("(?s).*validation accuracy: \\d\\.\\d{4} \\(\\d+/12\\)\\s*"), t.out());
        assertTrue(Files.isRegularFile(run.resolve("best.safetensors")) && Files.isRegularFile(run.resolve("curves.png")));

        Path last = run.resolve("last.safetensors");
        // Speaker identification keeps the spectral envelope: global CMVN, fitted on the training
        // utterances, travels in the checkpoint so that eval and predict normalise the same way.
        var features = SpeakerCheckpoint.load(last).features();
        assertEquals(SpeakerCheckpoint.Features.GLOBAL_CMVN, features.normalisation());
        assertEquals(40, features.cmvnMean().length);
        assertEquals(features, SpeakerCheckpoint.load(run.resolve("best.safetensors")).features());
        CliRun.Result e = run("eval", "speaker", "--checkpoint", last.toString(), "--data", subset.toString());
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().matches("accuracy: \\d\\.\\d{4} \\(\\d+/120\\)\\s*"), e.out());

        Path csv = tmp.resolve("out").resolve("predictions.csv");
        CliRun.Result p = run("predict", "speaker", "--checkpoint", last.toString(), "--data", subset.toString(), "--out", csv.toString());
        assertEquals(0, p.exitCode(), p.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("Id,Category", lines.get(0));
        assertEquals(121, lines.size());
        assertTrue(lines.get(1).matches("0_george_10,(george|jackson|lucas|nicolas|theo|yweweler)"), lines.get(1));
    }

    @Test
    void anUnknownOrUnavailableDeviceIsAnError() {
        CliRun.Result bad = run("train", "speaker", "--data", subset.toString(), "--device", "tpu", "--out", tmp.resolve("tpu").toString());
        assertEquals(1, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("expected cpu, cuda or cuda:N, got 'tpu'"), bad.err());
        if (!Device.cudaAvailable()) {
            CliRun.Result cuda = run("train", "speaker", "--data", subset.toString(), "--device", "cuda", "--out", tmp.resolve("cuda").toString());
            assertEquals(1, cuda.exitCode(), cuda.err());
            assertTrue(cuda.err().contains("attune train speaker: cuda:0 is unavailable: " + Device.cudaUnavailableReason()), cuda.err());
        }
    }

    @Test
    void aNonPositiveLearningRateIsAnError() {
        CliRun.Result r = run("train", "speaker", "--data", subset.toString(), "--model", "hw4-simple", "--steps", "2", "--lr", "0",
                "--out", tmp.resolve("bad-lr").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("lr and clipNorm must be positive, got 0.0"), r.err());
    }

    @Test
    void unknownSpeakersAndWrongFilesAreErrors() throws IOException {
        Path ck = run.resolve("best.safetensors");
        if (!Files.isRegularFile(ck)) {
            assertEquals(0, run("train", "speaker", "--data", subset.toString(), "--model", "hw4-simple", "--steps", "2", "--batch", "8",
                    "--out", run.toString()).exitCode());
        }
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.copy(subset.resolve("0_theo_11.wav"), other.resolve("0_zed_1.wav"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(subset.resolve("1_theo_11.wav"), other.resolve("1_theo_11.wav"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun.Result e = run("eval", "speaker", "--checkpoint", ck.toString(), "--data", other.toString());
        assertEquals(1, e.exitCode());
        assertTrue(e.err().contains("speakers unknown to the checkpoint: zed"), e.err());

        CliRun.Result notCk = run("eval", "speaker", "--checkpoint", subset.resolve("0_theo_11.wav").toString(), "--data", other.toString());
        assertEquals(1, notCk.exitCode());
        CliRun.Result badModel = run("train", "speaker", "--data", subset.toString(), "--model", "hw5", "--out", tmp.resolve("x").toString());
        assertEquals(1, badModel.exitCode());
        assertTrue(badModel.err().contains("unknown model 'hw5'"), badModel.err());
        CliRun.Result an4 = run("eval", "speaker", "--checkpoint", ck.toString(), "--data", other.toString(), "--format", "an4");
        assertEquals(1, an4.exitCode());
        assertTrue(an4.err().contains("the checkpoint reads fbank features, but an4 data gives sphinx-mfc"), an4.err());
    }
}
