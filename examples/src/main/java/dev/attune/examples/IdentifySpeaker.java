package dev.attune.examples;

import dev.attune.nn.audio.Audio;
import dev.attune.nn.audio.Fbank;
import dev.attune.nn.audio.WavReader;
import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.tensor.F;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Names the speaker of a WAV file with a checkpoint of {@code attune train speaker}, using the
 * plain Java API: the checkpoint carries the model, the speaker names and the feature settings.
 *
 * <pre>java ... dev.attune.examples.IdentifySpeaker runs/speaker/best.safetensors recording.wav</pre>
 */
public final class IdentifySpeaker {

    /** A speaker name and the model's probability for it. */
    public record Guess(String speaker, double probability) {}

    public static Guess identify(Path checkpoint, Path wav) throws IOException {
        SpeakerCheckpoint ck = SpeakerCheckpoint.load(checkpoint); // model in eval mode, labels, feature settings
        if (ck.features().fbank() == null) {
            throw new IllegalArgumentException(checkpoint + " reads " + ck.features().source() + " features, not audio");
        }
        Audio audio = WavReader.read(wav);
        float[][] frames = ck.features().normalise(Fbank.compute(audio, ck.features().fbank())); // frames x 40
        float[] flat = new float[frames.length * frames[0].length];
        for (int t = 0; t < frames.length; t++) System.arraycopy(frames[t], 0, flat, t * frames[t].length, frames[t].length);
        try (GradMode _ = GradMode.noGrad()) {
            Tensor logits = ck.model().logits(Tensor.of(flat, 1, frames.length, frames[0].length), null); // (1, speakers)
            float[] p = F.softmax(logits, 1).toFloatArray();
            int best = 0;
            for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
            return new Guess(ck.label(best), p[best]);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: IdentifySpeaker CHECKPOINT.safetensors FILE.wav");
            System.exit(2);
        }
        Guess g = identify(Path.of(args[0]), Path.of(args[1]));
        System.out.printf("%s (p = %.3f)%n", g.speaker(), g.probability());
    }

    private IdentifySpeaker() {}
}
