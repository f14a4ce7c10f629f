package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.train.LasCheckpoint;
import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.nn.train.TranscribedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, eval and decode las in-process on three FSDD files copied to a temporary folder, and their argument errors. */
class LasCommandsTest {

    @TempDir
    static Path tmp;
    static Path subset;

    @BeforeAll
    static void copyThreeFiles() throws IOException {
        Path recordings = CliRun.fsddRecordings();
        subset = Files.createDirectories(tmp.resolve("fsdd"));
        // repetition 10 is held out (r % 10 == 0), 11 and 12 train
        for (String name : List.of("0_theo_10.wav", "1_theo_11.wav", "2_theo_12.wav")) Files.copy(recordings.resolve(name), subset.resolve(name));
    }

    @Test
    void trainEvalDecode() {
        Path run = tmp.resolve("run");
        CliRun.Result t = CliRun.run("train", "las", "--data", subset.toString(), "--model", "las-tiny", "--steps", "2", "--batch", "2",
                "--out", run.toString());
        assertEquals(0, t.exitCode(), t.err());
        assertTrue(t.err().contains("(fsdd): 2 training and 1 validation utterances"), t.err());
        assertTrue(t.out().matches("(?s)trained 2 steps in .*best checkpoint \\(lowest CER on training utterances\\): \\d+\\.\\d\\d% at step \\d.*"
                + "validation CER: \\d+\\.\\d\\d% WER: \\d+\\.\\d\\d% \\(1 utterances\\)\\s*"), t.out());
        for (String f : List.of("best.safetensors", "last.safetensors", "curves.png", "alignment.png")) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        }
        Path ck = run.resolve("last.safetensors");
        CliRun.Result e = CliRun.run("eval", "las", "--checkpoint", ck.toString(), "--data", subset.toString(), "--split", "all", "--beam", "2");
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().matches("CER: \\d+\\.\\d\\d% WER: \\d+\\.\\d\\d% \\(3 utterances\\)\\s*"), e.out());
        assertTrue(e.err().contains("las-tiny") && e.err().contains("step 2"), e.err());

        Path wav = subset.resolve("1_theo_11.wav");
        CliRun.Result d = CliRun.run("decode", "las", "--checkpoint", ck.toString(), wav.toString(), subset.resolve("0_theo_10.wav").toString());
        assertEquals(0, d.exitCode(), d.err());
        List<String> lines = d.out().lines().toList();
        assertEquals(2, lines.size(), d.out());
        assertTrue(lines.get(0).startsWith(wav + "\t") && lines.get(0).substring(wav.toString().length() + 1).matches("[a-z' ]*"), lines.get(0));

        CliRun.Result wrong = CliRun.run("decode", "las", "--checkpoint", ck.toString(), tmp.resolve("x.mfc").toString());
        assertEquals(1, wrong.exitCode());
        assertTrue(wrong.err().contains("the checkpoint reads fbank features, so it decodes .wav files"), wrong.err());
        CliRun.Result noHead = CliRun.run("eval", "las", "--checkpoint", ck.toString(), "--data", subset.toString(), "--ctc-weight", "0.5");
        assertEquals(1, noHead.exitCode());
        assertTrue(noHead.err().contains("--ctc-weight 0.5 needs a checkpoint with a CTC head (trained with train las --ctc-weight > 0); " + ck + " has none"),
                noHead.err());
        CliRun.Result an4 = CliRun.run("eval", "las", "--checkpoint", ck.toString(), "--data", subset.toString(), "--format", "an4");
        assertEquals(1, an4.exitCode());
        assertTrue(an4.err().contains("the checkpoint reads fbank features, but an4 data gives sphinx-mfc"), an4.err());
    }

    @Test
    void trainingAids() throws IOException {
        Path run = tmp.resolve("aids");
        CliRun.Result t = CliRun.run("train", "las", "--data", subset.toString(), "--model", "las-tiny", "--steps", "2", "--batch", "2",
                "--splice-words", "3", "--splice-fragments", "1", "--ctc-weight", "0.3", "--guided-attention", "1,0.4,10", "--spec-augment", "--dropout", "0.2", "--ema", "0.99", "--out", run.toString());
        assertEquals(0, t.exitCode(), t.err());
        assertTrue(t.err().contains("word splicing: 2 word pieces from the training files (0 skipped), 3 synthetic utterances of 1 to 1 words, 100% beginning with a word-end fragment"), t.err());
        assertTrue(t.err().contains("(fsdd): 5 training and 1 validation utterances"), t.err());
        assertTrue(Files.isRegularFile(run.resolve("best.safetensors")));
        var ck = dev.attune.nn.train.LasCheckpoint.load(run.resolve("best.safetensors"));
        assertEquals(0.2f, ck.model().config().dropout(), "the checkpoint keeps --dropout");
        assertNotNull(ck.ctcHead(), "the checkpoint keeps the CTC head of --ctc-weight");
        for (String beam : List.of("1", "2")) {
            CliRun.Result e = CliRun.run("eval", "las", "--checkpoint", run.resolve("best.safetensors").toString(), "--data", subset.toString(),
                    "--split", "all", "--beam", beam, "--ctc-weight", "0.5");
            assertEquals(0, e.exitCode(), e.err());
            assertTrue(e.out().matches("CER: \\d+\\.\\d\\d% WER: \\d+\\.\\d\\d% \\(3 utterances\\)\\s*"), e.out());
            assertTrue(e.err().contains("CTC head"), e.err());
        }
        CliRun.Result d = CliRun.run("decode", "las", "--checkpoint", run.resolve("best.safetensors").toString(), "--ctc-weight", "1",
                subset.resolve("1_theo_11.wav").toString());
        assertEquals(0, d.exitCode(), d.err());
        assertEquals(1, d.out().lines().count(), d.out());
    }

    @Test
    void pyramidDepthDeltasAndSpecAugmentSizes() throws IOException {
        Path run = tmp.resolve("deep");
        CliRun.Result t = CliRun.run("train", "las", "--data", subset.toString(), "--model", "las-tiny", "--steps", "2", "--batch", "2",
                "--pyramid-layers", "2", "--deltas", "2", "--spec-augment", "1,3,1,4", "--out", run.toString());
        assertEquals(0, t.exitCode(), t.err());
        assertTrue(t.err().contains("120 features per frame, 4x time reduction"), t.err());
        var ck = dev.attune.nn.train.LasCheckpoint.load(run.resolve("last.safetensors"));
        assertEquals(2, ck.model().config().listenerLayers(), "the checkpoint keeps --pyramid-layers");
        assertEquals(120, ck.model().config().inputDim());
        assertEquals(2, ck.features().deltas(), "the checkpoint keeps --deltas");
        CliRun.Result e = CliRun.run("eval", "las", "--checkpoint", run.resolve("last.safetensors").toString(), "--data", subset.toString(), "--split", "all");
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().matches("CER: \\d+\\.\\d\\d% WER: \\d+\\.\\d\\d% \\(3 utterances\\)\\s*"), e.out());
        CliRun.Result plain = CliRun.run("train", "las", "--data", subset.toString(), "--model", "las-tiny", "--steps", "1", "--batch", "2",
                "--spec-augment", "--out", tmp.resolve("plain").toString());
        assertEquals(0, plain.exitCode(), plain.err());
        assertTrue(plain.err().contains("40 features per frame, 8x time reduction"), plain.err());
    }

    @Test
    void globalCmvnIsFittedOnTheTrainingUtterancesAndKept() throws IOException {
        Path run = tmp.resolve("global");
        CliRun.Result t = CliRun.run("train", "las", "--data", subset.toString(), "--model", "las-tiny", "--steps", "1", "--batch", "2",
                "--cmvn", "global", "--out", run.toString());
        assertEquals(0, t.exitCode(), t.err());
        var ck = LasCheckpoint.load(run.resolve("last.safetensors"));
        assertEquals(SpeakerCheckpoint.Features.GLOBAL_CMVN, ck.features().normalisation());
        // the mean of every raw log-mel frame of the two training files (repetitions 11 and 12), bin by bin
        var format = TranscribedData.Format.FSDD;
        List<float[][]> raw = TranscribedData.features(format).raw(TranscribedData.load(format, subset).train(), 1);
        double[] mean = new double[40];
        int frames = 0;
        for (float[][] x : raw) {
            for (float[] row : x) {
                frames++;
                for (int j = 0; j < 40; j++) mean[j] += row[j];
            }
        }
        for (int j = 0; j < 40; j++) assertEquals(mean[j] / frames, ck.features().cmvnMean()[j], 1e-3, "bin " + j);
        CliRun.Result e = CliRun.run("eval", "las", "--checkpoint", run.resolve("last.safetensors").toString(), "--data", subset.toString(), "--split", "all");
        assertEquals(0, e.exitCode(), e.err());
        assertTrue(e.out().matches("CER: \\d+\\.\\d\\d% WER: \\d+\\.\\d\\d% \\(3 utterances\\)\\s*"), e.out());
        CliRun.Result bad = CliRun.run("train", "las", "--data", subset.toString(), "--cmvn", "median");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("--cmvn must be utterance or global, got 'median'"), bad.err());
    }

    @Test
    void argumentErrors() {
        CliRun.Result r = CliRun.run("train", "las", "--steps", "3");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Missing required option: '--data=DIR'"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--format", "wsj");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("unknown format 'wsj' (yesno, fsdd, an4)"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--model", "las-huge");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("unknown model 'las-huge' (las-small, las-tiny)"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--ctc-weight", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--ctc-weight must be in [0, 1), got 1.0"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--guided-attention", "1,0");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--guided-attention takes WEIGHT >= 0, WEIGHT,SIGMA with SIGMA > 0 or WEIGHT,SIGMA,DECAY with DECAY a whole number "
                + "of steps >= 0, got [1.0, 0.0]"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--guided-attention", "1,0.3,2.5");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("got [1.0, 0.3, 2.5]"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--ema", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--ema must be in [0, 1), got 1.0"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--splice-words", "-1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--splice-words must be >= 0, got -1"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--splice-words", "2", "--splice-fragments", "-0.5");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--splice-fragments must be in [0, 1], got -0.5"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--splice-words", "2", "--splice-length", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--splice-length takes MIN,MAX, got 1 values"), r.err());
        r = CliRun.run("eval", "las", "--checkpoint", "x.safetensors", "--data", subset.toString(), "--beam", "0");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--beam must be >= 1, got 0"), r.err());
        r = CliRun.run("eval", "las", "--checkpoint", "x.safetensors", "--data", subset.toString(), "--beam", "2", "--length-norm", "-1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--length-norm must be >= 0, got -1.0"), r.err());
        r = CliRun.run("eval", "las", "--checkpoint", "x.safetensors", "--data", subset.toString(), "--ctc-weight", "1.5");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--ctc-weight must be in [0, 1], got 1.5"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--dropout", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--dropout must be in [0, 1), got 1.0"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--deltas", "3");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--deltas must be 0, 1 or 2, got 3"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--pyramid-layers", "-1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--pyramid-layers must be in [0, 6], got -1"), r.err());
        r = CliRun.run("train", "las", "--data", subset.toString(), "--spec-augment", "2,8");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--spec-augment takes no value or FMASKS,FWIDTH,TMASKS,TWIDTH (four whole numbers), got '2,8'"), r.err());
        r = CliRun.run("decode", "las", "--checkpoint", "x.safetensors");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Missing required parameter"), r.err());
        r = CliRun.run("decode", "las", "--checkpoint", tmp.resolve("missing.safetensors").toString(), "a.wav");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("missing.safetensors"), r.err());
        r = CliRun.run("decode");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("las") && r.out().contains("Usage: attune decode"), r.out());
    }
}
